using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using static SlicerReg.Core.Tests.DrrTestVolumes;

namespace SlicerReg.Core.Tests;

/// <summary>
/// The physics test of the view convention: a small dense bead at a known RAS point must appear in the rendered DRR
/// at the pixel that pinhole projection of the canonical view predicts (CalibratedView.Project and the PixelCenter formula).
/// </summary>
public class DrrConventionTests
{
    static readonly Vec3 GridCenter = new(-15, 25, 40);

    /// <summary>An oblique, anisotropic grid with a 3×3×3-voxel bead of μ = 5 /mm centred on voxel (ci, cj, ck).</summary>
    static (Volume Ct, Vec3 BeadRas) Bead(int ci, int cj, int ck)
    {
        var g = Centered(new GridSize(48, 40, 36), new Vec3(0.5, 0.6, 0.45), Oblique(15, -20, 35), GridCenter);
        var ct = new Volume(g, VoxelType.Float32);
        for (int k = ck - 1; k <= ck + 1; k++) for (int j = cj - 1; j <= cj + 1; j++) for (int i = ci - 1; i <= ci + 1; i++) ct[i, j, k] = 5;
        return (ct, g.IndexToRas(new Vec3(ci, cj, ck)));
    }

    static (double Column, double Row, int MaxColumn, int MaxRow) Render(Volume ct, CalibratedView view)
        => Centroid(DrrRenderer.Render(ct, view, new DrrOptions { Attenuation = AttenuationModel.Identity }));

    [TestCase(0, 0)]
    [TestCase(37, 10)]
    [TestCase(90, 0)]
    [TestCase(-60, -15)]
    [TestCase(150, 25)]
    public void Bead_LandsWherePinholeProjectionPredicts(double primary, double secondary)
    {
        var (ct, bead) = Bead(30, 14, 20);
        var view = new CArmGeometry
        {
            PrimaryAngleDeg = primary, SecondaryAngleDeg = secondary, Isocenter = GridCenter + new Vec3(2, -3, 1.5),
            Columns = 72, Rows = 64, ColumnSpacingMm = 0.5, RowSpacingMm = 0.4, PrincipalOffsetColumnMm = 1.5, PrincipalOffsetRowMm = -2.5,
        }.ToView();
        var predicted = view.Project(bead)!.Value;
        // The pixel formula and the projection agree: the bead lies on the ray from the source through that pixel centre.
        Assert.That(DistanceToLine(bead, view.Source, view.PixelCenter(predicted.Column, predicted.Row)), Is.LessThan(1e-6));
        var seen = Render(ct, view);
        Assert.That(seen.Column, Is.EqualTo(predicted.Column).Within(0.2), "column of the bead's centroid");
        Assert.That(seen.Row, Is.EqualTo(predicted.Row).Within(0.2), "row of the bead's centroid");
        Assert.That(Math.Abs(seen.MaxColumn - predicted.Column), Is.LessThanOrEqualTo(2.0), "the bead's footprint is ~3 pixels wide");
        Assert.That(Math.Abs(seen.MaxRow - predicted.Row), Is.LessThanOrEqualTo(2.0), "the bead's footprint is ~3 pixels wide");
    }

    [Test]
    public void ApPreset_PatientLeftIsAtLargerColumns_SuperiorAtSmallerRows()
    {
        var ap = ViewPresets.Ap.ToView();
        Assert.That(ap.Source.Y, Is.GreaterThan(900), "ap: the source is anterior (+y in RAS)");
        Assert.That(Math.Abs(ap.Source.X) + Math.Abs(ap.Source.Z), Is.LessThan(1e-9));
        Assert.That(ViewPresets.Lateral.ToView().Source.X, Is.LessThan(-900), "primary +90: the source is at the patient's left (−x in RAS)");

        // Beads in a grid centred on the isocentre (RAS origin), one voxel of 1 mm each.
        var g = Centered(new GridSize(61, 41, 61), new Vec3(1, 1, 1), Mat3.Identity, Vec3.Zero);
        (double C, double R) Where(Vec3 ras)
        {
            var ct = new Volume(g, VoxelType.Float32);
            var ijk = g.RasToIndex(ras);
            ct[(int)Math.Round(ijk.X), (int)Math.Round(ijk.Y), (int)Math.Round(ijk.Z)] = 10;
            var c = Render(ct, ap);
            return (c.Column, c.Row);
        }
        var left = Where(new Vec3(-20, 0, 0));     // patient's left: −R
        var right = Where(new Vec3(20, 0, 0));
        var superior = Where(new Vec3(0, 0, 20));
        var inferior = Where(new Vec3(0, 0, -20));
        Assert.That(left.C, Is.GreaterThan(right.C + 30), "patient's left appears at larger column indices (radiological display)");
        Assert.That(superior.R, Is.LessThan(inferior.R - 30), "superior appears at smaller row indices (head up)");
        Assert.That(left.R, Is.EqualTo(right.R).Within(0.5));
        // The isocentre projects onto the detector centre (no principal-point offset in the preset).
        var centre = Where(Vec3.Zero);
        Assert.That(centre.C, Is.EqualTo((ap.Columns - 1) / 2.0).Within(0.5));
        Assert.That(centre.R, Is.EqualTo((ap.Rows - 1) / 2.0).Within(0.5));
    }
}
