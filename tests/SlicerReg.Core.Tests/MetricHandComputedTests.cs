using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using static SlicerReg.Core.Tests.MetricTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Metrics on cases small enough to work out by hand (the expected values are derived in the comments).</summary>
public class MetricHandComputedTests
{
    static readonly Vec3 Spacing = new(0.5, 1.0, 2.0);

    /// <summary>Two 4×4×4 cubes, the test one shifted by one voxel along k (spacing 2 mm).</summary>
    static (Volume Reference, Volume Test) ShiftedCubes(Mat3? direction = null)
    {
        var g = new ImageGeometry(new GridSize(12, 12, 12), Spacing, new Vec3(-3, 7, 11), direction ?? Mat3.Identity);
        var r = Labels(g); FillBox(r, 3, 7, 3, 7, 3, 7);
        var t = Labels(g); FillBox(t, 3, 7, 3, 7, 4, 8);
        return (r, t);
    }

    [Test]
    public void Cubes_offset_by_one_voxel_overlap()
    {
        var (r, t) = ShiftedCubes();
        var o = Overlap.Compute(r, t);
        // |R| = |T| = 64, R∩T = 4·4·3 = 48: Dice = 96/128, Jaccard = 48/80.
        Assert.That((o.ReferenceVoxels, o.TestVoxels, o.IntersectionVoxels), Is.EqualTo((64L, 64L, 48L)));
        Assert.That(o.Dice, Is.EqualTo(0.75).Within(1e-15));
        Assert.That(o.Jaccard, Is.EqualTo(0.6).Within(1e-15));
    }

    [Test]
    public void Cubes_offset_by_one_voxel_surface_distances()
    {
        var (r, t) = ShiftedCubes();
        var s = SurfaceDistance.Compute(r, t);
        // Each cube has 64 − 2³ = 56 surface voxels. From R to ∂T (and symmetrically from T to ∂R):
        //  16 voxels of R's k = 3 face lie outside T; the nearest ∂T voxel is one step along k: 2 mm;
        //  4 voxels of R's k = 6 face with i, j ∈ {4, 5} lie inside T; the nearest ∂T voxel is one step along i
        //    (0.5 mm, closer than j: 1 mm, or k: 2 mm);
        //  the other 36 are also surface voxels of T: 0.
        Assert.That(s.ReferenceToTest, Has.Length.EqualTo(56));
        Assert.That(s.TestToReference, Has.Length.EqualTo(56));
        Assert.That(s.ReferenceToTest.Count(d => d == 2.0), Is.EqualTo(16));
        Assert.That(s.ReferenceToTest.Count(d => d == 0.5), Is.EqualTo(4));
        Assert.That(s.ReferenceToTest.Count(d => d == 0.0), Is.EqualTo(36));
        // ASSD = 2·(16·2 + 4·0.5) / 112 = 68/112; directed means 34/56.
        Assert.That(s.Assd, Is.EqualTo(68.0 / 112).Within(1e-14));
        Assert.That(s.MeanReferenceToTest, Is.EqualTo(34.0 / 56).Within(1e-14));
        // Sorted directed distances: 36 zeros, four 0.5, sixteen 2; 95th percentile at h = 55·0.95 = 52.25 → 2.
        Assert.That(s.Hd95, Is.EqualTo(2.0));
        Assert.That(s.Hausdorff, Is.EqualTo(2.0));
        // plastimatch's "Percent (0.95)": ⌊0.95·56 − 1⌋ = 52nd smallest (0-based) of each direction, averaged → 2.
        Assert.That(s.PlastimatchStyle().Percent95, Is.EqualTo(2.0));
        Assert.That(s.PlastimatchStyle().AvgAverage, Is.EqualTo(34.0 / 56).Within(1e-14));
    }

    [Test]
    public void Surface_distances_do_not_depend_on_the_grid_direction()
    {
        var (r, t) = ShiftedCubes();
        var (ro, to) = ShiftedCubes(Oblique());
        var a = SurfaceDistance.Compute(r, t);
        var b = SurfaceDistance.Compute(ro, to);
        Assert.That(b.ReferenceToTest, Is.EqualTo(a.ReferenceToTest));
        Assert.That(b.Assd, Is.EqualTo(68.0 / 112).Within(1e-14));
    }

