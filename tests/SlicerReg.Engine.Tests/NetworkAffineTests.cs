using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Network;
using static SlicerReg.Engine.Tests.NetworkTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>The similarity parameterisation and the affine head's identity start.</summary>
public class NetworkAffineTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static Mat4 ToMat4(Tensor t, int b = 0)
    {
        var v = t[b].to(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.That(v[12..], Is.EqualTo(new double[] { 0, 0, 0, 1 }), "bottom row");
        return Mat4.FromRowMajor(v);
    }

    [Test]
    public void ZeroParametersGiveTheIdentity()
    {
        using var scope = NewDisposeScope();
        var t = SimilarityTransform.ToMatrix(zeros(3, 7, ScalarType.Float64), new Vec3(5, 6, 7), 10);
        Assert.That(t.shape, Is.EqualTo(new long[] { 3, 4, 4 }));
        for (int b = 0; b < 3; b++) Assert.That(ToMat4(t, b).ApproximatelyEquals(Mat4.Identity, 1e-15));
    }

    [Test]
    public void ParametersMapToRotationsTranslationAndScaleAboutTheCentre()
    {
        using var scope = NewDisposeScope();
        var c = new Vec3(5, -6, 7);
        double a = 0.2, b = -0.3, g = 0.4, sigma = Math.Log(1.1);
        var t = ToMat4(SimilarityTransform.ToMatrix(tensor(new[] { a, b, g, 0.5, -1.0, 2.0, sigma }).view(1, 7), c, 10));
        // Independent construction: Rodrigues rotations about z, y, x composed as Rz·Ry·Rx.
        var deg = 180 / Math.PI;
        var r = ProstTestScenes.Rotation(new Vec3(0, 0, 1), g * deg) * ProstTestScenes.Rotation(new Vec3(0, 1, 0), b * deg) * ProstTestScenes.Rotation(new Vec3(1, 0, 0), a * deg);
        Assert.That(t.Linear.ApproximatelyEquals(Mat3.Diagonal(1.1, 1.1, 1.1) * r, 1e-12), $"linear part {t.Linear}");
        var moved = t.TransformPoint(c);
        Assert.That((moved - (c + new Vec3(5, -10, 20))).Norm, Is.LessThan(1e-12), "the centre moves by the translation only (mm = 10 × output)");
        Assert.That(() => SimilarityTransform.ToMatrix(zeros(2, 6), c, 10), Throws.ArgumentException.With.Message.Contains("(B, 7)"));
    }

    [TestCase("tiny")]
    [TestCase("standard")]
    public void TheAffineHeadStartsAtTheIdentity(string name)
    {
        // Paper: dense bias 0, kernel from a narrow normal, "such that the initial affine transformation during training is close to identity".
        var preset = NetworkPreset.Named(name);
        var grid = Grid(preset);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, Views(preset));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var atlas = Femur(grid);
        var (ap, lat) = Radiographs(net.Geometry, Femur(grid, new Vec3(6, -4, 8), 1.1));
        using var o = net.forward(atlas, ap, lat);
        var t = ToMat4(o.AffineTransform);
        double rot = Enumerable.Range(0, 9).Max(n => Math.Abs(t.Linear[n / 3, n % 3] - (n / 3 == n % 3 ? 1 : 0))), shift = t.Translation.Norm;
        TestContext.Out.WriteLine($"initial T: max |linear − I| = {rot:G3}, |translation| = {shift:G3} mm");
        Assert.That(rot, Is.LessThan(1e-3));
        Assert.That(shift, Is.LessThan(0.05));
        // Hence the affine-warped atlas is the atlas up to sub-0.1 mm interpolation and Ψ ≈ 0.
        Assert.That((o.WarpedAffine - atlas).abs().max().item<float>(), Is.LessThan(0.02f));
        Assert.That(o.Displacement.abs().max().item<float>(), Is.LessThan(0.2f), "≤ |L − I|·(half the grid diagonal) + |t| + |φ|");
    }

    [TestCase(0)]
    [TestCase(3)]
    public void FittingTheSevenParametersByGradientDescentRecoversAKnownMotion(int nccWindow)
    {
        // Sign and unit conventions of SimilarityTransform + warp + NCC end to end, without the network: the truth is the
        // phantom moved by d and scaled by 1.08 about the centre, so the pull-back T that warps the atlas onto it is
        // T(x) = c + (x − c − d)/1.08: translation −d/1.08 at the centre, log-scale −ln 1.08, no rotation.
        var preset = NetworkPreset.Tiny;
        var grid = Grid(preset);
        using var warp = new SpatialTransformer(grid);
        using var scope = NewDisposeScope();
        var d = new Vec3(5, -3, 6);
        var atlas = Femur(grid);
        var truth = Femur(grid, d, 1.08);
        var centre = SimilarityTransform.GridCentre(grid);
        var p = new TorchSharp.Modules.Parameter(zeros(1, 7));
        using var adam = TorchSharp.torch.optim.Adam(new[] { p }, lr: 0.03);
        for (int step = 0; step < 100; step++)
        {
            using var stepScope = NewDisposeScope();
            adam.zero_grad();
            var t = SimilarityTransform.ToMatrix(p, centre, 10);
            var loss = -RegistrationLoss.Ncc(truth, warp.forward(atlas, warp.AffineDisplacement(t)), nccWindow);
            loss.backward();
            adam.step();
        }
        var v = p.detach().data<float>().ToArray();
        var expected = -1 / 1.08 * d;
        TestContext.Out.WriteLine($"window {nccWindow}: rotation ({v[0]:F3}, {v[1]:F3}, {v[2]:F3}) rad, translation ({10 * v[3]:F2}, {10 * v[4]:F2}, {10 * v[5]:F2}) mm " +
                                  $"(expected {expected}), scale {Math.Exp(v[6]):F3} (expected {1 / 1.08:F3})");
        Assert.That(new Vec3(10 * v[3], 10 * v[4], 10 * v[5]) - expected, Has.Property("Norm").LessThan(1.0), "translation within 1 mm (voxels 2.7–4 mm)");
        Assert.That(Math.Exp(v[6]), Is.EqualTo(1 / 1.08).Within(0.02));
        Assert.That(v.Take(3).Max(Math.Abs), Is.LessThan(0.03), "no rotation");
    }
}
