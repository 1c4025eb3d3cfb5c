using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Network;
using static SlicerReg.Engine.Tests.ProstTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>The dense warp (pull-back, RAS mm), the affine field, the composition Ψ and scaling and squaring.</summary>
public class NetworkWarpTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static readonly Vec3 Centre = new(10, -20, 30);
    // Oblique, anisotropic: a warp that confused index and RAS axes, or spacing, would fail the analytic checks below.
    static ImageGeometry GridSmall => ObliqueGrid(new GridSize(34, 30, 26), Centre);

    static Tensor Constant(ImageGeometry g, Vec3 d, ScalarType dtype = ScalarType.Float32)
        => cat(new[] { Field(g, _ => d.X, dtype), Field(g, _ => d.Y, dtype), Field(g, _ => d.Z, dtype) }, 1);

    static bool Interior(ImageGeometry g, int i, int j, int k, int margin)
        => i >= margin && j >= margin && k >= margin && i < g.Size.I - margin && j < g.Size.J - margin && k < g.Size.K - margin;

    static float[] Values(Tensor t) => t.detach().contiguous().to(ScalarType.Float32).data<float>().ToArray();

    [Test]
    public void ZeroFieldReturnsTheImageExactly()
    {
        var g = GridSmall;
        using var warp = new SpatialTransformer(g);
        using var scope = NewDisposeScope();
        manual_seed(3);
        var image = rand(new long[] { 2, 3, g.Size.K, g.Size.J, g.Size.I });
        var output = warp.forward(image, zeros(new long[] { 1, 3, g.Size.K, g.Size.J, g.Size.I }));
        Assert.That(output.shape, Is.EqualTo(image.shape));
        Assert.That((output - image).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void ConstantFieldSamplesTheImageShiftedByThatManyMillimetres()
    {
        // Pull-back: out(x) = f(x + d). For a Gaussian blob the content therefore moves by −d.
        var g = GridSmall;
        var d = new Vec3(3.1, -2.4, 1.7);
        var blob = Centre + new Vec3(1, 2, -1);
        Func<Vec3, double> f = Gaussian(blob, 3.5);
        using var warp = new SpatialTransformer(g);
        using var scope = NewDisposeScope();
        var output = Values(warp.forward(Field(g, f, ScalarType.Float64), Constant(g, d, ScalarType.Float64)));
        var expected = Values(Field(g, x => f(x + d), ScalarType.Float64));
        double maxErr = 0; double sw = 0; Vec3 centroid = Vec3.Zero;
        var s = g.Size;
        for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
        {
            long v = ((long)k * s.J + j) * s.I + i;
            var x = g.IndexToRas(new Vec3(i, j, k));
            if (Interior(g, i, j, k, 3)) maxErr = Math.Max(maxErr, Math.Abs(output[v] - expected[v]));
            double w = output[v];
            sw += w; centroid += w * x;
        }
        centroid /= sw;
        TestContext.Out.WriteLine($"max |warped − f(x + d)| = {maxErr:G3} (peak 1); blob centroid {centroid}, expected {blob - d}");
        Assert.That(maxErr, Is.LessThan(0.06), "trilinear interpolation error of a σ = 3.5 mm Gaussian on ≤ 1.7 mm voxels (a one-voxel slip gives ≈ 0.3)");
        Assert.That((centroid - (blob - d)).Norm, Is.LessThan(0.1), "the content moves by −d (mm)");
    }

    [Test]
    public void AffineDisplacementIsTxMinusX()
    {
        var g = GridSmall;
        using var warp = new SpatialTransformer(g);
        using var scope = NewDisposeScope();
        var r = Rotation(new Vec3(0.3, -1, 0.5), 12);
        var linear = Mat3.Diagonal(1.1, 1.1, 1.1) * r;
        var t = new Vec3(4, -3, 2);
        var u = Values(warp.AffineDisplacement(Affine(linear, t, ScalarType.Float64)));
        var s = g.Size; long n = s.VoxelCount; double maxErr = 0;
        for (long v = 0; v < n; v += 37)
        {
            int i = (int)(v % s.I), j = (int)(v / s.I % s.J), k = (int)(v / s.I / s.J);
            var x = g.IndexToRas(new Vec3(i, j, k));
            var expected = linear * x + t - x;
            maxErr = Math.Max(maxErr, (new Vec3(u[v], u[n + v], u[2 * n + v]) - expected).Norm);
        }
        Assert.That(maxErr, Is.LessThan(1e-4));
    }

    [Test]
    public void ComposedFieldWarpsLikeTheAffineThenTheLocalWarp()
    {
        // Ψ = φ + T∘φ: V∘Ψ must equal warping V by T (A = V∘T) and then A by φ, and u_Ψ(x) = T(x + φ(x)) − x pointwise.
        var g = GridSmall;
        using var warp = new SpatialTransformer(g);
        using var scope = NewDisposeScope();
        var transform = Affine(Mat3.Diagonal(1.04, 1.04, 1.04) * Rotation(new Vec3(1, 1, 0), 8), new Vec3(2, -1, 3), ScalarType.Float64);
        Func<Vec3, Vec3> phiOf = x => new Vec3(2 * Math.Sin(0.08 * x.Y), 1.5 * Math.Cos(0.07 * x.Z), 1.2 * Math.Sin(0.06 * x.X));
        var phi = cat(new[] { Field(g, x => phiOf(x).X, ScalarType.Float64), Field(g, x => phiOf(x).Y, ScalarType.Float64), Field(g, x => phiOf(x).Z, ScalarType.Float64) }, 1);
        var psi = warp.ComposeAffine(transform, phi);

        var u = Values(psi); var s = g.Size; long n = s.VoxelCount; double maxErr = 0;
        var lin = Mat3.Diagonal(1.04, 1.04, 1.04) * Rotation(new Vec3(1, 1, 0), 8);
        for (long v = 0; v < n; v += 29)
        {
            int i = (int)(v % s.I), j = (int)(v / s.I % s.J), k = (int)(v / s.I / s.J);
            var x = g.IndexToRas(new Vec3(i, j, k));
            var expected = lin * (x + phiOf(x)) + new Vec3(2, -1, 3) - x;
            maxErr = Math.Max(maxErr, (new Vec3(u[v], u[n + v], u[2 * n + v]) - expected).Norm);
        }
        Assert.That(maxErr, Is.LessThan(1e-6), "u_Ψ(x) = T(x + φ(x)) − x");

        var image = Field(g, x => Gaussian(Centre, 9)(x), ScalarType.Float64);
        var once = warp.forward(image, psi);
        var twice = warp.forward(warp.forward(image, warp.AffineDisplacement(transform)), phi);
        var expectedImage = Field(g, x => Gaussian(Centre, 9)(lin * (x + phiOf(x)) + new Vec3(2, -1, 3)), ScalarType.Float64);
        double errOnce = 0, errTwice = 0;
        var a = Values(once); var b = Values(twice); var e = Values(expectedImage);
        for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
        {
            var x = g.IndexToRas(new Vec3(i, j, k));
            var mapped = g.RasToIndex(lin * (x + phiOf(x)) + new Vec3(2, -1, 3));
            if (!Interior(g, i, j, k, 2) || mapped.X < 2 || mapped.Y < 2 || mapped.Z < 2 || mapped.X > s.I - 3 || mapped.Y > s.J - 3 || mapped.Z > s.K - 3) continue;
            long v = ((long)k * s.J + j) * s.I + i;
            errOnce = Math.Max(errOnce, Math.Abs(a[v] - e[v])); errTwice = Math.Max(errTwice, Math.Abs(b[v] - a[v]));
        }
        TestContext.Out.WriteLine($"max |V∘Ψ − analytic| = {errOnce:G3}, max |(V∘T)∘φ − V∘Ψ| = {errTwice:G3}");
        Assert.That(errOnce, Is.LessThan(0.01));
        Assert.That(errTwice, Is.LessThan(0.02), "sequential warps agree up to the second interpolation");
    }

    [Test]
    public void LabelMapsMoveWithTheFieldAndStayLabels()
    {
        var g = ObliqueGrid(new GridSize(40, 36, 32), Centre);
        using var warp = new SpatialTransformer(g);
        using var scope = NewDisposeScope();
        var ball = Centre + new Vec3(1, -1, 2);
        var labels = (Ball(g, ball, 12, 1.0) >= 0.5f).to(ScalarType.Int64);
        var d = new Vec3(2.3, -1.1, 1.6);
        var warped = warp.WarpLabels(labels, Constant(g, d), labelCount: 2);
        Assert.That(warped.dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(Values(warped).All(v => v == 0 || v == 1), "labels stay 0 or 1");
        // The pulled-back ball is the ball centred at ball − d; compare with its exact voxelisation.
        var expected = Values(Ball(g, ball - d, 12, 1.0) >= 0.5f);
        var got = Values(warped);
        double inter = 0, sum = 0;
        for (int v = 0; v < got.Length; v++) { inter += got[v] * expected[v]; sum += got[v] + expected[v]; }
        double dice = 2 * inter / sum;
        TestContext.Out.WriteLine($"Dice(warped label, exact moved ball) = {dice:F4}");
        Assert.That(dice, Is.GreaterThan(0.97));
        Assert.That(() => warp.WarpLabels(labels + 2, Constant(g, d), 2), Throws.ArgumentException.With.Message.Contains("outside 0 … 1"));
    }

    [Test]
    public void ScalingAndSquaringOfAConstantVelocityIsThatTranslation()
    {
        var g = GridSmall;
        using var integrator = new VelocityIntegrator(g, steps: 7);
        using var scope = NewDisposeScope();
        var v = new Vec3(5.5, -3.2, 2.1);
        var phi = Values(integrator.forward(Constant(g, v, ScalarType.Float64)));
        var s = g.Size; long n = s.VoxelCount; double maxErr = 0;
        for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
        {
            if (!Interior(g, i, j, k, 4)) continue;
            long q = ((long)k * s.J + j) * s.I + i;
            maxErr = Math.Max(maxErr, (new Vec3(phi[q], phi[n + q], phi[2 * n + q]) - v).Norm);
        }
        Assert.That(maxErr, Is.LessThan(1e-4), "exp(v) of a constant v is the translation by v");
    }

    /// <summary>Without gradients the integrator adds in place; with them it must not (autograd keeps each step): both give one φ.</summary>
    [Test]
    public void ScalingAndSquaringGivesTheSameFieldWithAndWithoutGradients()
    {
        var g = GridSmall;
        using var integrator = new VelocityIntegrator(g, steps: 7);
        using var scope = NewDisposeScope();
        manual_seed(5);
        var v = (randn(new long[] { 1, 3, g.Size.K, g.Size.J, g.Size.I }) * 3).requires_grad_(true);
        var withGrad = integrator.forward(v);
        Tensor noGrad;
        using (no_grad()) noGrad = integrator.forward(v);
        Assert.That(withGrad.requires_grad, Is.True);
        Assert.That((withGrad.detach() - noGrad).abs().max().item<float>(), Is.EqualTo(0f));
        Assert.That(v.detach().abs().max().item<float>(), Is.GreaterThan(1f), "the velocity itself is left as it was");
    }

    [Test]
    public void ScalingAndSquaringOfALinearVelocityIsTheMatrixExponential()
    {
        // v(x) = A(x − c) with A a rotation generator (15° about an oblique axis) plus a little scaling: the flow for unit
        // time is x ↦ c + e^A (x − c), so φ(x) = (e^A − I)(x − c) — very different from v itself at this angle.
        var g = GridSmall;
        using var integrator = new VelocityIntegrator(g, steps: 7);
        using var scope = NewDisposeScope();
        var axis = new Vec3(0.2, 0.5, 1).Normalized(); double theta = 15 * Math.PI / 180, growth = 0.03;
        double[,] A =
        {
            { growth, -theta * axis.Z, theta * axis.Y },
            { theta * axis.Z, growth, -theta * axis.X },
            { -theta * axis.Y, theta * axis.X, growth },
        };
        var expA = MatrixExp(A);
        Func<Vec3, Vec3> Apply(double[,] m) => p => new Vec3(m[0, 0] * p.X + m[0, 1] * p.Y + m[0, 2] * p.Z, m[1, 0] * p.X + m[1, 1] * p.Y + m[1, 2] * p.Z, m[2, 0] * p.X + m[2, 1] * p.Y + m[2, 2] * p.Z);
        var vOf = Apply(A); var eOf = Apply(expA);
        var velocity = cat(new[] { Field(g, x => vOf(x - Centre).X, ScalarType.Float64), Field(g, x => vOf(x - Centre).Y, ScalarType.Float64), Field(g, x => vOf(x - Centre).Z, ScalarType.Float64) }, 1);
        var phi = Values(integrator.forward(velocity));
        var s = g.Size; long n = s.VoxelCount; double maxErr = 0, maxNaive = 0;
        for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
        {
            var x = g.IndexToRas(new Vec3(i, j, k));
            if ((x - Centre).Norm > 12) continue; // points whose whole path stays well inside the grid
            long q = ((long)k * s.J + j) * s.I + i;
            var expected = eOf(x - Centre) - (x - Centre);
            maxErr = Math.Max(maxErr, (new Vec3(phi[q], phi[n + q], phi[2 * n + q]) - expected).Norm);
            maxNaive = Math.Max(maxNaive, (vOf(x - Centre) - expected).Norm);
        }
        TestContext.Out.WriteLine($"max |φ − (e^A − I)(x − c)| = {maxErr:G3} mm; the velocity itself is off by up to {maxNaive:G3} mm");
        Assert.That(maxErr, Is.LessThan(0.05));
        Assert.That(maxNaive, Is.GreaterThan(10 * maxErr));
    }

    /// <summary>e^A by a 30-term Taylor series (exact to double precision for ‖A‖ &lt; 1).</summary>
    static double[,] MatrixExp(double[,] a)
    {
        var result = new double[3, 3]; var term = new double[3, 3];
        for (int i = 0; i < 3; i++) { result[i, i] = 1; term[i, i] = 1; }
        for (int n = 1; n < 30; n++)
        {
            var next = new double[3, 3];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int m = 0; m < 3; m++) next[i, j] += term[i, m] * a[m, j] / n;
            term = next;
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) result[i, j] += term[i, j];
        }
        return result;
    }
}
