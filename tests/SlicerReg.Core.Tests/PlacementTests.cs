using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Tests;

/// <summary>Head triangulation and the atlas placement (docs/radiographs.md, "Placement and side").</summary>
public class PlacementTests
{
    static CalibratedView View(double primary, double secondary, Vec3 iso, double offsetC = 0, double offsetR = 0) => new CArmGeometry
    {
        PrimaryAngleDeg = primary, SecondaryAngleDeg = secondary, Isocenter = iso, Columns = 160, Rows = 224, ColumnSpacingMm = 1.2, RowSpacingMm = 1.2,
        PrincipalOffsetColumnMm = offsetC, PrincipalOffsetRowMm = offsetR,
    }.ToView();

    [Test]
    public void A_known_point_is_triangulated_from_its_two_projections_within_a_micrometre()
    {
        var rng = new Random(9);
        for (int trial = 0; trial < 20; trial++)
        {
            var iso = new Vec3(rng.NextDouble() * 200 - 100, rng.NextDouble() * 200 - 100, rng.NextDouble() * 200 - 100);
            var a = View(rng.NextDouble() * 60 - 30, rng.NextDouble() * 20 - 10, iso, 5, -3);
            var b = View(90 + rng.NextDouble() * 60 - 30, rng.NextDouble() * 20 - 10, iso, -4, 2);
            var x = iso + new Vec3(rng.NextDouble() * 80 - 40, rng.NextDouble() * 80 - 40, rng.NextDouble() * 80 - 40);
            var t = RayTriangulation.Triangulate(a, a.Project(x)!.Value, b, b.Project(x)!.Value);
            Assert.That((t.Point - x).Norm, Is.InRange(0, 1e-6));
            Assert.That(t.RayDistanceMm, Is.InRange(0, 1e-6));
        }
    }

    [Test]
    public void Clicks_off_the_point_show_as_a_ray_distance_and_parallel_rays_are_refused()
    {
        var a = View(0, 0, Vec3.Zero); var b = View(90, 0, Vec3.Zero);
        var x = new Vec3(10, -5, 20);
        var pb = b.Project(x)!.Value;
        // Three pixels along the rows of the lateral view move its ray 3 × 1.2 / 1.081 mm along z, where the AP ray cannot follow.
        var t = RayTriangulation.Triangulate(a, a.Project(x)!.Value, b, (pb.Column, pb.Row + 3));
        Assert.That(t.RayDistanceMm, Is.InRange(3.0, 3.7));
        Assert.Throws<ArgumentException>(() => RayTriangulation.Triangulate(a, (10, 10), a, (10, 10)));
    }

    /// <summary>A left patient: the right subject mirrored through x = 0 (its head on the origin) and moved to the patient's left hip.</summary>
    static readonly Vec3 LeftHip = new(-95, 12, 30);

    [Test]
    public void A_left_femur_seen_through_the_placed_views_is_the_mirrored_right_one_and_results_go_back_onto_the_left()
    {
        var right = SubjectGenerator.Generate(21, new SubjectOptions { Preset = NetworkPreset.Tiny, LeftFraction = 0 }).Images;
        var truth = AtlasPlacement.Create(LeftHip, left: true, View(0, 0, Vec3.Zero), View(90, 0, Vec3.Zero));
        var left = new PhantomImages(truth.ToPatient(right.Ct), truth.ToPatient(right.Label));
        var femurLeft = PopulationTestSupport.Mean(PopulationTestSupport.Femur(left.Label));
        var femurRight = PopulationTestSupport.Mean(PopulationTestSupport.Femur(right.Label));
        Assert.That(femurLeft.X - LeftHip.X, Is.InRange(-femurRight.X - 1e-6, -femurRight.X + 1e-6)); // shaft lateral = toward −x on the left

        // The patient's views, centred on the left femur.
        var iso = LeftHip + AtlasPlacement.Reflection * NetworkPreset.AtlasCentre;
        var ap = View(5, 0, iso); var lat = View(-85, 0, iso);
        var patient = SubjectRadiographs.Render(left, new[] { ap, lat });
        var head = RayTriangulation.Triangulate(ap, ap.Project(LeftHip)!.Value, lat, lat.Project(LeftHip)!.Value).Point;
        var placement = AtlasPlacement.Create(head, left: true, ap, lat);
        Assert.That(placement.Mirrored, Is.True);
        // In the atlas frame, the placed views see the right femur as the patient's views see the left one, pixel for pixel.
        foreach (var (r, n) in patient.Select((r, n) => (r, n)))
        {
            var placed = placement.ToAtlas(r.Drr);
            var atlasFrame = SubjectRadiographs.Render(right, new[] { placed.View })[0].Drr.Image.Pixels;
            for (int p = 0; p < atlasFrame.Length; p++) Assert.That(Math.Abs(atlasFrame[p] - placed.Image.Pixels[p]), Is.InRange(0, 1e-3));
        }
        // A result in the atlas frame (here the right truth itself) goes back onto the left femur, voxel for voxel.
        var back = placement.ToPatient(right.Label);
        Assert.That(back.Geometry.ApproximatelyEquals(left.Label.Geometry, 1e-6), Is.True);
        Assert.That(back.As<byte>(), Is.EqualTo(left.Label.As<byte>()));
        Assert.That(back.Geometry.Direction.Determinant > 0, Is.True);
    }

    [Test]
    public void A_displacement_field_moved_back_maps_patient_points_onto_the_atlas_as_stored()
    {
        var grid = NetworkPreset.Tiny.AtlasGrid;
        var field = new Volume(grid, VoxelType.Float32, 3, VolumeKind.DisplacementField);
        var d = field.As<float>();
        for (long n = 0; n < grid.Size.VoxelCount; n++) { d[3 * n] = 1.5f; d[3 * n + 1] = -2f; d[3 * n + 2] = 0.25f; }
        var placement = AtlasPlacement.Create(LeftHip, left: true, View(0, 0, Vec3.Zero), View(90, 0, Vec3.Zero));
        var moved = placement.ToPatient(field);
        var g = moved.Geometry;
        foreach (var ijk in new[] { new Vec3(0, 0, 0), new Vec3(3, 5, 7), new Vec3(g.Size.I - 1, g.Size.J - 1, g.Size.K - 1) })
        {
            var p = g.IndexToRas(ijk);
            long n = moved.LinearIndex((int)ijk.X, (int)ijk.Y, (int)ijk.Z);
            var total = new Vec3(moved.GetElement(3 * n), moved.GetElement(3 * n + 1), moved.GetElement(3 * n + 2));
            var expected = placement.PatientToAtlas.TransformPoint(p) + new Vec3(1.5, -2, 0.25);
            Assert.That((p + total - expected).Norm, Is.InRange(0, 1e-3));
        }
    }
}
