using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using static SlicerReg.Core.Tests.DrrTestVolumes;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Line integrals against analytic path lengths: a slab (exact geometry, so exact mode must match to rounding) and a
/// partial-volume sphere (chord 2√(R² − b²) for a ray at distance b from the centre), on anisotropic, oblique grids.
/// </summary>
public class DrrPhysicsTests
{
    // A view looking at `target` from `dir`, with a detector of n×m pixels of `spacing` mm.
    static CalibratedView LookAt(Vec3 target, Vec3 dir, int columns, int rows, double spacing, double sod = 500, double sdd = 800)
    {
        var n = dir.Normalized();
        var helper = Math.Abs(n.Z) < 0.9 ? new Vec3(0, 0, 1) : new Vec3(1, 0, 0);
        var col = helper.Cross(n).Normalized();
        var row = n.Cross(col);
        return new CalibratedView(target + sod * n, target - (sdd - sod) * n, col, row, spacing, spacing, columns, rows);
    }

    static readonly Vec3 Center = new(10, -20, 30);

    /// <remarks>
    /// The voxelised sphere is not a sphere: even with partial-volume surface voxels a ray's path through the staircase
    /// differs from the true chord by up to ~0.2 voxel per surface crossing, for any renderer. With R = 30 mm and voxels of
    /// 0.4–0.6 mm that stays under 0.5% out to b = 0.6 R; further out (to 0.8 R) we bound the RMS error instead.
    /// </remarks>
    [TestCase(DrrMode.Exact, 0.005, 0.004)]
    [TestCase(DrrMode.Uniform, 0.01, 0.004)]
    public void Sphere_ChordLengths_AnisotropicObliqueGrid(DrrMode mode, double relTol, double rmsTol)
    {
        const double radius = 30, mu = 0.03;
        var g = Centered(new GridSize(140, 115, 170), new Vec3(0.5, 0.6, 0.4), Oblique(20, -35, 50), Center);
        var ct = Sphere(g, Center, radius, mu);
        var view = LookAt(Center, new Vec3(0.3, 1, 0.2), 15, 13, 6);
        var img = DrrRenderer.Render(ct, view, new DrrOptions { Mode = mode, Attenuation = AttenuationModel.Identity });
        int strict = 0, all = 0; double sq = 0;
        for (int r = 0; r < view.Rows; r++)
            for (int c = 0; c < view.Columns; c++)
            {
                double b = DistanceToLine(Center, view.Source, view.PixelCenter(c, r));
                if (b > 0.8 * radius) continue; // grazing rays: short chords dominated by the surface voxels
                double expected = mu * 2 * Math.Sqrt(radius * radius - b * b);
                double rel = (img[c, r] - expected) / expected;
                sq += rel * rel; all++;
                if (b > 0.6 * radius) continue;
                Assert.That(img[c, r], Is.EqualTo(expected).Within(relTol * expected), $"pixel ({c}, {r}), ray at {b:F2} mm from the centre");
                strict++;
            }
        Assert.That(strict, Is.GreaterThan(40), "central and off-centre rays");
        Assert.That(Math.Sqrt(sq / all), Is.LessThan(rmsTol), $"RMS relative error over {all} rays with b ≤ 0.8 R");
    }

    /// <summary>A slab between two index planes k = k0 − ½ and k = k1 + ½: the path is thickness / |cos θ|.</summary>
    [TestCase(DrrMode.Exact, 1e-5)]
    [TestCase(DrrMode.Uniform, 0.01)]
    public void Slab_PathLength_IsThicknessOverCosine_InHounsfieldInt16(DrrMode mode, double relTol)
    {
        var spacing = new Vec3(0.7, 0.45, 1.3);
        var dir = Oblique(-25, 15, 40);
        var g = Centered(new GridSize(300, 400, 40), spacing, dir, Center);
        var ct = new Volume(g, VoxelType.Int16);
        var hu = ct.As<short>();
        Array.Fill(hu, (short)-1000); // air: μ = 0
        const int k0 = 12, k1 = 27;    // 16 slices of water (0 HU)
        for (int k = k0; k <= k1; k++) Array.Fill(hu, (short)0, k * 300 * 400, 300 * 400);
        var normal = dir.Column(2);                  // orthonormal direction: the slab's normal is the k axis
        double thickness = (k1 - k0 + 1) * spacing.Z; // 20.8 mm
        var model = AttenuationModel.FromHounsfield(0.02);

        foreach (var look in new[] { normal, (normal + 0.4 * dir.Column(0)), (normal - 0.3 * dir.Column(1) + 0.2 * dir.Column(0)) })
        {
            var view = LookAt(Center, look, 7, 5, 8);
            var img = DrrRenderer.Render(ct, view, new DrrOptions { Mode = mode, Attenuation = model });
            for (int r = 0; r < view.Rows; r++)
                for (int c = 0; c < view.Columns; c++)
                {
                    var u = (view.PixelCenter(c, r) - view.Source).Normalized();
                    double expected = 0.02 * thickness / Math.Abs(u.Dot(normal));
                    Assert.That(img[c, r], Is.EqualTo(expected).Within(relTol * expected), $"pixel ({c}, {r}) looking along {look}");
                }
        }
    }

