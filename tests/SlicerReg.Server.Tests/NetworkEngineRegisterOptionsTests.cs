using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;
using VolumeKind = SlicerReg.Core.Imaging.VolumeKind;
using VoxelType = SlicerReg.Core.Imaging.VoxelType;

namespace SlicerReg.Server.Tests;

/// <summary>
/// The options of `register` through the daemon (protocol revision 5): femur masks, head clicks, the paper output grid and
/// refinement travel, the daemon runs the pipeline `register` runs, and a client before revision 5 is refused when its
/// model needs what it cannot send.
/// </summary>
public partial class NetworkEngineTests
{
    /// <summary>A femur mask of <paramref name="radiograph"/> (its brightest pixels), written as a 2D label map on its detector.</summary>
    string WriteMask(string radiograph, string name)
    {
        var r = Radiograph.Read(radiograph);
        float max = r.Image.Pixels.Max();
        var mask = new Volume(Radiograph.DetectorGeometry(r.View), VoxelType.UInt8, 1, VolumeKind.LabelMap);
        var bytes = mask.As<byte>();
        for (int n = 0; n < bytes.Length; n++) bytes[n] = r.Image.Pixels[n] > 0.25f * max ? (byte)1 : (byte)0;
        string path = _folder.File(name);
        VolumeFile.Write(mask, path);
        return path;
    }

    [Test]
    public void RegisterServer_WithMasksHeadAndPaperGrid_WritesTheFilesOfRegister()
    {
        string apMask = WriteMask(_ap, "ap_mask.nrrd"), latMask = WriteMask(_lat, "lat_mask.nrrd");
        var flags = new[] { "--ap", _ap, "--lat", _lat, "--ap-mask", apMask, "--lat-mask", latMask, "--head", "81.5,96.25:78,99.75" };
        string localDir = _folder.File("register-masked"), remoteDir = _folder.File("register-server-masked");
        ExternalTool.Check("dotnet", new[] { DaemonProcess.CliDll, "register", "--model", Path.Combine(_models, "tiny-untrained"), "--out", localDir }.Concat(flags).ToArray());
        ExternalTool.Check("dotnet", new[] { DaemonProcess.CliDll, "register", "--server", _daemon.Address, "--model", "tiny-untrained", "--out", remoteDir }.Concat(flags).ToArray());
        var local = Directory.GetFiles(localDir).Select(Path.GetFileName).Order().ToArray();
        Assert.That(Directory.GetFiles(remoteDir).Select(Path.GetFileName).Order(), Is.EqualTo(local));
        Assert.That(local, Does.Contain("placement.json"));
        foreach (var file in local)
            Assert.That(File.ReadAllBytes(Path.Combine(remoteDir, file!)).SequenceEqual(File.ReadAllBytes(Path.Combine(localDir, file!))), $"register --server: {file} equals register's");
        // Both ran on the paper grid (a 19 MB float volume fetched in chunks), and the masks and clicks did arrive: the
        // placement carries the head and each mask's hash, the one `register` computed from the files.
        var atlas = VolumeFile.Read(Path.Combine(remoteDir, "warped_atlas.nrrd"));
        Assert.That((atlas.Size.I, atlas.Size.J, atlas.Size.K), Is.EqualTo((192, 128, 192)));
        string placement = File.ReadAllText(Path.Combine(remoteDir, "placement.json"));
        Assert.That(placement, Does.Contain("\"femur_mask_sha256\"").And.Contain("\"ray_distance_mm\"").And.Contain("81.5"));
    }

