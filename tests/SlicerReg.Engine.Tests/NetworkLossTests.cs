using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Network;
using SlicerReg.Tests.Common;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Eq. 4: NCC (local and global) and the smoothness term.</summary>
public class NetworkLossTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    [Test]
    public void NccOfAnImageWithItselfIsOneAndIgnoresBrightnessAndContrast()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var image = rand(new long[] { 2, 1, 12, 14, 16 });
        Assert.That(RegistrationLoss.Ncc(image, image, 0).item<float>(), Is.EqualTo(1f).Within(1e-5f), "global");
        Assert.That(RegistrationLoss.Ncc(image, 3 * image + 2, 0).item<float>(), Is.EqualTo(1f).Within(1e-5f), "global, affine intensity change");
        Assert.That(RegistrationLoss.Ncc(image, -image, 0).item<float>(), Is.EqualTo(-1f).Within(1e-5f), "global, inverted");
        // Local windows of uniform noise have variances ≫ the 1e-5 stabiliser, so cc ≈ 1 everywhere.
        foreach (int w in new[] { 3, 5, 9 })
        {
            float self = RegistrationLoss.Ncc(image, image, w).item<float>();
            Assert.That(self, Is.EqualTo(1f).Within(2e-3f), $"local window {w}");
            // Contrast only: the windows are zero-padded (as VoxelMorph's), so an intensity offset changes the border windows.
            Assert.That(RegistrationLoss.Ncc(image, 3 * image, w).item<float>(), Is.EqualTo(1f).Within(2e-3f), $"local window {w}, contrast change");
            var other = rand(image.shape);
            Assert.That(RegistrationLoss.Ncc(image, other, w).item<float>(), Is.LessThan(0.5f * self), $"local window {w}, unrelated noise");
        }
    }

    [Test]
    public void LocalNccMatchesAnIndependentScipyComputation()
    {
        // scipy.ndimage.uniform_filter (mode constant, cval 0) gives the zero-padded window means; VoxelMorph's formula on them.
        using var scope = NewDisposeScope();
        manual_seed(12);
        long[] shape = { 1, 1, 9, 10, 11 };
        var a = rand(shape, ScalarType.Float64);
        var b = (a * 0.5 + rand(shape, ScalarType.Float64) * 0.5).to(ScalarType.Float64);
        double ours = RegistrationLoss.Ncc(a, b, 5).item<double>();
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("a.bin"), a.contiguous().bytes.ToArray());
        File.WriteAllBytes(dir.File("b.bin"), b.contiguous().bytes.ToArray());
        var script = string.Join("\n",
            "import numpy as np, sys",
            "from scipy.ndimage import uniform_filter",
            "d = sys.argv[1]; s = (9, 10, 11); w = 5; n = w ** 3",
            "a = np.fromfile(d + '/a.bin', dtype='<f8').reshape(s); b = np.fromfile(d + '/b.bin', dtype='<f8').reshape(s)",
            "S = lambda x: uniform_filter(x, size=w, mode='constant', cval=0.0) * n",
            "sa, sb, saa, sbb, sab = S(a), S(b), S(a * a), S(b * b), S(a * b)",
            "ma, mb = sa / n, sb / n",
            "cross = sab - mb * sa - ma * sb + ma * mb * n",
            "va = saa - 2 * ma * sa + ma * ma * n; vb = sbb - 2 * mb * sb + mb * mb * n",
            "print(repr(float(np.mean(cross * cross / (va * vb + 1e-5)))))");
        File.WriteAllText(dir.File("ncc.py"), script);
        double scipy = double.Parse(ExternalTool.Check(ExternalTool.Python, dir.File("ncc.py"), dir.Path).Trim(), CultureInfo.InvariantCulture);
        TestContext.Out.WriteLine($"local NCC (window 5): ours {ours:R}, scipy {scipy:R}");
        Assert.That(ours, Is.EqualTo(scipy).Within(1e-9));
    }

    [Test]
    public void SmoothnessIsZeroForAConstantFieldAndTheSquaredSlopeForALinearOne()
    {
        using var scope = NewDisposeScope();
        var spacing = new Vec3(0.8, 1.3, 2.0);
        var constant = full(new long[] { 1, 3, 6, 7, 8 }, 4.2, ScalarType.Float64);
        Assert.That(RegistrationLoss.Smoothness(constant, spacing).item<double>(), Is.EqualTo(0.0));
        // u_R(x) = a·x_R (mm) along index axis i: ∂u_R/∂x = a for one component of three, along one axis of three → a²/9.
        double a = 0.3;
        var ramp = (arange(8, ScalarType.Float64) * spacing.X * a).view(1, 1, 1, 1, 8).expand(1, 1, 6, 7, 8);
        var field = cat(new[] { ramp, zeros_like(ramp), zeros_like(ramp) }, 1);
        Assert.That(RegistrationLoss.Smoothness(field, spacing).item<double>(), Is.EqualTo(a * a / 9).Within(1e-12));
        // The same slope along k (spacing 2 mm) is the same physical gradient.
        var rampK = (arange(6, ScalarType.Float64) * spacing.Z * a).view(1, 1, 6, 1, 1).expand(1, 1, 6, 7, 8);
        Assert.That(RegistrationLoss.Smoothness(cat(new[] { zeros_like(rampK), rampK, zeros_like(rampK) }, 1), spacing).item<double>(), Is.EqualTo(a * a / 9).Within(1e-12));
    }

    [Test]
    public void LossIsAtItsMinimumForAPerfectRegistration()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var grid = ImageGeometry.Axial(new GridSize(16, 14, 12), new Vec3(1, 1, 1));
        var truth = rand(new long[] { 1, 1, 12, 14, 16 });
        var zero = zeros(new long[] { 1, 3, 12, 14, 16 });
        using var best = RegistrationLoss.Compute(truth, truth, truth, zero, grid, 0, 0.01);
        Assert.That(best.Total.item<float>(), Is.EqualTo(-2f).Within(1e-5f), "−NCC − NCC + δ·0 with both NCC = 1");
        var off = truth.roll(1, 4);
        using var worse = RegistrationLoss.Compute(truth, off, truth, zero, grid, 0, 0.01);
        using var rough = RegistrationLoss.Compute(truth, truth, truth, rand(zero.shape), grid, 0, 0.01);
        Assert.That(worse.Total.item<float>(), Is.GreaterThan(best.Total.item<float>() + 0.1f));
        Assert.That(rough.Total.item<float>(), Is.GreaterThan(best.Total.item<float>()));
        Assert.That(rough.Smoothness.item<float>(), Is.GreaterThan(0f));
    }

    [Test]
    public void MaskKeepsTheImageInsideTheLabelOnly()
    {
        using var scope = NewDisposeScope();
        var image = arange(8, ScalarType.Float32).view(1, 1, 2, 2, 2) + 1;
        var labels = tensor(new long[] { 0, 1, 0, 2, 0, 0, 1, 1 }).view(1, 1, 2, 2, 2);
        Assert.That(RegistrationLoss.Mask(image, labels).flatten().data<float>().ToArray(), Is.EqualTo(new float[] { 0, 2, 0, 4, 0, 0, 7, 8 }));
    }
}
