using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Population;
using static SlicerReg.Core.Tests.PopulationTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Random subjects: determinism, one connected femur inside the grid, anatomy and pose measured back from labels.</summary>
public class PopulationSubjectTests
{
    static readonly SubjectOptions Tiny = new() { Preset = NetworkPreset.Tiny };
    static readonly SubjectOptions Standard = new() { Preset = NetworkPreset.Standard };

    [Test]
    public void SameSeedSameBytesDifferentSeedDifferentBytes()
    {
        var a = SubjectGenerator.Generate(5, Tiny); var b = SubjectGenerator.Generate(5, Tiny); var c = SubjectGenerator.Generate(6, Tiny);
        Assert.That(a.Images.Ct.Bytes.SequenceEqual(b.Images.Ct.Bytes), Is.True, "CT of the same seed");
        Assert.That(a.Images.Label.Bytes.SequenceEqual(b.Images.Label.Bytes), Is.True, "label of the same seed");
        Assert.That(a.Images.Ct.Bytes.SequenceEqual(c.Images.Ct.Bytes), Is.False, "CT of another seed");
        Assert.That(a.Images.Label.Bytes.SequenceEqual(c.Images.Label.Bytes), Is.False, "label of another seed");
        Assert.That(a.Pose, Is.EqualTo(b.Pose)); Assert.That(a.Pose, Is.Not.EqualTo(c.Pose));
    }

    [Test]
    public void RasterisedOnItsOwnGridASubjectIsItsImages()
    {
        // The paper-grid truth (simulate --truth-grid paper) re-evaluates the drawn subject at other voxel centres; on the
        // subject's own grid that must be the subject itself, or the fine truth would be another subject.
        var sides = new HashSet<FemurSide>();
        for (int seed = 1; sides.Count < 2 && seed < 20; seed++)
        {
            var s = SubjectGenerator.Generate(seed, Tiny);
            var again = SubjectGenerator.RasteriseOn(s, NetworkPreset.Tiny);
            Assert.That(again.Ct.Bytes.SequenceEqual(s.Images.Ct.Bytes) && again.Label.Bytes.SequenceEqual(s.Images.Label.Bytes), Is.True, $"seed {seed} ({s.GeneratedSide})");
            sides.Add(s.GeneratedSide);
        }
        Assert.That(sides, Has.Count.EqualTo(2), "a left and a right subject were tried");
    }