    [Test]
    public async Task Refinement_ReportsEveryStep_AndIsCancelledWithinOneSecond()
    {
        using var client = _daemon.Client();
        var header = new SubmitHeader { Model = "tiny-untrained", Refine = true, RefineGrid = "tiny", RefineIterations = new OptionalInt32 { Value = 100000 }, OutputGrid = "model" };
        var reply = await client.SubmitAsync(header, new RadiographUpload(Radiograph.Read(_ap)), new RadiographUpload(Radiograph.Read(_lat)));
        var steps = new List<string>();
        Stopwatch? sinceCancel = null;
        JobEvent? last = null;
        await foreach (var e in client.WatchAsync(reply.JobId))
        {
            last = e;
            if (e.EventCase == JobEvent.EventOneofCase.Progress && e.Progress.Stage == "refining")
            {
                steps.Add(e.Progress.Message);
                if (steps.Count == 5 && sinceCancel is null)
                {
                    sinceCancel = Stopwatch.StartNew();
                    await client.CancelAsync(reply.JobId);
                }
            }
        }
        Assert.That(sinceCancel, Is.Not.Null, $"the job reached no refinement step: {last}\n{_daemon.Log}");
        Assert.That(last!.State, Is.EqualTo(Protocol.V1.JobState.Cancelled), last.ToString());
        Assert.That(sinceCancel!.Elapsed.TotalSeconds, Is.LessThan(1.0), "cancel ends a refinement within 1 s");
        // One event per step, numbered in order.
        Assert.That(steps[0], Does.Contain("step 1/"));
        Assert.That(steps[4], Does.Contain("step 5/"));
    }

    [Test]
    public async Task OldClient_UnmaskedRadiographsForAMaskedModel_RefusedNamingBothRevisions()
    {
        // A client before revision 5 sends no client_revision and no mask: an unmasked (fully non-zero) radiograph for the
        // masked tiny model is refused at submit, before it is queued, with both revisions named.
        var ap = Radiograph.Read(_ap);
        var filled = new Radiograph(new Image2D(ap.Image.Columns, ap.Image.Rows, ap.Image.ColumnSpacingMm, ap.Image.RowSpacingMm, ap.Image.Pixels.Select(p => p + 0.5f).ToArray()), ap.View);
        using var channel = _daemon.Channel();
        var stub = new Registration.RegistrationClient(channel);
        using var call = stub.Submit();
        await call.RequestStream.WriteAsync(new SubmitRequest { Header = new SubmitHeader { Model = "tiny-untrained", Client = "an old client" } });
        try
        {
            foreach (var m in RegistrationClient.ImageMessages(filled, ViewRole.Ap).Concat(RegistrationClient.ImageMessages(Radiograph.Read(_lat), ViewRole.Lat)))
                await call.RequestStream.WriteAsync(m);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) { }
        var refused = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseAsync);
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(refused.Status.Detail, Does.Contain("protocol revision 4 or older").And.Contain($"revision {ProtocolRevision.Current}").And.Contain("femur mask"));

        // The same radiographs from a current client are queued, and the job says how to give a mask.
        using var client = _daemon.Client();
        var job = await client.SubmitAsync(filled, Radiograph.Read(_lat), "tiny-untrained");
        JobEvent? last = null;
        await foreach (var e in client.WatchAsync(job.JobId)) last = e;
        Assert.That(last!.State, Is.EqualTo(Protocol.V1.JobState.Failed));
        Assert.That(last.Error.Message, Does.Contain("the AP femur mask").And.Contain("Segment Editor"));
    }

    [Test]
    public void SubmitHeader_BadRegisterOptions_AreRefusedNamingTheField()
    {
        using var client = _daemon.Client();
        var ap = new RadiographUpload(Radiograph.Read(_ap)); var lat = new RadiographUpload(Radiograph.Read(_lat));
        foreach (var (header, field) in new[]
                 {
                     (new SubmitHeader { Model = "tiny-untrained", OutputGrid = "/tmp/atlas.nrrd" }, "output_grid"),
                     (new SubmitHeader { Model = "tiny-untrained", RadiographKind = "raw" }, "radiograph_kind"),
                     (new SubmitHeader { Model = "tiny-untrained", Side = "up" }, "side"),
                     (new SubmitHeader { Model = "tiny-untrained", RefinePose = true }, "need refine"),
                     (new SubmitHeader { Model = "tiny-untrained", Refine = true, RefineGrid = "huge" }, "refine_grid"),
                 })
        {
            var e = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(header, ap, lat));
            Assert.That(e!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument), field);
            Assert.That(e.Status.Detail, Does.Contain(field));
        }
        // An empty mask (no femur pixel) is refused at submit, naming it.
        var empty = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(new SubmitHeader { Model = "tiny-untrained" },
            ap with { FemurMask = new bool[ap.Image.Image.Pixels.Length] }, lat with { FemurMask = Enumerable.Repeat(true, lat.Image.Image.Pixels.Length).ToArray() }));
        Assert.That(empty!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(empty.Status.Detail, Does.Contain("AP femur mask").And.Contain("empty"));
    }
}
