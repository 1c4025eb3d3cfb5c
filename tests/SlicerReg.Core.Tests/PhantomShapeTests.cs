using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Tests;

/// <summary>Geometry of the rasterised phantom measured from its voxels and compared with its parameters.</summary>
public class PhantomShapeTests
{
    static readonly ImageGeometry Standard = NetworkPreset.Standard.AtlasGrid;

    /// <summary>RAS centres of all voxels whose mask value satisfies <paramref name="inside"/>.</summary>
    internal static List<Vec3> Points(Volume mask, Func<byte, bool> inside)
    {
        var g = mask.Geometry; var m = mask.As<byte>(); var pts = new List<Vec3>();
        for (int k = 0; k < g.Size.K; k++)
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i < g.Size.I; i++)
                    if (inside(m[mask.LinearIndex(i, j, k)])) pts.Add(g.IndexToRas(new Vec3(i, j, k)));
        return pts;
    }

    static Vec3 Mean(IReadOnlyList<Vec3> pts) { var s = Vec3.Zero; foreach (var p in pts) s += p; return s / pts.Count; }

    /// <summary>Principal axis (largest-variance direction) by power iteration on the covariance matrix.</summary>
    internal static Vec3 PrincipalAxis(IReadOnlyList<Vec3> pts)
    {
        var c = Mean(pts); var cov = new double[9];
        foreach (var p in pts) { var d = p - c; for (int r = 0; r < 3; r++) for (int q = 0; q < 3; q++) cov[3 * r + q] += d[r] * d[q]; }
        var m = new Mat3(cov); var v = new Vec3(0.3, 0.2, 1).Normalized();
        for (int n = 0; n < 500; n++) v = (m * v).Normalized();
        return v;
    }

    static double AngleDeg(Vec3 a, Vec3 b) => Math.Acos(Math.Clamp(a.Normalized().Dot(b.Normalized()), -1, 1)) * 180 / Math.PI;

    [Test]
    public void HeadVolumeAndCentreMatchTheSphere()
    {
        foreach (var p in new[] { FemurParameters.Mean, FemurParameters.Sample(3) })
        {
            var head = FemurPhantom.RasterisePart(p, PhantomPart.Head, Standard);
            var pts = Points(head, v => v == 1);
            var s = Standard.Spacing;
            double volume = pts.Count * s.X * s.Y * s.Z, r = p.HeadDiameter / 2;
            double analytic = 4.0 / 3 * Math.PI * r * r * r;
            Assert.That(volume / analytic, Is.EqualTo(1).Within(0.02), $"head volume {volume:F0} mm³ vs 4/3πr³ = {analytic:F0} mm³");
            Assert.That(Mean(pts).Norm, Is.LessThan(0.3), "head centroid should be the frame origin (RAS 0, 0, 0)");
        }
    }

    [Test]
    public void FemurLabelReachesTheHeadPoles()
    {
        // The head is the top-most and medial-most part of the whole femur: the label must stop at z = +r and x = −r.
        foreach (var p in new[] { FemurParameters.Mean, FemurParameters.Sample(8) })
        {
            var label = FemurPhantom.Rasterise(p, Standard).Label;
            var femur = Points(label, v => v == FemurPhantom.FemurLabel);
            double r = p.HeadDiameter / 2;
            Assert.That(femur.Max(q => q.Z), Is.EqualTo(r).Within(Standard.Spacing.Z), "top of the femur = top of the head");
            Assert.That(femur.Min(q => q.X), Is.EqualTo(-r).Within(Standard.Spacing.X), "medial end of the femur = medial pole of the head");
            Assert.That(femur.Max(q => q.X), Is.GreaterThan(new FemurShape(p).NeckShaftPoint.X + p.ShaftDiameter / 2), "greater trochanter lateral of the shaft");
        }
    }

    [TestCase(-1)]
    [TestCase(11)]
    [TestCase(29)]
    public void NeckShaftAngleAndAnteversionMeasuredFromVoxels(int seed)
    {
        var p = seed < 0 ? FemurParameters.Mean : FemurParameters.Sample(seed);
        var neckPts = Points(FemurPhantom.RasterisePart(p, PhantomPart.Neck, Standard), v => v == 1);
        var neck = PrincipalAxis(neckPts); if (neck.Z < 0) neck = -neck; // toward the head
        // The frame's shaft axis is −z (the chord of the bowed shaft): the neck-shaft angle is the angle to it.
        Assert.That(AngleDeg(neck, new Vec3(0, 0, -1)), Is.EqualTo(p.NeckShaftAngle).Within(2), "neck-shaft angle");
        double anteversion = Math.Atan2(neck.Y, -neck.X) * 180 / Math.PI;
        Assert.That(anteversion, Is.EqualTo(p.Anteversion).Within(2), "anteversion");
    }

    [TestCase(-1)]
    [TestCase(3)]
    [TestCase(77)]
    public void NeckAxisFromTheWholeFemurLabel(int seed)
    {
        // Independent of the part masks: femur voxels in a shell just outside the head are the base of the neck; the
        // direction from the head centre to their centroid is the neck axis (pointing away from the head).
        var p = seed < 0 ? FemurParameters.Mean : FemurParameters.Sample(seed);
        double r = p.HeadDiameter / 2;
        var shell = Points(FemurPhantom.Rasterise(p, Standard).Label, v => v == FemurPhantom.FemurLabel)
            .Where(q => q.Norm > r + 3 && q.Norm < r + 9).ToList();
        Assert.That(shell.Count, Is.GreaterThan(500));
        var towardHead = -Mean(shell).Normalized();
        Assert.That(AngleDeg(towardHead, new Vec3(0, 0, -1)), Is.EqualTo(p.NeckShaftAngle).Within(2), "neck-shaft angle");
        Assert.That(Math.Atan2(towardHead.Y, -towardHead.X) * 180 / Math.PI, Is.EqualTo(p.Anteversion).Within(2), "anteversion");
    }

    [TestCase(-1)]
    [TestCase(29)]
    public void ShaftIsAnAnteriorlyBowedTubeAlongMinusZ(int seed)
    {
        // Centres of two thin shaft slabs, from the whole-femur label, below the trochanters.
        var p = seed < 0 ? FemurParameters.Mean : FemurParameters.Sample(seed);
        var femur = Points(FemurPhantom.Rasterise(p, Standard).Label, v => v == FemurPhantom.FemurLabel);
        var P = new FemurShape(p).NeckShaftPoint;
        double z1 = -p.LesserTrochanterDistance - 40, z2 = Standard.Origin.Z; // below the trochanters; lowest slice
        Vec3 Centre(double z) => Mean(femur.Where(q => Math.Abs(q.Z - z) < 0.5 * Standard.Spacing.Z + 1e-9).ToList());
        double Bow(double z) { double s = P.Z - z; return s * (FemurShape.ShaftChordLength - s) / (2 * p.BowRadius); }
        foreach (var c in new[] { Centre(z1), Centre(z2) })
        {
            // Straight in x along the frame's z; anterior by the bow s(c − s)/(2R), s = depth below the neck-shaft point P.
            Assert.That(c.X - P.X, Is.EqualTo(0).Within(0.3), $"x of the shaft centre at z = {c.Z}");
            Assert.That(c.Y - P.Y, Is.EqualTo(Bow(c.Z)).Within(0.3), $"anterior bow at z = {c.Z}");
        }
        Assert.That(Bow(Centre(z1).Z), Is.GreaterThan(0.5), "a visible bow");
        // Diameter: area of a slab section.
        double area = femur.Count(q => Math.Abs(q.Z - z2) < 0.5 * Standard.Spacing.Z) * Standard.Spacing.X * Standard.Spacing.Y;
        Assert.That(2 * Math.Sqrt(area / Math.PI), Is.EqualTo(p.ShaftDiameter).Within(0.5), "shaft diameter");
    }

    [Test]
    public void OffsetIsTheDistanceFromHeadCentreToShaftAxis()
    {
        var p = FemurParameters.Sample(21);
        var shaftPts = Points(FemurPhantom.Rasterise(p, Standard).Label, v => v == FemurPhantom.FemurLabel)
            .Where(q => q.Z < -p.LesserTrochanterDistance - 40).ToList();
        var c = Mean(shaftPts); var axis = PrincipalAxis(shaftPts);
        var rel = Vec3.Zero - c;
        double distance = (rel - rel.Dot(axis) * axis).Norm;
        // The bow moves the shaft centroid forward by up to the sagitta (≈ c²/(8R) ≈ 1–3 mm).
        Assert.That(distance, Is.EqualTo(p.FemoralOffset).Within(3));
    }

    [Test]
    public void JointSpaceSeparatesFemurFromPelvis()
    {
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var label = FemurPhantom.Rasterise(FemurParameters.Sample(seed), Standard).Label;
            var l = label.As<byte>(); var n = label.Size; int contacts = 0, pelvis = 0;
            for (int k = 1; k < n.K - 1; k++) for (int j = 1; j < n.J - 1; j++) for (int i = 1; i < n.I - 1; i++)
            {
                long x = label.LinearIndex(i, j, k);
                if (l[x] == FemurPhantom.PelvisLabel) pelvis++;
                if (l[x] != FemurPhantom.FemurLabel) continue;
                foreach (long y in new[] { x - 1, x + 1, x - n.I, x + n.I, x - (long)n.I * n.J, x + (long)n.I * n.J })
                    if (l[y] == FemurPhantom.PelvisLabel) contacts++;
            }
            Assert.That(pelvis, Is.GreaterThan(1000), "some pelvis is present");
            Assert.That(contacts, Is.Zero, $"seed {seed}: femur voxels touch pelvis voxels across the joint space");
        }
    }

    [Test]
    public void SameAnatomyOnAnObliqueGridAndUnderAWarp()
    {
        // Any geometry: a grid rotated 20° about the AP axis still puts the head centre at RAS (0, 0, 0).
        double a = 20 * Math.PI / 180;
        var dir = new Mat3(new[] { Math.Cos(a), 0, Math.Sin(a), 0, 1, 0, -Math.Sin(a), 0, Math.Cos(a) });
        var g = new ImageGeometry(new GridSize(48, 48, 48), new Vec3(1.2, 1.2, 1.2), Vec3.Zero, dir);
        g = new ImageGeometry(g.Size, g.Spacing, -(g.IjkToRas.Linear * new Vec3(23.5, 23.5, 23.5)), dir); // centred on the head
        var p = FemurParameters.Mean;
        Assert.That(Mean(Points(FemurPhantom.RasterisePart(p, PhantomPart.Head, g), v => v == 1)).Norm, Is.LessThan(0.3));

        // A pull-back translation warp moves the anatomy by the translation (across z the shaft leaves the grid, so move in x, y).
        var t = new Vec3(5, -3, 0);
        var moved = FemurPhantom.Rasterise(p, Standard, x => x - t).Label;
        var still = FemurPhantom.Rasterise(p, Standard).Label;
        var c0 = Mean(Points(still, v => v == FemurPhantom.FemurLabel)); var c1 = Mean(Points(moved, v => v == FemurPhantom.FemurLabel));
        Assert.That((c1 - c0 - t).Norm, Is.LessThan(1.0), $"femur centroid moved by {c1 - c0}, expected {t}");
    }

    [Test]
    public void PresetsCoverThePaperBox()
    {
        Assert.That(NetworkPreset.Paper.VolumeSize, Is.EqualTo(new GridSize(192, 128, 192)));
        Assert.That(NetworkPreset.Paper.VolumeSpacingMm, Is.EqualTo(new Vec3(0.664, 0.664, 1.0)));
        foreach (var grid in NetworkPreset.All)
        {
            var g = grid.AtlasGrid;
            var lo = g.IndexToRas(new Vec3(-0.5, -0.5, -0.5)); var hi = g.IndexToRas(new Vec3(g.Size.I - 0.5, g.Size.J - 0.5, g.Size.K - 0.5));
            Assert.That((hi - lo).X, Is.EqualTo(192 * 0.664).Within(1e-9), grid.Name);
            Assert.That((hi - lo).Y, Is.EqualTo(128 * 0.664).Within(1e-9), grid.Name);
            Assert.That((hi - lo).Z, Is.EqualTo(192.0).Within(1e-9), grid.Name);
            Assert.That(hi.Z, Is.EqualTo(40).Within(1e-9), "top of every grid 40 mm above the head centre");
            Assert.That(g.Direction.ApproximatelyEquals(Mat3.Identity, 0), Is.True);
        }
        Assert.That(NetworkPreset.Named("Standard"), Is.SameAs(NetworkPreset.Standard));
        Assert.Throws<ArgumentException>(() => NetworkPreset.Named("huge"));
    }
}