    [Test]
    public void LeftPathMirrorsBackToTheRightSubject()
    {
        // The left femur is rasterised on the reflected grid and mirrored back: for the (symmetric-free) phantom this must
        // reproduce the right subject; a wrong flip or grid would move the femur by 24 mm (the grid centre is at x = 12).
        var p = FemurParameters.Sample(4); var pose = new PoseVariation(6, -4, 8);
        var d = SubjectGenerator.Deformation(NetworkPreset.Tiny, 3, 77);
        var right = SubjectGenerator.Rasterise(p, pose, d, FemurSide.Right, NetworkPreset.Tiny);
        var left = SubjectGenerator.Rasterise(p, pose, d, FemurSide.Left, NetworkPreset.Tiny);
        Assert.That(left.Label.Geometry.ApproximatelyEquals(right.Label.Geometry, 1e-9), Is.True);
        var l = left.Ct.As<short>(); var r = right.Ct.As<short>();
        int differ = Enumerable.Range(0, l.Length).Count(n => Math.Abs(l[n] - r[n]) > 1);
        Assert.That(differ, Is.LessThanOrEqualTo(l.Length / 10000), "CT voxels differing by more than 1 HU (rounding of the reflected grid only)");
        Assert.That(Dice(left.Label, right.Label, 1), Is.GreaterThan(0.999));
        // And the un-mirrored left femur really is on the other side: its head is medial of the shaft toward +x.
        var raw = FemurPhantom.Rasterise(p, FemurMirror.MirrorGeometry(NetworkPreset.Tiny.AtlasGrid), x => FemurMirror.Reflection * x).Label;
        var head = FemoralHead.Locate(raw, 1, "left");
        Assert.That(FemoralHead.DetectSide(raw, 1, head.Centre, "left"), Is.EqualTo(FemurSide.Left));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    public void EveryLabelIsOneConnectedFemurLeavingTheGridOnlyAtTheBottom(int seed)
    {
        // 26-connectivity; the shaft is cut by the bottom face (k = 0) by design, no other face may be touched.
        foreach (var options in new[] { Tiny, Standard with { DeformationAmplitudeMm = 5 } })
        {
            var s = SubjectGenerator.Generate(seed, options);
            Assert.That(Components26(s.Images.Label, FemurPhantom.FemurLabel), Is.EqualTo(1), $"{options.Preset.Name} seed {seed}: femur components");
            Assert.That(FacesTouched(s.Images.Label, FemurPhantom.FemurLabel), Is.EquivalentTo(new[] { "k-" }), $"{options.Preset.Name} seed {seed}: faces");
        }
    }

    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    public void HeadDiameterAndNeckShaftAngleMeasuredFromTheLabelAreInRange(int seed)
    {
        var s = SubjectGenerator.Generate(seed, Standard);
        var label = s.Images.Label;
        // Head: the locator's estimate seeds a least-squares sphere fit to the head's surface voxels (voxel centres lie
        // about half a voxel inside the surface, hence + h/2).
        var est = FemoralHead.Locate(label, 1, "subject");
        var (centre, radius) = FitHeadSphere(label, est.Centre, est.RadiusMm + 1);
        double h = (NetworkPreset.Standard.VolumeSpacingMm.X + NetworkPreset.Standard.VolumeSpacingMm.Y + NetworkPreset.Standard.VolumeSpacingMm.Z) / 3;
        double diameter = 2 * radius + h;
        var spec = FemurParameters.Spec(FemurParameter.HeadDiameter);
        Assert.That(diameter, Is.InRange(spec.Min - 1, spec.Max + 1), "head diameter within the parameter range (± 1 mm measurement)");
        // The deformation (≤ 3 mm per component, 40 mm lattice) may change the head size by about its gradient × radius.
        Assert.That(diameter, Is.EqualTo(s.Parameters.HeadDiameter).Within(3), "head diameter vs the drawn value");

        // Neck axis as in PhantomShapeTests (base of the neck in a shell around the head); shaft axis = principal axis of
        // the femur well below the lesser trochanter. Both move with the pose, the angle between them does not.
        var femur = Femur(label);
        var shell = femur.Where(q => (q - centre).Norm > radius + 3 && (q - centre).Norm < radius + 9).ToList();
        var shaftPts = femur.Where(q => q.Z < centre.Z - s.Parameters.LesserTrochanterDistance - 40).ToList();
        var shaft = PhantomShapeTests.PrincipalAxis(shaftPts); if (shaft.Z > 0) shaft = -shaft; // distal
        double nsa = AngleDeg(centre - Mean(shell), shaft); // neck axis toward the head vs the distal shaft, as in the phantom tests
        var nsaSpec = FemurParameters.Spec(FemurParameter.NeckShaftAngle);
        Assert.That(nsa, Is.InRange(nsaSpec.Min - 3, nsaSpec.Max + 3), "neck-shaft angle within the range (± 3° measurement)");
        Assert.That(nsa, Is.EqualTo(s.Parameters.NeckShaftAngle).Within(4), "neck-shaft angle vs the drawn value");
    }

    [TestCase(21)]
    [TestCase(22)]
    [TestCase(23)]
    [TestCase(24)]
    public void PoseTiltsTheShaftAsDrawnAndNoMoreThanTenDegreesPerAxis(int seed)
    {
        var neutral = SubjectGenerator.Generate(seed, Standard with { PoseRangeDeg = 0, DeformationAmplitudeMm = 0 });
        var posed = SubjectGenerator.Generate(seed, Standard with { DeformationAmplitudeMm = 0 });
        Assert.That(new[] { posed.Pose.FlexionDeg, posed.Pose.AdductionDeg, posed.Pose.InternalRotationDeg }, Has.All.InRange(-10.0, 10.0));
        // Shaft direction from the centroids of two thin horizontal slabs (a slab of a tilted cylinder is an ellipse centred
        // on its axis, so the cut does not bias the direction as a principal axis of a horizontally cut segment would).
        Vec3 Axis(Subject s)
        {
            var f = Femur(s.Images.Label);
            Vec3 C(double z) => Mean(f.Where(q => Math.Abs(q.Z - z) < 1.5).ToList());
            return C(-140) - C(-95);
        }
        Vec3 a0 = Axis(neutral), a1 = Axis(posed);
        double measured = AngleDeg(a0, a1), expected = AngleDeg(a0, posed.Pose.Rotation * a0);
        Assert.That(measured, Is.EqualTo(expected).Within(1.0), "shaft tilt measured vs the drawn rotation");
        // Flexion and adduction tilt the shaft (≤ 10° each, so ≤ acos(cos²10°) = 14.1°); internal rotation turns it about itself.
        Assert.That(measured, Is.LessThanOrEqualTo(Math.Acos(Math.Cos(10 * Math.PI / 180) * Math.Cos(10 * Math.PI / 180)) * 180 / Math.PI + 1));
        // Direction: flexion moves the distal shaft anterior (+y), adduction medial (−x).
        if (Math.Abs(posed.Pose.FlexionDeg) > 3) Assert.That(Math.Sign(a1.Y - a0.Y), Is.EqualTo(Math.Sign(posed.Pose.FlexionDeg)), "flexion sign");
        if (Math.Abs(posed.Pose.AdductionDeg) > 3) Assert.That(Math.Sign(a1.X - a0.X), Is.EqualTo(-Math.Sign(posed.Pose.AdductionDeg)), "adduction sign");
    }

    [Test]
    public void DeformationIsBoundedSmoothAndSeeded()
    {
        var d = new SmoothDeformation(new Vec3(-60, -60, -160), new Vec3(80, 40, 50), 3, 9);
        var rng = new Random(1); double max = 0, maxSlope = 0;
        for (int n = 0; n < 2000; n++)
        {
            var p = new Vec3(rng.Next(-60, 80), rng.Next(-60, 40), rng.Next(-160, 50));
            var u = d.Displacement(p);
            max = Math.Max(max, Math.Max(Math.Abs(u.X), Math.Max(Math.Abs(u.Y), Math.Abs(u.Z))));
            var v = d.Displacement(p + new Vec3(0.5, 0.5, 0.5));
            maxSlope = Math.Max(maxSlope, (v - u).Norm / (0.5 * Math.Sqrt(3)));
        }
        Assert.That(max, Is.LessThanOrEqualTo(3).And.GreaterThan(0.5), "displacement components within ± amplitude, not zero");
        Assert.That(maxSlope, Is.LessThan(0.5), "gradient well below 1: invertible, no folding");
        var same = new SmoothDeformation(new Vec3(-60, -60, -160), new Vec3(80, 40, 50), 3, 9);
        Assert.That(same.Displacement(new Vec3(1, 2, 3)), Is.EqualTo(d.Displacement(new Vec3(1, 2, 3))));
        Assert.That(new SmoothDeformation(Vec3.Zero, new Vec3(10, 10, 10), 0, 9).Displacement(new Vec3(5, 5, 5)), Is.EqualTo(Vec3.Zero));
    }
}
