using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Protocol.V1;
using VolumeKind = SlicerReg.Core.Imaging.VolumeKind;
using VoxelType = SlicerReg.Core.Imaging.VoxelType;
using CoordinateSystem = SlicerReg.Protocol.V1.CoordinateSystem;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>
/// The network engine in the real daemon. Nothing is trained: a real tiny network, untrained, is saved with a fixed seed
/// (and initial weights large enough that its affine and its field visibly move the atlas, so the comparisons can fail)
/// into model folders; `slicerreg serve --models` loads them. A job's results must be identical, voxel for voxel, to what
/// `slicerreg register` run as a separate process writes for the same DRR files (and `register --server` must write the same files).
/// </summary>
[NonParallelizable]
public partial class NetworkEngineTests
{
    TempFolder _folder = null!;
    DaemonProcess _daemon = null!;
    string _models = null!, _ap = null!, _lat = null!;

    [OneTimeSetUp]
    public void Start()
    {
        ComputeDevice.EnsureLoaded();
        _folder = new TempFolder();
        _models = Directory.CreateDirectory(_folder.File("models")).FullName;
        var (ctPath, labelPath) = ShippedAtlas.Find(NetworkPreset.Tiny.Name);
        var ct = VolumeFile.Read(ctPath); var label = VolumeFile.Read(labelPath);
        // Initial weights 10⁴ × larger than the defaults (10⁻⁵): T and Ψ are then far from identity (checked below).
        var config = NetworkConfig.For(NetworkPreset.Tiny) with { Seed = 7, AffineInitStd = 0.05, FlowInitStd = 0.05 };
        using (var net = new RegistrationNetwork(config, ct.Geometry, ViewPair.Orthogonal(NetworkPreset.Tiny, NetworkPreset.AtlasCentre)))
        {
            string own = Path.Combine(_models, "tiny-untrained");      // carries its atlas, as `slicerreg train` writes a model
            net.Save(own);
            ModelFolder.WriteAtlas(own, ct, label);
            string shipped = Path.Combine(_models, "uses-shipped-atlas"); // no atlas: atlas/tiny/ is used, as for the shipped models
            net.Save(shipped);
        }
        string broken = Directory.CreateDirectory(Path.Combine(_models, "no-weights")).FullName;
        config.Save(Path.Combine(broken, RegistrationNetwork.ConfigFileName));
        File.WriteAllText(Path.Combine(_models, "notes.json"), """{"about": "not a model card: no name"}"""); // ignored, logged
        // Radiographs made by `slicerreg drr` (160×224, a multiple of the tiny network's 40×56 detector) carrying their views.
        _ap = _folder.File("ap.nrrd"); _lat = _folder.File("lat.nrrd");
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "drr", "--ct", ctPath, "--view", "ap", "--out", _ap);
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "drr", "--ct", ctPath, "--view", "lateral", "--out", _lat);
        _daemon = new DaemonProcess(new[] { "--models", _models });
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    async Task<(string JobId, ResultSummary Summary, List<JobEvent> Events)> Run(RegistrationClient client, string model, Radiograph ap, Radiograph lat)
    {
        var reply = await client.SubmitAsync(ap, lat, model);
        var events = new List<JobEvent>();
        await foreach (var e in client.WatchAsync(reply.JobId)) events.Add(e);
        var last = events[^1];
        if (last.EventCase != JobEvent.EventOneofCase.Result) Assert.Fail($"job {reply.JobId} ended {last.State}: {last.Error?.Message}\n{_daemon.Log}");
        return (reply.JobId, last.Result, events);
    }

    /// <summary>
    /// Bitwise, not within a tolerance: both processes run the same code (Registrar) on the same float32 inputs (the
    /// radiograph pixels travel as their exact bytes, the views as float64) with the same weights on the same CPU and
    /// the same libtorch thread count, and every file conversion on the way is exact (LPS ↔ RAS only negates). So
    /// any difference at all would be a real discrepancy between the daemon and `register`, not rounding.
    /// </summary>
    [Test]
    public async Task DaemonResult_IsIdenticalToRegisterRunDirectly()
    {
        string outDir = _folder.File("register-out");
        // A request without output_grid gets the model's grid (what clients before revision 5 got); `register` writes the paper grid by default.
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "register", "--ap", _ap, "--lat", _lat, "--model", Path.Combine(_models, "tiny-untrained"), "--out", outDir,
                           "--output-grid", "model");

        using var client = _daemon.Client();
        var (job, summary, events) = await Run(client, "tiny-untrained", Radiograph.Read(_ap), Radiograph.Read(_lat));
        Assert.That(summary.Results.Select(r => r.Name), Is.EquivalentTo(new[] { "warped_atlas", "warped_labels", "displacement_field", "overlay_ap", "overlay_lateral" }));
        var stages = events.Where(e => e.EventCase == JobEvent.EventOneofCase.Progress).Select(e => e.Progress.Stage).ToList();
        Assert.That(stages, Is.SupersetOf(new[] { "preparing inputs", "running network", "warping the atlas", "projecting the result", "done" }));

        foreach (var (name, file) in new[] { ("warped_atlas", RegistrationFiles.WarpedAtlas), ("warped_labels", RegistrationFiles.WarpedLabel), ("displacement_field", RegistrationFiles.Displacement) })
        {
            var ours = await client.FetchAsync(job, name);
            var theirs = VolumeFile.Read(Path.Combine(outDir, file));
            Assert.That((ours.Size, ours.Components, ours.VoxelType, ours.Kind), Is.EqualTo((theirs.Size, theirs.Components, theirs.VoxelType, theirs.Kind)), name);
            Assert.That(ours.Geometry.ApproximatelyEquals(theirs.Geometry), name + ": grid");
            Assert.That(ours.Bytes.SequenceEqual(theirs.Bytes), $"{name}: every voxel bitwise equal");
        }
        // The affine travels as affine.tfm holds it, the pull-back T (RAS; ITK, LPS in the file); `affine` is its inverse
        // (atlas → patient, for Slicer's "to parent").
        var tfm = ItkTransformFile.Read(Path.Combine(outDir, RegistrationFiles.Affine));
        Assert.That(summary.AffineCoordinateSystem, Is.EqualTo(CoordinateSystem.Ras));
        Assert.That(summary.AffinePatientToAtlas.ToArray(), Is.EqualTo(tfm.ToRowMajor()).Within(1e-12));
        Assert.That(summary.Affine.ToArray(), Is.EqualTo(tfm.Inverse().ToRowMajor()).Within(1e-12));

        // `register --server` writes the very files `register` writes, byte for byte: the volumes, the overlay PNGs, and
        // affine.tfm (T is never inverted on the way).
        string remoteDir = _folder.File("register-server-out");
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "register", "--server", _daemon.Address, "--ap", _ap, "--lat", _lat, "--model", "tiny-untrained", "--out", remoteDir,
                           "--output-grid", "model");
        var local = Directory.GetFiles(outDir).Select(Path.GetFileName).Order().ToArray();
        Assert.That(Directory.GetFiles(remoteDir).Select(Path.GetFileName).Order(), Is.EqualTo(local));
        Assert.That(local, Has.Length.EqualTo(7));
        Assert.That(local, Does.Contain("placement.json"));
        Assert.That(local, Does.Contain(RegistrationFiles.Affine));
        foreach (var file in local)
            Assert.That(File.ReadAllBytes(Path.Combine(remoteDir, file!)).SequenceEqual(File.ReadAllBytes(Path.Combine(outDir, file!))), $"register --server: {file} equals register's");

        // The untrained network moves the atlas (else the comparison above would be trivial).
        var field = VolumeFile.Read(Path.Combine(outDir, RegistrationFiles.Displacement)).As<float>();
        Assert.That(field.Max(Math.Abs), Is.GreaterThan(0.1), "Ψ is not zero (0.22 mm measured)");
        Assert.That(Enumerable.Range(0, 12).Max(n => Math.Abs(summary.Affine[n] - (n % 5 == 0 ? 1 : 0))), Is.GreaterThan(1e-3), "T is not the identity");
    }

    [Test]
    public async Task Overlays_AreTheWarpedFemurProjectedOnEachDetector()
    {
        using var client = _daemon.Client();
        var ap = Radiograph.Read(_ap); var lat = Radiograph.Read(_lat);
        var reply = await client.SubmitAsync(ap, lat, "tiny-untrained", results: new[] { "overlay_ap", "overlay_lateral", "warped_labels" });
        await foreach (var _ in client.WatchAsync(reply.JobId)) { }
        var labels = await client.FetchAsync(reply.JobId, "warped_labels");
        foreach (var (name, view) in new[] { ("overlay_ap", ap.View), ("overlay_lateral", lat.View) })
        {
            var overlay = await client.FetchAsync(reply.JobId, name);
            Assert.That((overlay.Kind, overlay.VoxelType, overlay.Size), Is.EqualTo((VolumeKind.LabelMap, VoxelType.UInt8, new GridSize(view.Columns, view.Rows, 1))), name);
            Assert.That(overlay.Geometry.ApproximatelyEquals(Radiograph.DetectorGeometry(view)), $"{name} lies on the radiograph's detector");
            var expected = LabelProjector.Project(labels, view, NetworkInputs.FemurLabel);
            var mask = overlay.As<byte>();
            Assert.That(mask.Count(b => b == 1), Is.GreaterThan(1000), name);
            Assert.That(Enumerable.Range(0, mask.Length).All(n => mask[n] == (expected.Pixels[n] > 0.5f ? 1 : 0)), $"{name}: the femur of warped_labels projected through the view");
        }
    }

    [Test]
    public async Task ModelsFolder_LoadsModelFolders_UsesTheShippedAtlas_AndListsBrokenOnes()
    {
        using var client = _daemon.Client();
        var reply = await client.CheckDaemonAsync();
        Assert.That(reply.ProtocolVersion, Is.EqualTo(ProtocolRevision.Current));
        Assert.That(reply.DaemonVersion, Is.EqualTo(ProtocolRevision.ReleaseVersion).And.Not.Empty);
        var cards = reply.Models.ToDictionary(m => m.Name);
        Assert.That(cards.Keys, Is.EquivalentTo(new[] { "identity", "tiny-untrained", "uses-shipped-atlas", "no-weights" }), "notes.json is not a card");
        _daemon.WaitForLog("notes.json: not a model card (no \"name\"): ignored");
        var own = cards["tiny-untrained"];
        Assert.That(own.Available, Is.True);
        Assert.That(own.Summary, Does.StartWith("tiny registration network (Van Houtte et al. 2022), masked radiographs, no training record"));
        Assert.That(own.Results, Is.EquivalentTo(new[] { "warped_atlas", "warped_labels", "displacement_field", "overlay_ap", "overlay_lateral" }));
        Assert.That(own.Atlas.Shape, Is.EqualTo(new[] { NetworkPreset.Tiny.VolumeSize.I, NetworkPreset.Tiny.VolumeSize.J, NetworkPreset.Tiny.VolumeSize.K }));
        Assert.That(cards["uses-shipped-atlas"].Available, Is.True);
        Assert.That(cards["uses-shipped-atlas"].AtlasName, Is.EqualTo("atlas/tiny/femur_atlas.nrrd"));
        Assert.That(cards["no-weights"].Available, Is.False);
        Assert.That(cards.Values.Where(c => c.IsDefault).Select(c => c.Name), Is.EqualTo(new[] { "tiny-untrained" }),
                    "the default is the first trained model that can run (folders in name order; no-weights cannot), never identity");
        Assert.That(cards["no-weights"].UnavailableReason, Does.Contain("weights.dat").And.Contain("not found"));
        var refused = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(Radiograph.Read(_ap), Radiograph.Read(_lat), "no-weights"));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));

        var (_, shipped, _) = await Run(client, "uses-shipped-atlas", Radiograph.Read(_ap), Radiograph.Read(_lat));
        Assert.That(shipped.Message, Does.Contain("tiny network"));
    }

    /// <summary>
    /// A cancel during the forward pass ends the job at once (the pass finishes in the background and holds the model's
    /// turn until then); the next job then runs normally. If a job finishes before the cancel arrives, another is tried.
    /// </summary>
    [Test]
    public async Task CancelDuringTheForwardPass_EndsTheJobWithinASecond_AndTheModelKeepsServing()
    {
        using var client = _daemon.Client();
        var ap = Radiograph.Read(_ap); var lat = Radiograph.Read(_lat);
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var reply = await client.SubmitAsync(ap, lat, "tiny-untrained");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            double cancelledAt = double.NaN;
            JobEvent? last = null;
            await foreach (var e in client.WatchAsync(reply.JobId))
            {
                last = e;
                if (e.EventCase == JobEvent.EventOneofCase.Progress && e.Progress.Stage == "running network" && double.IsNaN(cancelledAt))
                {
                    cancelledAt = clock.Elapsed.TotalMilliseconds;
                    await client.CancelAsync(reply.JobId);
                }
            }
            double ended = clock.Elapsed.TotalMilliseconds - cancelledAt;
            if (last!.State == JobState.Succeeded) continue; // finished before the cancel: try again
            Assert.That(last.State, Is.EqualTo(JobState.Cancelled), last.Error?.Message);
            TestContext.Out.WriteLine($"attempt {attempt}: cancelled {ended:F0} ms after the cancel was sent");
            Assert.That(ended, Is.LessThan(1000));
            var (_, summary, _) = await Run(client, "tiny-untrained", ap, lat);
            Assert.That(summary.Results, Has.Count.EqualTo(5), "the next job runs once the abandoned pass has finished");
            return;
        }
        Assert.Fail("every job finished before its cancel arrived");
    }

    [Test]
    public async Task UnusableRadiographs_FailTheJobNamingTheImage()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair(150, 224); // 150 columns: not a multiple of the tiny network's 40
        // Masks covering every pixel: the masked model takes them, and the size is what it refuses.
        static RadiographUpload Masked(Radiograph r) => new(r, null, Enumerable.Repeat(true, r.Image.Pixels.Length).ToArray());
        var reply = await client.SubmitAsync(new SubmitHeader { Model = "tiny-untrained" }, Masked(ap), Masked(lat));
        JobEvent? last = null;
        await foreach (var e in client.WatchAsync(reply.JobId)) last = e;
        Assert.That(last!.State, Is.EqualTo(JobState.Failed));
        Assert.That(last.Error.Code, Is.EqualTo((int)StatusCode.FailedPrecondition));
        Assert.That(last.Error.Message, Does.Contain("AP radiograph: 150 columns × 224 rows").And.Contain("40 × 56"));
    }
}
