using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;
using SlicerReg.Engine.Network;
using SlicerReg.Tests.Common;
using static SlicerReg.Engine.Tests.NetworkTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>NetworkConfig JSON and saving/loading a network beside its config.</summary>
public class NetworkConfigTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    [Test]
    public void JsonRoundTripKeepsEveryField()
    {
        var config = new NetworkConfig
        {
            Preset = "tiny", IntermediateConcatenation = false, SkipConnections = false, SeparateDecoders = false, InverseProjection = false,
            IntegrationSteps = 5, SamplesPerRay = 40, RayCopies = 2, LeakySlope = 0.1, SmoothnessWeight = 0.02, NccWindow = 0,
            TranslationScaleMm = 5, AffineInitStd = 1e-4, FlowInitStd = 1e-6, Seed = 42,
        };
        var json = config.ToJson();
        var o = JObject.Parse(json);
        Assert.That((string?)o["format"], Is.EqualTo("slicerreg-network"));
        Assert.That((int)o["version"]!, Is.EqualTo(1));
        Assert.That((bool)o["skipConnections"]!, Is.False, "camelCase keys");
        Assert.That(NetworkConfig.FromJson(json), Is.EqualTo(config));
    }

    [Test]
    public void BadConfigsAreRejectedNamingTheProblem()
    {
        var good = JObject.Parse(new NetworkConfig().ToJson());
        string With(string key, JToken value) { var o = (JObject)good.DeepClone(); o[key] = value; return o.ToString(); }
        Assert.That(() => NetworkConfig.FromJson(With("skipConections", true), "net.json"), Throws.TypeOf<ImageFormatException>().With.Message.Contains("net.json").And.Message.Contains("skipConections"));
        Assert.That(() => NetworkConfig.FromJson(With("preset", "huge"), "net.json"), Throws.TypeOf<ImageFormatException>().With.Message.Contains("unknown network preset 'huge'"));
        Assert.That(() => NetworkConfig.FromJson(With("nccWindow", 4), "net.json"), Throws.TypeOf<ImageFormatException>().With.Message.Contains("nccWindow"));
        Assert.That(() => NetworkConfig.FromJson(With("version", 2), "net.json"), Throws.TypeOf<ImageFormatException>().With.Message.Contains("\"version\" must be 1"));
        Assert.That(() => NetworkConfig.FromJson("{", "net.json"), Throws.TypeOf<ImageFormatException>().With.Message.Contains("not valid JSON"));
    }

    [Test]
    public void SavedNetworkReloadsWithIdenticalOutputs()
    {
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset); var views = Views(preset);
        using var dir = new TempFolder();
        using var scope = NewDisposeScope();
        using var net = new RegistrationNetwork(NetworkConfig.For(preset) with { Seed = 7 }, grid, views);
        // Move the weights away from their initialisation so a reload that silently re-initialised would be caught.
        using (no_grad()) foreach (var p in net.parameters()) p.add_(randn_like(p) * 0.01);
        net.eval();
        var atlas = Femur(grid);
        var (ap, lat) = Radiographs(net.Geometry, Femur(grid, new SlicerReg.Core.Geometry.Vec3(3, 0, 2)));
        using var noGrad = no_grad();
        using var before = net.forward(atlas, ap, lat);
        net.Save(dir.Path);
        Assert.That(File.Exists(Path.Combine(dir.Path, RegistrationNetwork.ConfigFileName)) && File.Exists(Path.Combine(dir.Path, RegistrationNetwork.WeightsFileName)));
        using var loaded = RegistrationNetwork.Load(dir.Path, grid, views);
        loaded.eval();
        Assert.That(loaded.Config, Is.EqualTo(net.Config));
        using var after = loaded.forward(atlas, ap, lat);
        Assert.That((after.Displacement - before.Displacement).abs().max().item<float>(), Is.EqualTo(0f));
        Assert.That((after.AffineParameters - before.AffineParameters).abs().max().item<float>(), Is.EqualTo(0f));
        // Weights of another architecture do not load.
        new NetworkConfig { Preset = "tiny", SkipConnections = false }.Save(Path.Combine(dir.Path, RegistrationNetwork.ConfigFileName));
        Assert.That(() => RegistrationNetwork.Load(dir.Path, grid, views), Throws.TypeOf<ImageFormatException>().With.Message.Contains("weights do not fit"));
    }

}
