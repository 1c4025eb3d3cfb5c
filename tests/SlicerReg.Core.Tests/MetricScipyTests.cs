using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.MetricTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Surface distances against scipy.ndimage (distance_transform_edt with sampling = spacing, binary_erosion edges, MONAI's
/// ASSD/HD95 definitions written out in tests/tools/metrics_reference.py) and SSIM against scikit-image's
/// structural_similarity. Same definitions, so the tolerances are round-off, far inside the one-voxel / 1e-3 budget.
/// </summary>
public class MetricScipyTests
{
    static JObjectResult Surface(Volume r, Volume t, TempFolder tmp, bool gridFacesAreSurface)
    {
        string rp = tmp.File("r.raw"), tp = tmp.File("t.raw");
        WriteRaw(rp, BinaryMask.From(r).Select(b => (byte)(b ? 1 : 0)).ToArray());
        WriteRaw(tp, BinaryMask.From(t).Select(b => (byte)(b ? 1 : 0)).ToArray());
        var s = r.Size; var sp = r.Geometry.Spacing;
        return new JObjectResult(Reference("surface", rp, tp, s.I.ToString(), s.J.ToString(), s.K.ToString(), Invariant(sp.X), Invariant(sp.Y), Invariant(sp.Z), gridFacesAreSurface ? "0" : "1"));
    }

    sealed record JObjectResult(Newtonsoft.Json.Linq.JObject O) { public double this[string k] => D(O, k); }

    static void CompareSurface(Volume r, Volume t, bool gridFacesAreSurface = true)
    {
        using var tmp = new TempFolder();
        var py = Surface(r, t, tmp, gridFacesAreSurface);
        var o = Overlap.Compute(r, t);
        var s = SurfaceDistance.Compute(r, t, gridFacesAreSurface: gridFacesAreSurface);
        TestContext.Out.WriteLine($"Dice {o.Dice:F6} ASSD {s.Assd:F6}/{py["assd"]:F6} HD95 {s.Hd95:F6}/{py["hd95"]:F6} HD {s.Hausdorff:F6}/{py["hausdorff"]:F6}");
        Assert.That(o.Dice, Is.EqualTo(py["dice"]).Within(1e-14));
        Assert.That(o.Jaccard, Is.EqualTo(py["jaccard"]).Within(1e-14));
        Assert.That(s.ReferenceToTest.Length, Is.EqualTo((int)py["reference_surface_voxels"]), "surface voxel count (reference)");
        Assert.That(s.TestToReference.Length, Is.EqualTo((int)py["test_surface_voxels"]), "surface voxel count (test)");
        Assert.That(s.Assd, Is.EqualTo(py["assd"]).Within(1e-9));
        Assert.That(s.Hd95, Is.EqualTo(py["hd95"]).Within(1e-9));
        Assert.That(s.Hausdorff, Is.EqualTo(py["hausdorff"]).Within(1e-9));
        Assert.That(s.MeanReferenceToTest, Is.EqualTo(py["mean_reference_to_test"]).Within(1e-9));
        Assert.That(s.MeanTestToReference, Is.EqualTo(py["mean_test_to_reference"]).Within(1e-9));
    }

    [Test]
    public void Surface_distances_match_scipy_on_an_anisotropic_grid()
    {
        var g = ImageGeometry.Axial(new GridSize(48, 40, 30), new Vec3(0.8, 1.1, 2.5));
        CompareSurface(Blobs(g, seed: 21, count: 5), Blobs(g, seed: 21, count: 5, jitter: 2.5));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Surface_distances_match_scipy_for_blobs_cut_by_the_grid_border(bool gridFacesAreSurface)
    {
        // margin 0: ellipsoids run off the grid. Outside-the-grid is background (border_value 0, MONAI) or, with
        // gridFacesAreSurface false, foreground (border_value 1: the cut faces are not surface).
        var g = new ImageGeometry(new GridSize(30, 26, 22), new Vec3(1.7, 0.6, 1.2), new Vec3(1, 2, 3), Oblique());
        var r = Blobs(g, seed: 22, count: 4, margin: 0);
        var t = Blobs(g, seed: 22, count: 4, margin: 0, jitter: 3);
        Assume.That(SurfaceVoxels.Find(BinaryMask.From(r), g.Size).Length, Is.GreaterThan(SurfaceVoxels.Find(BinaryMask.From(r), g.Size, false).Length), "the blobs do touch the border");
        CompareSurface(r, t, gridFacesAreSurface);
    }

    [Test]
    public void Surface_distances_match_scipy_for_disjoint_far_apart_objects()
    {
        var g = ImageGeometry.Axial(new GridSize(50, 20, 16), new Vec3(0.5, 1.5, 3.0));
        var r = Labels(g); FillBox(r, 2, 9, 3, 12, 2, 8);
        var t = Blobs(g, seed: 23, count: 2);
        for (int k = 0; k < 16; k++) for (int j = 0; j < 20; j++) for (int i = 0; i < 25; i++) t[i, j, k] = 0;   // keep t in the far half
        Assume.That(BinaryMask.Count(BinaryMask.From(t)), Is.GreaterThan(0));
        CompareSurface(r, t);
    }

    static double SkimageSsim(double[] x, double[] y, GridSize s, double range, string window, string covariance)
    {
        using var tmp = new TempFolder();
        WriteRaw(tmp.File("x.raw"), x); WriteRaw(tmp.File("y.raw"), y);
        return D(Reference("ssim", tmp.File("x.raw"), tmp.File("y.raw"), s.I.ToString(), s.J.ToString(), s.K.ToString(), Invariant(range), window, covariance), "ssim");
    }

    [TestCase(SsimWindow.Uniform7, true)]
    [TestCase(SsimWindow.Gaussian15, true)]
    [TestCase(SsimWindow.Gaussian15, false)]
    public void Ssim_matches_scikit_image(SsimWindow window, bool sampleCovariance)
    {
        var g = ImageGeometry.Axial(new GridSize(29, 23, 17), new Vec3(0.7, 1.2, 2.4));   // spacing plays no part in SSIM (voxel window)
        var x = SmoothRandom(g.Size, 31);
        var noise = SmoothRandom(g.Size, 32);
        // y: x with a contrast change, an offset and smooth structured noise, so SSIM is well below 1.
        var y = x.Select((v, n) => 0.8 * v + 60 + 1.5 * (noise[n] - 500)).ToArray();
        double range = 1000;
        double ours = StructuralSimilarity.Compute(Volume.Create(g, x), Volume.Create(g, y), new SsimOptions(range, window, sampleCovariance));
        double sk = SkimageSsim(x, y, g.Size, range, window == SsimWindow.Uniform7 ? "uniform" : "gaussian", sampleCovariance ? "sample" : "population");
        TestContext.Out.WriteLine($"SSIM {window} sample={sampleCovariance}: ours {ours:R}, scikit-image {sk:R}");
        Assert.That(ours, Is.InRange(0.05, 0.98), "test data should give an informative SSIM");
        Assert.That(ours, Is.EqualTo(sk).Within(1e-9));
    }

    [Test]
    public void Ssim_of_float32_volumes_matches_scikit_image_on_float64_copies()
    {
        var g = ImageGeometry.Axial(new GridSize(20, 18, 16), new Vec3(1.0, 1.0, 3.0));
        var x = SmoothRandom(g.Size, 41).Select(v => (float)v).ToArray();
        var y = SmoothRandom(g.Size, 42).Select((v, n) => (float)(0.5 * v + 0.5 * x[n])).ToArray();
        double ours = StructuralSimilarity.Compute(Volume.Create(g, x), Volume.Create(g, y), new SsimOptions(500));
        double sk = SkimageSsim(x.Select(v => (double)v).ToArray(), y.Select(v => (double)v).ToArray(), g.Size, 500, "uniform", "sample");
        Assert.That(ours, Is.EqualTo(sk).Within(1e-9));
    }
}