    [Test]
    public void Intensity_IsBeerLambert_AndModesAgree()
    {
        var g = Centered(new GridSize(60, 50, 40), new Vec3(0.8, 0.8, 1.1), Oblique(5, 10, -20), Center);
        var ct = Sphere(g, Center, 15, 0.05);
        var view = LookAt(Center, new Vec3(-1, 0.2, 0.1), 24, 20, 3);
        var li = DrrRenderer.Render(ct, view, new DrrOptions { Attenuation = AttenuationModel.Identity });
        var intensity = DrrRenderer.Render(ct, view, new DrrOptions { Attenuation = AttenuationModel.Identity, Output = DrrOutput.Intensity, I0 = 250 });
        var uniform = DrrRenderer.Render(ct, view, new DrrOptions { Attenuation = AttenuationModel.Identity, Mode = DrrMode.Uniform, StepMm = 0.2 });
        for (int n = 0; n < li.Pixels.Length; n++)
            Assert.That(intensity.Pixels[n], Is.EqualTo(250 * Math.Exp(-li.Pixels[n])).Within(1e-3));
        Assert.That(li.Pixels.Max(), Is.EqualTo(0.05 * 30).Within(0.005 * 1.5));
        // Trilinear sampling blurs the surface by a voxel, so grazing rays differ; the images must still agree closely.
        Assert.That(Ncc(uniform.Pixels, li.Pixels), Is.GreaterThan(0.999));
        Assert.That(uniform.Pixels.Max(), Is.EqualTo(li.Pixels.Max()).Within(0.01 * li.Pixels.Max()));
    }

    [Test]
    public void PoissonNoise_HasPoissonStatistics_AndIsSeeded()
    {
        // 20 000 pixels of the same line integral L: counts ~ Poisson(N·e^−L).
        var li = new float[20000]; Array.Fill(li, 1.5f);
        const double photons = 2000; double lambda = photons * Math.Exp(-1.5);
        var a = (float[])li.Clone(); PoissonNoise.ApplyToLineIntegrals(a, photons, seed: 3);
        var b = (float[])li.Clone(); PoissonNoise.ApplyToLineIntegrals(b, photons, seed: 3);
        var c = (float[])li.Clone(); PoissonNoise.ApplyToLineIntegrals(c, photons, seed: 4);
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
        var counts = a.Select(x => photons * Math.Exp(-x)).ToArray();
        double mean = counts.Average(), variance = counts.Select(k => (k - mean) * (k - mean)).Sum() / (counts.Length - 1);
        Assert.That(mean, Is.EqualTo(lambda).Within(4 * Math.Sqrt(lambda / counts.Length)));
        Assert.That(variance, Is.EqualTo(lambda).Within(0.05 * lambda));
        // Small means go through the other sampler.
        var rng = new Random(1);
        var small = Enumerable.Range(0, 20000).Select(_ => PoissonNoise.Sample(rng, 3.2)).ToArray();
        Assert.That(small.Average(), Is.EqualTo(3.2).Within(4 * Math.Sqrt(3.2 / 20000)));
        Assert.That(small.Count(k => k == 0) / 20000.0, Is.EqualTo(Math.Exp(-3.2)).Within(0.006));
    }