    [Test]
    public void Two_single_voxels_are_one_anisotropic_diagonal_apart()
    {
        var g = ImageGeometry.Axial(new GridSize(9, 9, 9), new Vec3(2.0, 1.5, 0.7));
        var r = Labels(g); r[1, 2, 3] = 1;
        var t = Labels(g); t[4, 6, 8] = 1;
        // Δ = (3, 4, 5) voxels = (6, 6, 3.5) mm → √(36 + 36 + 12.25).
        double expected = Math.Sqrt(84.25);
        var s = SurfaceDistance.Compute(r, t);
        Assert.That(s.Assd, Is.EqualTo(expected).Within(1e-12));
        Assert.That(s.Hd95, Is.EqualTo(expected).Within(1e-12));
        Assert.That(s.Hausdorff, Is.EqualTo(expected).Within(1e-12));
        Assert.That(Overlap.Compute(r, t).Dice, Is.EqualTo(0.0));
    }

    [Test]
    public void Distance_transform_equals_brute_force_on_random_features()
    {
        var size = new GridSize(17, 13, 11);
        var spacing = new Vec3(0.7, 1.3, 2.9);
        var rng = new Random(11);
        var feature = new bool[size.VoxelCount];
        for (int n = 0; n < 25; n++) feature[rng.Next(feature.Length)] = true;
        var d2 = EuclideanDistanceTransform.SquaredDistanceToFeatures(feature, size, spacing);
        var points = Enumerable.Range(0, feature.Length).Where(n => feature[n]).Select(n => (n % size.I, n / size.I % size.J, n / (size.I * size.J))).ToArray();
        for (int k = 0; k < size.K; k++) for (int j = 0; j < size.J; j++) for (int i = 0; i < size.I; i++)
        {
            double best = double.PositiveInfinity;
            foreach (var (pi, pj, pk) in points)
                best = Math.Min(best, Math.Pow((i - pi) * spacing.X, 2) + Math.Pow((j - pj) * spacing.Y, 2) + Math.Pow((k - pk) * spacing.Z, 2));
            Assert.That(d2[((long)k * size.J + j) * size.I + i], Is.EqualTo(best).Within(1e-9), $"voxel ({i},{j},{k})");
        }
    }

    [Test]
    public void Distance_transform_without_features_is_infinite()
    {
        var d2 = EuclideanDistanceTransform.SquaredDistanceToFeatures(new bool[24], new GridSize(2, 3, 4), new Vec3(1, 1, 1));
        Assert.That(d2, Is.All.EqualTo(double.PositiveInfinity));
    }

    [Test]
    public void A_chosen_label_is_compared_alone()
    {
        var g = ImageGeometry.Axial(new GridSize(10, 10, 10), Spacing);
        var r = Labels(g); FillBox(r, 1, 5, 1, 5, 1, 5, 2); FillBox(r, 6, 9, 6, 9, 6, 9, 1);
        var t = Labels(g); FillBox(t, 1, 5, 1, 5, 2, 6, 2);
        // Label 2: 64 vs 64 voxels, 48 shared → 0.75. Binary (label > 0): R has 64 + 27, T has 64 → 96 / 155.
        Assert.That(Overlap.Compute(r, t, label: 2).Dice, Is.EqualTo(0.75).Within(1e-15));
        Assert.That(Overlap.Compute(r, t).Dice, Is.EqualTo(96.0 / 155).Within(1e-15));
        Assert.That(SurfaceDistance.Compute(r, t, label: 2).Assd, Is.EqualTo(68.0 / 112).Within(1e-14));
    }

