using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>
/// The daemon's surface beyond the main round trip: server reflection, result expiry (TTL), JSON logs, the atlas label map,
/// model cards listed from --models, and the `slicerreg submit` verb run as a user would, against radiographs made by `slicerreg drr`.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class ServiceSurfaceTests
{
    TempFolder _folder = null!;
    NiftiAtlas _atlas = null!;
    short[] _labels = null!;
    DaemonProcess _daemon = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _folder = new TempFolder();
        _atlas = TestData.MakeAtlas(_folder, "atlas", new GridSize(16, 12, 10), seed: 13);
        _labels = TestData.MakeLabels(_folder, "labels", new GridSize(16, 12, 10), seed: 14);
        string models = Directory.CreateDirectory(_folder.File("models")).FullName;
        File.WriteAllText(Path.Combine(models, "femur-net.json"), """{"name": "femur-net", "summary": "trained ProST network (weights to come)"}""");
        _daemon = new DaemonProcess(new[] { "--atlas", _atlas.Path, "--atlas-labels", _folder.File("labels.nii"), "--models", models,
                                            "--result-ttl", "1", "--log-json" });
    }

    [Test]
    public async Task AtlasLabels_ComeBackAsALabelMap()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_labels" });
        await foreach (var _ in client.WatchAsync(reply.JobId)) { }
        var labels = await client.FetchAsync(reply.JobId, "warped_labels");
        Assert.That(labels.Kind, Is.EqualTo(Core.Imaging.VolumeKind.LabelMap));
        Assert.That(labels.As<short>(), Is.EqualTo(_labels));
    }

    [Test]
    public async Task ModelCardsWithoutAModelFolder_AreListedAsUnavailable_AndRefused()
    {
        using var client = _daemon.Client();
        var card = (await client.ListModelsAsync()).Single(m => m.Name == "femur-net");
        Assert.That(card.Available, Is.False);
        Assert.That(card.Summary, Is.EqualTo("trained ProST network (weights to come)"));
        Assert.That(card.UnavailableReason, Does.StartWith("only a model card: no model folder (network.json + weights.dat) named 'femur-net'"));
        var (ap, lat) = TestData.Pair();
        var ex = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(ap, lat, "femur-net"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(ex.Status.Detail, Does.StartWith("model 'femur-net' is listed but cannot run"));
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    [Test]
    public async Task Reflection_ListsTheServices()
    {
        using var channel = _daemon.Channel();
        var reflection = new ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.That(await call.ResponseStream.MoveNext(), Is.True);
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.That(names, Is.SupersetOf(new[] { "slicerreg.v1.Registration", "slicerreg.v1.Models", "slicerreg.v1.Simulation", "grpc.health.v1.Health" }));
        Assert.That(names, Does.Not.Contain("slicerreg.v1.Diagnostics"), "only with --diagnostics");
    }

    [Test]
    public async Task Health_AnswersPerService_AndDiagnosticsIsOffByDefault()
    {
        using var channel = _daemon.Channel();
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        foreach (var service in new[] { "", "slicerreg.v1.Registration", "slicerreg.v1.Models", "slicerreg.v1.Simulation" })
            Assert.That((await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = service })).Status,
                        Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving), $"service '{service}'");
        var unknown = Assert.ThrowsAsync<RpcException>(async () => await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest { Service = "nope" }));
        Assert.That(unknown!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        var diagnostics = Assert.ThrowsAsync<RpcException>(async () => await new Protocol.V1.Diagnostics.DiagnosticsClient(channel).CollectMemoryAsync(new Protocol.V1.CollectMemoryRequest()));
        Assert.That(diagnostics!.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
    }

    [Test]
    public async Task Results_ExpireAfterTheTtl()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity");
        await foreach (var _ in client.WatchAsync(reply.JobId)) { }
        await Task.Delay(TimeSpan.FromSeconds(2));
        var ex = Assert.ThrowsAsync<RpcException>(() => client.FetchAsync(reply.JobId, "warped_atlas"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(ex.Status.Detail, Is.EqualTo($"job {reply.JobId}: its results expired 1 s after it finished"));
    }

    [Test]
    public void Logs_AreJsonLines()
    {
        _daemon.WaitForLog("\"Address\""); // the start-up lines come through stderr, maybe after the health reply
        var lines = _daemon.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.Not.Empty);
        foreach (var line in lines)
        {
            var o = Newtonsoft.Json.Linq.JObject.Parse(line);
            Assert.That((string?)o["LogLevel"], Is.Not.Null, line);
            Assert.That((string?)o["Message"], Is.Not.Null, line);
        }
        Assert.That(lines.Any(l => l.Contains("\"Address\"", StringComparison.Ordinal)), Is.True, "the listening address is a structured field");
    }

    [Test]
    public void SubmitVerb_UploadsWatchesAndWritesTheResults()
    {
        string dll = DaemonProcess.CliDll;
        string ap = _folder.File("ap.nrrd"), lat = _folder.File("lat.nrrd"), outDir = _folder.File("out");
        ExternalTool.Check("dotnet", dll, "drr", "--ct", _atlas.Path, "--view", "ap", "--out", ap);
        ExternalTool.Check("dotnet", dll, "drr", "--ct", _atlas.Path, "--view", "lateral", "--out", lat);
        string stdout = ExternalTool.Check("dotnet", dll, "submit", "--server", _daemon.Address, "--ap", ap, "--lat", lat, "--out", outDir);
        Assert.That(stdout, Does.Contain("register: identity engine: no registration is performed"));
        Assert.That(stdout, Does.Contain("[100.0%] done"));
        var warped = VolumeFile.Read(Path.Combine(outDir, "warped_atlas.nrrd"));
        Assert.That(warped.As<float>(), Is.EqualTo(_atlas.Voxels));
        var m = warped.Geometry.IjkToRas.ToRowMajor();
        for (int n = 0; n < 16; n++) Assert.That(m[n], Is.EqualTo(_atlas.IjkToRasRowMajor[n]).Within(1e-5));
        var field = VolumeFile.Read(Path.Combine(outDir, "displacement_field.nrrd"));
        Assert.That(field.Kind, Is.EqualTo(Core.Imaging.VolumeKind.DisplacementField));
        var summary = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.That(summary["affine"]!.Select(x => (double)x), Is.EqualTo(Mat4.Identity.ToRowMajor()));
        Assert.That((string?)summary["affineCoordinateSystem"], Is.EqualTo("RAS"));
    }

    [Test]
    public void SubmitVerb_TakesPlainImagesWithViewFiles()
    {
        // Images without calibration metadata plus canonical view JSON files (--ap-view / --lat-view); only the warped atlas asked for.
        string dll = DaemonProcess.CliDll, outDir = _folder.File("out-views");
        var (ap, lat) = TestData.Pair(32, 24);
        foreach (var (name, image) in new[] { ("ap-plain", ap), ("lat-plain", lat) })
        {
            var v = Core.Imaging.Volume.Create(Core.Geometry.ImageGeometry.Axial(new GridSize(32, 24, 1), new Vec3(0.5, 0.5, 1)), image.Image.Pixels);
            VolumeFile.Write(v, _folder.File(name + ".nrrd"));
            ViewFile.Save(image.View, _folder.File(name + ".json"));
        }
        string stdout = ExternalTool.Check("dotnet", dll, "submit", "--server", _daemon.Address, "--ap", _folder.File("ap-plain.nrrd"),
            "--ap-view", _folder.File("ap-plain.json"), "--lat", _folder.File("lat-plain.nrrd"), "--lat-view", _folder.File("lat-plain.json"),
            "--results", "warped_atlas", "--out", outDir);
        Assert.That(stdout, Does.Contain("check inputs: AP 32×24, LAT 32×24 pixels"));
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "warped_atlas.nrrd", "summary.json" }));

        // A view whose size disagrees with the image is refused by the client before anything is sent.
        var (code, _, err) = ExternalTool.Run("dotnet", new[] { dll, "submit", "--server", _daemon.Address, "--ap", _folder.File("ap-plain.nrrd"),
            "--ap-view", "ap", "--lat", _folder.File("lat-plain.nrrd"), "--lat-view", _folder.File("lat-plain.json"), "--out", outDir });
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("ap-plain.nrrd").And.Contain("but the view ap says 160 × 224"));
    }

    [Test]
    public void SubmitVerb_ReportsTheDaemonsRefusal()
    {
        string dll = DaemonProcess.CliDll;
        string ap = _folder.File("ap2.nrrd"), lat = _folder.File("lat2.nrrd");
        ExternalTool.Check("dotnet", dll, "drr", "--ct", _atlas.Path, "--view", "ap", "--out", ap);
        ExternalTool.Check("dotnet", dll, "drr", "--ct", _atlas.Path, "--view", "lateral", "--out", lat);
        var (code, _, err) = ExternalTool.Run("dotnet", new[] { dll, "submit", "--server", _daemon.Address, "--ap", ap, "--lat", lat,
                                                                "--out", _folder.File("out2"), "--model", "femur-unet" });
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain($"the daemon at {_daemon.Address} answered NotFound: unknown model 'femur-unet' (this daemon runs: identity)"));
    }
}