    [Test]
    public void LabelProjection_MarksExactlyTheRaysThatCrossTheLabel()
    {
        var g = Centered(new GridSize(64, 56, 48), new Vec3(0.6, 0.7, 0.9), Oblique(10, 20, 30), Center);
        var labels = new Volume(g, VoxelType.UInt8, kind: VolumeKind.LabelMap);
        var lab = labels.As<byte>();
        const double radius = 12;
        for (int k = 0; k < 48; k++) for (int j = 0; j < 56; j++) for (int i = 0; i < 64; i++)
        {
            double d = (g.IndexToRas(new Vec3(i, j, k)) - Center).Norm;
            lab[labels.LinearIndex(i, j, k)] = d < radius ? (byte)2 : d < radius + 4 ? (byte)1 : (byte)0;
        }
        var view = LookAt(Center, new Vec3(0.2, -1, 0.3), 40, 36, 1.2);
        var femur = LabelProjector.Project(labels, view, label: 2);
        var any = LabelProjector.Project(labels, view);
        double cell = g.Spacing.Norm; // a voxel's diagonal: the staircase surface is within this of the sphere
        int inside = 0, outside = 0;
        for (int r = 0; r < view.Rows; r++)
            for (int c = 0; c < view.Columns; c++)
            {
                double b = DistanceToLine(Center, view.Source, view.PixelCenter(c, r));
                if (b < radius - cell) { Assert.That(femur[c, r], Is.EqualTo(1f), $"({c},{r}) b={b:F2}"); inside++; }
                if (b > radius + cell) { Assert.That(femur[c, r], Is.EqualTo(0f), $"({c},{r}) b={b:F2}"); outside++; }
                if (b < radius + 4 - cell) Assert.That(any[c, r], Is.EqualTo(1f));
                if (b > radius + 4 + cell) Assert.That(any[c, r], Is.EqualTo(0f));
                Assert.That(femur[c, r] <= any[c, r]);
            }
        Assert.That(inside, Is.GreaterThan(100));
        Assert.That(outside, Is.GreaterThan(100));
    }

    [Test]
    public void EmptyVolume_GivesZeros_AndRaysMissingTheVolumeGiveZero()
    {
        var g = Centered(new GridSize(20, 20, 20), new Vec3(1, 1, 1), Mat3.Identity, Center);
        var air = new Volume(g, VoxelType.Int16);
        Array.Fill(air.As<short>(), (short)-1000);
        var view = LookAt(Center, new Vec3(0, 1, 0), 30, 30, 4); // 30 × 4 mm at the detector: the outer rays miss the 20 mm cube
        Assert.That(DrrRenderer.Render(air, view).Pixels, Is.All.EqualTo(0f));
        var water = new Volume(g, VoxelType.Int16);
        var img = DrrRenderer.Render(water, view);
        Assert.That(img[0, 0], Is.EqualTo(0f), "a ray that misses the grid");
        Assert.That(img[15, 15], Is.EqualTo(0.02f * 20).Within(1e-3), "the central ray crosses 20 mm of water");
    }

    /// <summary>Every voxel type converts by its own value (a ushort 40000 is not a short −25536).</summary>
    [TestCase(VoxelType.UInt8, 200.0)]
    [TestCase(VoxelType.Int16, -300.0)]
    [TestCase(VoxelType.UInt16, 40000.0)]
    [TestCase(VoxelType.Int32, 70000.0)]
    [TestCase(VoxelType.Float32, 12.5)]
    [TestCase(VoxelType.Float64, -999.0)]
    public void HounsfieldToMu_ForEveryVoxelType(VoxelType type, double hu)
    {
        var v = new Volume(ImageGeometry.Axial(new GridSize(40, 3, 2), new Vec3(1, 1, 1)), type);
        for (long n = 0; n < v.VoxelCount; n++) v.SetElement(n, hu);
        var mu = AttenuationVolume.FromCt(v, AttenuationModel.FromHounsfield(0.02));
        Assert.That(mu.Mu, Is.All.EqualTo((float)Math.Max(0, 0.02 * (1 + hu / 1000))).Within(1e-6));
    }

    public static double Ncc(float[] a, float[] b)
    {
        double ma = a.Average(x => (double)x), mb = b.Average(x => (double)x), sab = 0, saa = 0, sbb = 0;
        for (int n = 0; n < a.Length; n++) { double x = a[n] - ma, y = b[n] - mb; sab += x * y; saa += x * x; sbb += y * y; }
        return sab / Math.Sqrt(saa * sbb);
    }
}