    [Test]
    public void Empty_masks_give_NaN_where_undefined()
    {
        var g = ImageGeometry.Axial(new GridSize(8, 8, 8), Spacing);
        var empty = Labels(g);
        var cube = Labels(g); FillBox(cube, 2, 5, 2, 5, 2, 5);
        Assert.That(Overlap.Compute(empty, empty).Dice, Is.NaN);
        Assert.That(Overlap.Compute(empty, empty).Jaccard, Is.NaN);
        Assert.That(Overlap.Compute(cube, empty).Dice, Is.EqualTo(0.0));
        var s = SurfaceDistance.Compute(cube, empty);
        Assert.That(new[] { s.Assd, s.Hd95, s.Hausdorff }, Is.All.NaN);
        Assert.That(s.TestToReference, Is.Empty);
        Assert.That(SurfaceDistance.Compute(empty, empty).Assd, Is.NaN);
        // A mask filling the grid has no surface once the grid faces do not count (and 8³ − 6³ voxels when they do).
        var full = Labels(g); FillBox(full, 0, 8, 0, 8, 0, 8);
        Assert.That(SurfaceDistance.Compute(full, cube, gridFacesAreSurface: false).Assd, Is.NaN);
        Assert.That(SurfaceDistance.Compute(full, cube).ReferenceToTest, Has.Length.EqualTo(512 - 216));
    }

    [Test]
    public void Different_grids_are_refused_naming_both()
    {
        var a = Labels(ImageGeometry.Axial(new GridSize(8, 8, 8), Spacing));
        var b = Labels(ImageGeometry.Axial(new GridSize(8, 8, 9), Spacing));
        var c = Labels(ImageGeometry.Axial(new GridSize(8, 8, 8), new Vec3(0.5, 1.0, 2.5)));
        var e = Assert.Throws<ArgumentException>(() => Overlap.Compute(a, b))!;
        Assert.That(e.Message, Does.Contain("8×8×8").And.Contain("8×8×9").And.Contain("reference").And.Contain("test"));
        e = Assert.Throws<ArgumentException>(() => SurfaceDistance.Compute(a, c))!;
        Assert.That(e.Message, Does.Contain("(0.5, 1, 2)").And.Contain("(0.5, 1, 2.5)"));
        var img = new Volume(ImageGeometry.Axial(new GridSize(8, 8, 8), Spacing), VoxelType.Float32);
        var img2 = new Volume(ImageGeometry.Axial(new GridSize(8, 8, 8), Spacing, new Vec3(0, 0, 1)), VoxelType.Float32);
        Assert.That(() => StructuralSimilarity.Compute(img, img2, new SsimOptions(1)), Throws.ArgumentException.With.Message.Contain("same voxel grid"));
    }

    [Test]
    public void Sheared_grids_are_refused_for_surface_distances()
    {
        var shear = Mat3.FromColumns(new Vec3(1, 0, 0), new Vec3(0.6, 0.8, 0), new Vec3(0, 0, 1));
        var g = new ImageGeometry(new GridSize(8, 8, 8), Spacing, Vec3.Zero, shear);
        var a = Labels(g); FillBox(a, 2, 5, 2, 5, 2, 5);
        Assert.That(() => SurfaceDistance.Compute(a, a), Throws.ArgumentException.With.Message.Contain("sheared"));
    }

    [Test]
    public void Ssim_of_a_volume_with_itself_is_one_and_small_volumes_are_refused()
    {
        var g = ImageGeometry.Axial(new GridSize(12, 10, 9), Spacing);
        var x = Volume.Create(g, SmoothRandom(g.Size, 3));
        Assert.That(StructuralSimilarity.Compute(x, x, new SsimOptions(1000)), Is.EqualTo(1.0).Within(1e-12));
        // The Gaussian window has 11 taps; 9 voxels along k are too few (scikit-image refuses too).
        Assert.That(() => StructuralSimilarity.Compute(x, x, new SsimOptions(1000, SsimWindow.Gaussian15)),
                    Throws.ArgumentException.With.Message.Contain("at least 11 voxels"));
        Assert.That(() => StructuralSimilarity.Compute(x, x, new SsimOptions(0)), Throws.ArgumentException.With.Message.Contain("data range"));
    }
}
