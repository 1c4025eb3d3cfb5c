using Google.Protobuf;
using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;
using CalibratedView = SlicerReg.Core.Geometry.CalibratedView;
using DrrMode = SlicerReg.Core.Xray.DrrMode;
using DrrOutput = SlicerReg.Core.Xray.DrrOutput;
using VoxelType = SlicerReg.Core.Imaging.VoxelType;
using VolumeKind = SlicerReg.Core.Imaging.VolumeKind;

namespace SlicerReg.Server.Tests;

/// <summary>
/// The Simulation service of the real daemon: DRRs and masks identical (bit for bit) to `slicerreg drr` run as a separate
/// process on the same nibabel-written files; bad views, oversize and broken uploads refused with precise statuses;
/// back-pressure; cancellation.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class SimulationTests
{
    TempFolder _folder = null!;
    NiftiAtlas _ct = null!;
    string _labels = null!;
    DaemonProcess _daemon = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _folder = new TempFolder();
        _ct = TestData.MakeAtlas(_folder, "ct", new GridSize(40, 36, 30), seed: 21);
        TestData.MakeLabels(_folder, "labels", new GridSize(40, 36, 30), seed: 22);
        _labels = _folder.File("labels.nii");
        _daemon = new DaemonProcess(new[] { "--simulations", "1" });
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    static string[] Drr(params string[] args) => new[] { DaemonProcess.CliDll, "drr" }.Concat(args).ToArray();

    [Test]
    public async Task DaemonDrrsAndMasks_AreBitIdenticalTo_SlicerregDrr()
    {
        var settings = new[]
        {
            ("ap", new DrrOptions(), new string[0]),
            ("lateral", new DrrOptions { Mode = DrrMode.Uniform, Output = DrrOutput.Intensity, I0 = 3, StepMm = 0.7, Attenuation = AttenuationModel.FromHounsfield(0.025), NoisePhotons = 500, Seed = 4 },
             new[] { "--mode", "uniform", "--output", "intensity", "--i0", "3", "--step", "0.7", "--mu-water", "0.025", "--noise", "500", "--seed", "4" }),
        };
        var ct = VolumeFile.Read(_ct.Path);
        var labels = VolumeFile.Read(_labels);
        using var client = SimulationClient.Connect(_daemon.Address);
        foreach (var (preset, options, cliArgs) in settings)
        {
            string local = _folder.File($"{preset}-local.nrrd"), localMask = _folder.File($"{preset}-local-mask.nrrd");
            ExternalTool.Check("dotnet", Drr(new[] { "--ct", _ct.Path, "--view", preset, "--out", local, "--label", _labels, "--mask-out", localMask, "--label-value", "2" }.Concat(cliArgs).ToArray()));
            var view = ViewFile.Load(preset);
            var rendered = (await client.RenderDrrAsync(ct, new[] { view }, options, labels, labelValue: 2)).Single();

            var expected = VolumeFile.Read(local);
            Assert.That(rendered.Drr.VoxelType, Is.EqualTo(VoxelType.Float32));
            Assert.That(rendered.Drr.As<float>().AsSpan().SequenceEqual(expected.As<float>()), Is.True, $"{preset}: every pixel bit for bit");
            Assert.That(rendered.Drr.As<float>().Distinct().Count(), Is.GreaterThan(100), "a real image, not a constant");
            AssertSameGrid(rendered.Drr.Geometry, expected.Geometry);
            AssertSameGrid(rendered.Drr.Geometry, Radiograph.DetectorGeometry(view)); // placed in the detector plane
            var expectedMask = VolumeFile.Read(localMask);
            Assert.That(rendered.Mask!.Kind, Is.EqualTo(VolumeKind.LabelMap));
            Assert.That(rendered.Mask.As<byte>(), Is.EqualTo(expectedMask.As<byte>()), $"{preset}: mask");
            Assert.That(rendered.Mask.As<byte>().Count(b => b == 1), Is.GreaterThan(100));

            // The CLI verb through the daemon writes the very same file.
            string remote = _folder.File($"{preset}-remote.nrrd"), remoteMask = _folder.File($"{preset}-remote-mask.nrrd");
            ExternalTool.Check("dotnet", Drr(new[] { "--ct", _ct.Path, "--view", preset, "--out", remote, "--label", _labels, "--mask-out", remoteMask, "--label-value", "2", "--server", _daemon.Address }.Concat(cliArgs).ToArray()));
            Assert.That(File.ReadAllBytes(remote), Is.EqualTo(File.ReadAllBytes(local)), $"{preset}: drr --server writes the same file");
            Assert.That(File.ReadAllBytes(remoteMask), Is.EqualTo(File.ReadAllBytes(localMask)));
        }
    }

    [Test]
    public void DrrVerb_WithServer_ReportsTheDaemonsRefusalOrAbsence()
    {
        string outFile = _folder.File("refused.nrrd");
        // The label map's float copy: refused by the daemon with its precise message, nothing written.
        var (code, _, err) = ExternalTool.Run("dotnet", Drr("--ct", _ct.Path, "--view", "ap", "--out", outFile, "--label", _ct.Path, "--mask-out", _folder.File("m.nrrd"), "--server", _daemon.Address));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain($"slicerreg drr: the daemon at {_daemon.Address} answered InvalidArgument: simulate: label map: must have an integer voxel type, got Float32"));
        Assert.That(File.Exists(outFile), Is.False);
        (code, _, err) = ExternalTool.Run("dotnet", Drr("--ct", _ct.Path, "--view", "ap", "--out", outFile, "--server", "127.0.0.1:1"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("the daemon at 127.0.0.1:1 answered Unavailable"));
        (code, _, err) = ExternalTool.Run("dotnet", Drr("--ct", _ct.Path, "--view", "ap", "--out", outFile, "--server", _daemon.Address, "--threads", "2"));
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("--threads applies to local rendering"));
    }

    static void AssertSameGrid(ImageGeometry a, ImageGeometry b)
    {
        Assert.That(a.Size, Is.EqualTo(b.Size));
        var (ma, mb) = (a.IjkToRas.ToRowMajor(), b.IjkToRas.ToRowMajor());
        for (int n = 0; n < 16; n++) Assert.That(ma[n], Is.EqualTo(mb[n]).Within(1e-9), $"IJK→RAS entry {n}");
    }

    [Test]
    public async Task SeveralViews_ComeBackInOrder()
    {
        var ct = VolumeFile.Read(_ct.Path);
        var views = new[] { ViewFile.Load("ap"), ViewFile.Load("lateral"), TestData.View(64, 48) };
        using var client = SimulationClient.Connect(_daemon.Address);
        var rendered = await client.RenderDrrAsync(ct, views);
        Assert.That(rendered.Select(r => r.ViewIndex), Is.EqualTo(new[] { 0, 1, 2 }));
        for (int n = 0; n < views.Length; n++)
        {
            Assert.That(rendered[n].Mask, Is.Null);
            var local = DrrRenderer.Render(ct, views[n]);
            Assert.That(rendered[n].Drr.As<float>().AsSpan().SequenceEqual(local.Pixels), Is.True, $"view {n}");
        }
    }

    // ---- bad input -------------------------------------------------------------------------------------------------

    async Task<RpcException> Refused(IEnumerable<SimulateRequest> messages)
    {
        using var channel = _daemon.Channel();
        using var call = new Simulation.SimulationClient(channel).RenderDrr();
        try
        {
            foreach (var m in messages) await call.RequestStream.WriteAsync(m);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) { }
        catch (InvalidOperationException) { }
        var e = Assert.ThrowsAsync<RpcException>(async () => { await foreach (var _ in call.ResponseStream.ReadAllAsync()) { } });
        return e!;
    }

    static Volume SmallCt() => Volume.Create(ImageGeometry.Axial(new GridSize(8, 8, 8), new Vec3(1, 1, 1)), new short[512]);

    static IEnumerable<SimulateRequest> Upload(SimulateHeader header, Volume? ct = null)
        => new[] { new SimulateRequest { Header = header } }.Concat(SimulationClient.VolumeMessages(ct ?? SmallCt(), SimulationInput.Ct));

    static SimulateHeader Header(params Protocol.V1.CalibratedView[] views)
    {
        var h = new SimulateHeader();
        h.Views.Add(views);
        return h;
    }

    static Protocol.V1.CalibratedView WireView(Action<Protocol.V1.CalibratedView>? change = null)
    {
        var v = WireConvert.ToWire(TestData.View(32, 24));
        change?.Invoke(v);
        return v;
    }

    [Test]
    public async Task BadViews_AreInvalidArgument_NamingTheView()
    {
        var cases = new (SimulateHeader Header, string Message)[]
        {
            (Header(), "simulate: no views: give at least one calibrated view"),
            (Header(WireView(), WireView(v => v.ColumnDirection[1] = 0.5)), "simulate: view 1: view: columnDirection and rowDirection must be unit vectors"),
            (Header(WireView(v => v.CoordinateSystem = Protocol.V1.CoordinateSystem.Unspecified)), "simulate: view 0 view: coordinate_system must be RAS or LPS (it is never implied)"),
            (Header(WireView(v => v.PixelSpacing.Add(1))), "simulate: view 0: view pixel_spacing must have 2 numbers, got 3"),
            (Header(WireView(v => { v.Size[0] = 20000; })), "simulate: view 0: detector 20000×24 is outside 1..16384 pixels per side"),
            (Header(WireView(v => { v.Size[0] = 16000; v.Size[1] = 16000; })), "simulate: view 0: a 16000×16000 DRR is more than the limit of 268435456 bytes"),
            (Header(Enumerable.Repeat(WireView(), 65).ToArray()), "simulate: 65 views, more than the limit of 64"),
        };
        foreach (var (header, message) in cases)
        {
            var e = await Refused(Upload(header));
            Assert.That(e.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), message);
            Assert.That(e.Status.Detail, Does.StartWith(message));
        }
        var step = Header(WireView()); step.StepMm = 0.5;
        Assert.That((await Refused(Upload(step))).Status.Detail, Is.EqualTo("simulate: step_mm applies to UNIFORM mode only"));
        var nan = Header(WireView()); nan.I0 = double.NaN;
        Assert.That((await Refused(Upload(nan))).Status.Detail, Is.EqualTo("simulate: i0 must be a finite number ≥ 0 (0: default), got NaN"));
        var label = Header(WireView()); label.HasLabelValue = true; label.LabelValue = 1;
        Assert.That((await Refused(Upload(label))).Status.Detail, Is.EqualTo("simulate: label_value was given but no label map was sent"));
    }

    [Test]
    public async Task OversizeAndBrokenUploads_GetPreciseStatuses()
    {
        var huge = WireConvert.Header(SmallCt());
        huge.Shape.Clear(); huge.Shape.Add(new[] { 2048, 2048, 2048 }); huge.ByteLength = 2048L * 2048 * 2048 * 2;
        var e = await Refused(new[] { new SimulateRequest { Header = Header(WireView()) }, new SimulateRequest { Volume = new VolumeUpload { Input = SimulationInput.Ct, Header = huge } } });
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(e.Status.Detail, Is.EqualTo("simulate: CT: declares 17179869184 bytes of voxels, more than the limit of 1073741824"));

        var messages = Upload(Header(WireView())).ToList();
        messages[^1] = new SimulateRequest { End = new TransferEnd { Sha256 = ByteString.CopyFrom(new byte[32]) } };
        e = await Refused(messages);
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.DataLoss));
        Assert.That(e.Status.Detail, Does.StartWith("simulate: CT: SHA-256 mismatch"));

        e = await Refused(Upload(Header(WireView())).SkipLast(1));
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.DataLoss));
        Assert.That(e.Status.Detail, Is.EqualTo("simulate: the upload ended inside the CT transfer (1024 of 1024 bytes, no end)"));

        e = await Refused(new[] { new SimulateRequest { Header = Header(WireView()) } });
        Assert.That(e.Status.Detail, Is.EqualTo("simulate: the CT is missing"));
        e = await Refused(SimulationClient.VolumeMessages(SmallCt(), SimulationInput.Ct));
        Assert.That(e.Status.Detail, Is.EqualTo("simulate: the first message must be the header"));

        var nanCt = new Volume(ImageGeometry.Axial(new GridSize(4, 4, 4), new Vec3(1, 1, 1)), VoxelType.Float32);
        nanCt.As<float>()[4 * 4 * 2 + 4 + 3] = float.PositiveInfinity;
        e = await Refused(Upload(Header(WireView()), nanCt));
        Assert.That(e.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(e.Status.Detail, Is.EqualTo("simulate: CT: 1 voxel is NaN or infinite (first at i=3, j=1, k=2)"));

        var floatLabels = new Volume(ImageGeometry.Axial(new GridSize(4, 4, 4), new Vec3(1, 1, 1)), VoxelType.Float32);
        e = await Refused(Upload(Header(WireView())).Concat(SimulationClient.VolumeMessages(floatLabels, SimulationInput.Labels)));
        Assert.That(e.Status.Detail, Is.EqualTo("simulate: label map: must have an integer voxel type, got Float32"));

        // The daemon still serves.
        using var client = SimulationClient.Connect(_daemon.Address);
        Assert.That(await client.RenderDrrAsync(SmallCt(), new[] { TestData.View(8, 8) }), Has.Count.EqualTo(1));
    }

    // ---- back-pressure and cancellation ------------------------------------------------------------------------------

    [Test]
    public async Task SecondSimulation_IsResourceExhausted_WhileTheOnlySlotIsTaken()
    {
        using var channel = _daemon.Channel();
        using var stall = new CancellationTokenSource();
        using var call = new Simulation.SimulationClient(channel).RenderDrr(cancellationToken: stall.Token);
        int before = _daemon.CountLog("receiving the CT");
        await call.RequestStream.WriteAsync(new SimulateRequest { Header = Header(WireView()) });
        _daemon.WaitForLog("receiving the CT", count: before + 1);

        using var client = SimulationClient.Connect(_daemon.Address);
        var e = Assert.ThrowsAsync<RpcException>(() => client.RenderDrrAsync(SmallCt(), new[] { TestData.View(8, 8) }));
        Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(e.Status.Detail, Is.EqualTo("1 simulation(s) already in progress (--simulations 1); retry later"));

        int abandoned = _daemon.CountLog("cancelled or abandoned by the client");
        stall.Cancel();
        _daemon.WaitForLog("cancelled or abandoned by the client", count: abandoned + 1);
        Assert.That(await client.RenderDrrAsync(SmallCt(), new[] { TestData.View(8, 8) }), Has.Count.EqualTo(1), "the slot was given back");
    }

    [Test]
    public async Task CancellingMidRender_EndsTheCallPromptly_AndFreesTheSlot()
    {
        // 64 views of 1024×1024 through a 40×36×30 CT: seconds of rendering; cancelled after the first DRR arrives.
        var ct = VolumeFile.Read(_ct.Path);
        var big = new CalibratedView(new Vec3(0, -1000, 0), new Vec3(0, 300, 0), new Vec3(1, 0, 0), new Vec3(0, 0, -1), 0.1, 0.1, 1024, 1024);
        var header = SimulationWire.ToWire(Enumerable.Repeat(big, 64).ToList(), new DrrOptions(), null, "cancel test");
        using var channel = _daemon.Channel();
        using var cancel = new CancellationTokenSource();
        using var call = new Simulation.SimulationClient(channel).RenderDrr(cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(new SimulateRequest { Header = header });
        foreach (var m in SimulationClient.VolumeMessages(ct, SimulationInput.Ct)) await call.RequestStream.WriteAsync(m);
        await call.RequestStream.CompleteAsync();
        int images = 0;
        Assert.That(await call.ResponseStream.MoveNext(), Is.True);
        Assert.That(call.ResponseStream.Current.PartCase, Is.EqualTo(SimulateReply.PartOneofCase.Image));
        images++;
        int before = _daemon.CountLog("cancelled or abandoned by the client");
        var cancelledAt = DateTime.UtcNow;
        cancel.Cancel();
        _daemon.WaitForLog("cancelled or abandoned by the client", count: before + 1);
        // The log line's own timestamp (UTC, ms) against the moment of the cancel.
        string line = _daemon.Log.Split('\n').Last(l => l.Contains("cancelled or abandoned by the client", StringComparison.Ordinal));
        var loggedAt = DateTime.ParseExact(line.Split(' ')[0], "yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture,
                                           System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        double seconds = (loggedAt - cancelledAt).TotalSeconds;
        TestContext.Out.WriteLine($"cancel → daemon ended the call in {1000 * seconds:0} ms");
        // Measured 3–14 ms (2-core machine, load average 7–13); rendering all 64 views takes seconds.
        Assert.That(seconds, Is.LessThan(1.0), "within a second (issue 6)");
        Assert.That(_daemon.Log, Does.Not.Contain("64 view(s) rendered and sent"));
        // The view being rendered finishes in the background, then its slot is free again.
        using var client = SimulationClient.Connect(_daemon.Address);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try { await client.RenderDrrAsync(SmallCt(), new[] { TestData.View(8, 8) }); break; }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < until) { await Task.Delay(50); }
        }
        Assert.That(images, Is.EqualTo(1));
    }

    [Test]
    public async Task Sigterm_DuringARender_EndsTheCall_AndTheDaemonExits()
    {
        using var daemon = new DaemonProcess(Array.Empty<string>());
        var ct = VolumeFile.Read(_ct.Path);
        var big = new CalibratedView(new Vec3(0, -1000, 0), new Vec3(0, 300, 0), new Vec3(1, 0, 0), new Vec3(0, 0, -1), 0.1, 0.1, 1024, 1024);
        using var client = SimulationClient.Connect(daemon.Address);
        var render = client.RenderDrrAsync(ct, Enumerable.Repeat(big, 64).ToList());
        daemon.WaitForLog("rendering");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(daemon.Terminate(), Is.EqualTo(0));
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(5));
        var e = Assert.ThrowsAsync<RpcException>(() => render);
        Assert.That(e!.StatusCode, Is.AnyOf(StatusCode.Cancelled, StatusCode.Unavailable), e.Status.Detail);
        Assert.That(daemon.Log, Does.Contain("cancelled by shutdown"));
    }
}
