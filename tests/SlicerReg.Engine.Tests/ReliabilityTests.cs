using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Kernels;
using SlicerReg.Engine.Network;
using TorchSharp.Modules;
using static SlicerReg.Engine.Tests.NetworkTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// Issue "Reliability on every CPU": the convolution path chosen on this CPU is checked against float64 on the network's
/// own layer shapes; one process gives bit-identical results for the same input (a property of one machine: across CPUs
/// only agreement within float tolerance is expected, and no test here compares across machines); degenerate inputs and
/// non-finite stages end in clear errors, never in NaN files.
/// </summary>
public class ReliabilityTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    /// <summary>The masked AP and lateral DRRs of a simulated subject (the network's inputs).</summary>
    static (Radiograph Ap, Radiograph Lateral) Pair()
    {
        var manifest = DatasetManifest.Read(TrainingTestData.Dataset(4, 11, new[] { 0.5, 0.25, 0.25 }));
        var s = manifest.Subjects[0];
        return (Radiograph.Read(manifest.PathOf(s.Views[0].MaskedDrr)), Radiograph.Read(manifest.PathOf(s.Views[1].MaskedDrr)));
    }

    [Test]
    public void TheChosenConvolutionPathIsCorrectOnThisCpu()
    {
        var choice = ConvolutionBackend.Choice;
        TestContext.Out.WriteLine($"CPU: {ProcessorInfo.Describe()}");
        TestContext.Out.WriteLine($"path: {choice.Path} — {choice.Reason}");
        foreach (var c in choice.Checks) TestContext.Out.WriteLine($"  {c}");
        Assert.That(choice.Checks, Is.Not.Empty, "the path was chosen by a self-check, not assumed");
        var again = ConvolutionSelfCheck.Run(choice.Path);
        Assert.That(again.Passed, Is.True, $"the chosen path fails its own check now: {again}");
    }

    /// <summary>
    /// Every convolution layer of every preset's network (its real channel counts, as the paper's widths make them), at
    /// batch 2 so that libtorch hands it to oneDNN, against float64: forward, input and weight gradients.
    /// </summary>
    [TestCase("tiny")]
    [TestCase("standard")]
    [TestCase("paper")]
    public void EveryConvolutionLayerOfTheNetworkAgreesWithFloat64(string name)
    {
        var preset = NetworkPreset.Named(name);
        var config = NetworkConfig.For(preset);
        var grid = Grid(preset);
        using var affine = new AffineModule(config, grid);
        using var local = new LocalModule(config, grid);
        var layers = affine.modules().Concat(local.modules())
            .Select(m => m switch { Conv2d c => (Weight: c.weight!, Stride: c.stride[0]), Conv3d c => (Weight: c.weight!, Stride: c.stride[0]), _ => default })
            .Where(l => l.Weight is not null)
            .DistinctBy(l => (string.Join(",", l.Weight.shape), l.Stride)).ToList();
        Assert.That(layers.Count, Is.GreaterThan(5));
        using var generator = new Generator(17);
        foreach (var (weight, stride) in layers)
        {
            using var scope = NewDisposeScope();
            int spatial = (int)weight.dim() - 2;
            var shape = new long[] { 2, weight.shape[1] }.Concat(Enumerable.Repeat(spatial == 2 ? 12L : 6L, spatial)).ToArray();
            var x = randn(shape, generator: generator).requires_grad_(true);
            var w = weight.detach().clone().requires_grad_(true);
            var y = CheckedConvolution.Apply(x, w, null, stride, 1);
            var upstream = randn(y.shape, generator: generator);
            (y * upstream).sum().backward();
            var x64 = x.detach().to(ScalarType.Float64).requires_grad_(true);
            var w64 = w.detach().to(ScalarType.Float64).requires_grad_(true);
            var y64 = CheckedConvolution.Apply(x64, w64, null, stride, 1, ConvolutionPath.Native);
            (y64 * upstream.to(ScalarType.Float64)).sum().backward();
            string layer = $"{name}: {weight.shape[1]} → {weight.shape[0]} channels, {spatial}D, stride {stride}";
            Assert.That(ConvolutionSelfCheck.RelativeError(y, y64), Is.LessThan(ConvolutionSelfCheck.Tolerance), layer + ", forward");
            Assert.That(ConvolutionSelfCheck.RelativeError(x.grad!, x64.grad!), Is.LessThan(ConvolutionSelfCheck.Tolerance), layer + ", input gradient");
            Assert.That(ConvolutionSelfCheck.RelativeError(w.grad!, w64.grad!), Is.LessThan(ConvolutionSelfCheck.Tolerance), layer + ", weight gradient");
        }
    }

    /// <summary>Zero channels and zero filters change nothing: the aligned path equals the plain convolution in float64 (no oneDNN involved).</summary>
    [Test]
    public void PaddingChannelsLeavesTheConvolutionUnchanged()
    {
        using var generator = new Generator(3);
        foreach (var (cin, cout, size) in new[] { (3L, 5L, new long[] { 7, 9 }), (20L, 3L, new long[] { 5, 4, 6 }), (16L, 16L, new long[] { 4, 4, 4 }) })
        {
            using var scope = NewDisposeScope();
            var x = randn(new long[] { 2, cin }.Concat(size).ToArray(), ScalarType.Float64, generator: generator);
            var w = randn(new long[] { cout, cin }.Concat(Enumerable.Repeat(3L, size.Length)).ToArray(), ScalarType.Float64, generator: generator);
            var b = randn(new[] { cout }, ScalarType.Float64, generator: generator);
            (Tensor y, Tensor dx, Tensor dw, Tensor db) Run(ConvolutionPath path)
            {
                var (xr, wr, br) = (x.detach().clone().requires_grad_(true), w.detach().clone().requires_grad_(true), b.detach().clone().requires_grad_(true));
                var y = CheckedConvolution.Apply(xr, wr, br, 1, 1, path);
                y.square().sum().backward();
                return (y, xr.grad!, wr.grad!, br.grad!);
            }
            var aligned = Run(ConvolutionPath.OneDnnChannelAligned);
            var plain = Run(ConvolutionPath.Native);
            Assert.That(aligned.y.shape, Is.EqualTo(plain.y.shape));
            foreach (var (a, p, what) in new[] { (aligned.y, plain.y, "output"), (aligned.dx, plain.dx, "input gradient"), (aligned.dw, plain.dw, "weight gradient"), (aligned.db, plain.db, "bias gradient") })
                Assert.That(ConvolutionSelfCheck.RelativeError(a, p), Is.LessThan(1e-12), $"{cin} → {cout}: {what}");
        }
    }

    /// <summary>One process, one seed, the same input: the same output bit for bit, call after call (batch 1 and batch 2).</summary>
    [Test]
    public void TheSameForwardPassIsBitIdenticalWithinAProcess()
    {
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        net.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var atlas = Femur(grid);
        var (ap, lat) = Radiographs(net.Geometry, Femur(grid, new Vec3(3, -2, 4), 1.05));
        foreach (int batch in new[] { 1, 2 })
        {
            Tensor? first = null, firstAffine = null;
            for (int run = 0; run < 3; run++)
            {
                using var o = net.forward(atlas, ap.expand(batch, -1, -1, -1), lat.expand(batch, -1, -1, -1));
                if (first is null) { first = o.Displacement.clone(); firstAffine = o.AffineTransform.clone(); continue; }
                Assert.That(o.Displacement.data<float>().SequenceEqual(first.data<float>()), $"batch {batch}, run {run}: Ψ differs from run 0 (max {(o.Displacement - first).abs().max().item<float>()})");
                Assert.That(o.AffineTransform.data<float>().SequenceEqual(firstAffine!.data<float>()), $"batch {batch}, run {run}: T differs from run 0");
            }
        }
    }

    [Test]
    public void RepeatedRegistrationsOfOnePairAreBitIdentical()
    {
        var (ap, lat) = Pair();
        using var registrar = Registrar.Load(InferenceTests.UntrainedModel());
        var first = registrar.Register(ap, lat);
        var second = registrar.Register(ap, lat);
        Assert.That(second.Displacement.As<float>(), Is.EqualTo(first.Displacement.As<float>()).AsCollection, "Ψ");
        Assert.That(second.AffinePatientToAtlas.ToRowMajor(), Is.EqualTo(first.AffinePatientToAtlas.ToRowMajor()).AsCollection, "T");
        Assert.That(second.WarpedLabel!.As<byte>(), Is.EqualTo(first.WarpedLabel!.As<byte>()).AsCollection, "warped labels");
    }

    [Test]
    public void DegenerateInputsGetAClearErrorNotNaN()
    {
        var (ap, lat) = Pair();
        using var registrar = Registrar.Load(InferenceTests.UntrainedModel());
        Radiograph Filled(Radiograph r, Func<int, float> pixel)
            => new(new Image2D(r.Image.Columns, r.Image.Rows, r.Image.ColumnSpacingMm, r.Image.RowSpacingMm,
                               Enumerable.Range(0, r.Image.Pixels.Length).Select(pixel).ToArray()), r.View);

        var e = Assert.Throws<ArgumentException>(() => registrar.Register(Filled(ap, _ => 0f), lat));
        Assert.That(e!.Message, Does.Contain("AP radiograph: every pixel is 0: a blank image"));
        e = Assert.Throws<ArgumentException>(() => registrar.Register(ap, Filled(lat, _ => 2.5f)));
        Assert.That(e!.Message, Does.Contain("lateral radiograph: every pixel is 2.5: a blank image"));
        e = Assert.Throws<ArgumentException>(() => registrar.Register(Filled(ap, n => n % 100 == 0 ? float.NaN : ap.Image.Pixels[n]), lat));
        Assert.That(e!.Message, Does.Contain("AP radiograph: ").And.Contain("pixels are NaN or infinite"));
        Assert.That(e.Message, Does.Not.Contain("Parameter"), "no .NET parameter names in a user's message");

        // The same C-arm moved 400 mm to the patient's left: the atlas frame projects beside the detector.
        var v = ap.View; var away = new Vec3(400, 0, 0);
        var aside = new Radiograph(ap.Image, new CalibratedView(v.Source + away, v.DetectorCenter + away, v.ColumnDirection, v.RowDirection,
                                                                v.ColumnSpacingMm, v.RowSpacingMm, v.Columns, v.Rows));
        e = Assert.Throws<ArgumentException>(() => registrar.Register(aside, lat));
        Assert.That(e!.Message, Does.Contain("projects outside the AP view's detector"));
        // The C-arm slid past the patient along its axis: the femur is behind the source.
        var past = v.DetectorCenter - v.Source;
        var behind = new Radiograph(ap.Image, new CalibratedView(v.Source + 1.1 * past, v.DetectorCenter + 1.1 * past, v.ColumnDirection, v.RowDirection,
                                                                 v.ColumnSpacingMm, v.RowSpacingMm, v.Columns, v.Rows));
        e = Assert.Throws<ArgumentException>(() => registrar.Register(behind, lat));
        Assert.That(e!.Message, Does.Contain("behind the X-ray source of the AP view"));
    }

    /// <summary>The training step's one check over all gradients passes finite ones and names the first non-finite one.</summary>
    [Test]
    public void TheFusedGradientCheckNamesTheFirstNonFiniteTensor()
    {
        using var scope = NewDisposeScope();
        var finite = ones(1000) * 3e38f; // sums overflow to ∞: the exact per-tensor check must then clear them
        var list = new List<(string, Tensor)> { ("a", finite), ("b", zeros(5)) };
        Assert.DoesNotThrow(() => NonFiniteResultException.ThrowIfAnyNonFinite(list, n => $"gradient of {n}", "test"));
        var bad = zeros(7); bad[3] = float.NaN;
        list.Add(("c", bad)); list.Add(("d", ones(2) * float.PositiveInfinity));
        var e = Assert.Throws<NonFiniteResultException>(() => NonFiniteResultException.ThrowIfAnyNonFinite(list, n => $"gradient of {n}", "test"));
        Assert.That(e!.Stage, Is.EqualTo("gradient of c"));
        Assert.That(e.Message, Does.Contain("1 non-finite value(s) (NaN or infinite) of 7"));
    }

    /// <summary>A model whose weights hold a NaN (a corrupt file, or a wrong kernel) fails naming the stage; it never writes a NaN field.</summary>
    [Test]
    public void ANonFiniteStageIsReportedNotReturned()
    {
        string folder = InferenceTests.UntrainedModel();
        var ct = VolumeFile.Read(TrainingTestData.Atlas.Ct);
        using (var net = RegistrationNetwork.Load(folder, ct.Geometry, Views(NetworkPreset.Tiny)))
        {
            var (_, flow) = net.named_parameters().Last(p => p.name.StartsWith("local.", StringComparison.Ordinal) && p.name.EndsWith("bias", StringComparison.Ordinal));
            using (no_grad()) flow[0] = float.NaN;
            net.Save(folder);
        }
        var (ap, lat) = Pair();
        using var registrar = Registrar.Load(folder);
        var e = Assert.Throws<NonFiniteResultException>(() => registrar.Register(ap, lat));
        Assert.That(e!.Stage, Does.Contain("local module"));
        Assert.That(e.Message, Does.Contain("non-finite").And.Contain("nothing was written"));
    }
}
