using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Tests;

/// <summary>Hand-computed checks of the one geometry convention (docs/conventions.md).</summary>
public class GeometryTests
{
    [Test]
    public void IjkToRasIsDirectionTimesSpacingPlusOrigin()
    {
        // i along patient Left (−x RAS), j along Anterior, k along Superior; spacing 0.5, 2, 3.
        var dir = Mat3.FromColumns(new Vec3(-1, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1));
        var g = new ImageGeometry(new GridSize(4, 5, 6), new Vec3(0.5, 2, 3), new Vec3(10, 20, 30), dir);
        Assert.That(g.IndexToRas(new Vec3(2, 1, 1)), Is.EqualTo(new Vec3(9, 22, 33)));
        Assert.That(g.IjkToRas.ToRowMajor(), Is.EqualTo(new double[] { -0.5, 0, 0, 10, 0, 2, 0, 20, 0, 0, 3, 30, 0, 0, 0, 1 }));
        var back = g.RasToIndex(new Vec3(9, 22, 33));
        Assert.That((back - new Vec3(2, 1, 1)).Norm, Is.LessThan(1e-12));
    }

    [Test]
    public void LpsIsRasWithFirstTwoAxesFlipped()
    {
        Assert.That(PatientCoordinates.RasToLps(new Vec3(1, 2, 3)), Is.EqualTo(new Vec3(-1, -2, 3)));
        var g = ImageGeometry.Axial(new GridSize(2, 2, 2), new Vec3(1, 1, 1), new Vec3(5, 6, 7));
        // The same grid in LPS: origin (−5, −6, 7), direction diag(−1, −1, 1).
        Assert.That(g.OriginIn(CoordinateSystem.LPS), Is.EqualTo(new Vec3(-5, -6, 7)));
        Assert.That(g.DirectionIn(CoordinateSystem.LPS).ToRowMajor(), Is.EqualTo(new double[] { -1, 0, 0, 0, -1, 0, 0, 0, 1 }));
        var fromLps = ImageGeometry.FromLps(g.Size, g.Spacing, g.OriginIn(CoordinateSystem.LPS), g.DirectionIn(CoordinateSystem.LPS));
        Assert.That(fromLps.ApproximatelyEquals(g), Is.True);
    }

    [Test]
    public void ObliqueGeometrySurvivesDecompositionOfItsMatrix()
    {
        double a = 0.3, b = -0.7;
        var rz = new Mat3(new[] { Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1 });
        var rx = new Mat3(new[] { 1, 0, 0, 0, Math.Cos(b), -Math.Sin(b), 0, Math.Sin(b), Math.Cos(b) });
        var g = new ImageGeometry(new GridSize(3, 4, 5), new Vec3(0.664, 0.8, 1.25), new Vec3(-12.5, 40, 7), rz * rx);
        var h = ImageGeometry.FromIndexToWorld(g.Size, g.IndexToWorld(CoordinateSystem.LPS), CoordinateSystem.LPS);
        Assert.That(h.ApproximatelyEquals(g, 1e-12), Is.True);
        Assert.That((h.Spacing - g.Spacing).Norm, Is.LessThan(1e-12));
    }

    [Test]
    public void InvalidGeometriesAreRefusedWithTheReason()
    {
        var size = new GridSize(2, 2, 2);
        Assert.That(() => new ImageGeometry(size, new Vec3(1, 0, 1), Vec3.Zero, Mat3.Identity), Throws.ArgumentException.With.Message.Contains("spacing"));
        var degenerate = Mat3.FromColumns(new Vec3(1, 0, 0), new Vec3(1, 0, 0), new Vec3(0, 0, 1));
        Assert.That(() => new ImageGeometry(size, new Vec3(1, 1, 1), Vec3.Zero, degenerate), Throws.ArgumentException.With.Message.Contains("not invertible"));
        Assert.That(() => new ImageGeometry(new GridSize(0, 2, 2), new Vec3(1, 1, 1), Vec3.Zero, Mat3.Identity), Throws.ArgumentException.With.Message.Contains("grid size"));
    }

    [Test]
    public void CalibratedViewPixelCentresFollowTheCanonicalFormula()
    {
        // Detector 4 columns × 3 rows, 2 mm × 1 mm, columns toward patient left (−x), rows toward inferior (−z).
        var v = new CalibratedView(new Vec3(0, 500, 0), new Vec3(0, -500, 0), new Vec3(-1, 0, 0), new Vec3(0, 0, -1), 2, 1, 4, 3);
        Assert.That(v.PixelCenter(0, 0), Is.EqualTo(new Vec3(3, -500, 1)));   // c−1.5 = −1.5 → x = +3; r−1 = −1 → z = +1
        Assert.That(v.PixelCenter(3, 2), Is.EqualTo(new Vec3(-3, -500, -1)));
        Assert.That(v.SourceToDetectorDistance, Is.EqualTo(1000).Within(1e-9));
        Assert.That(v.Normal, Is.EqualTo(new Vec3(0, 1, 0)));
        // A point halfway between source and detector projects with magnification 2.
        var p = v.Project(new Vec3(-1, 0, 0.5))!.Value;
        Assert.That(p.Column, Is.EqualTo(2.5).Within(1e-12)); // x = −2 at the detector → 1 column right of centre 1.5
        Assert.That(p.Row, Is.EqualTo(0.0).Within(1e-12));    // z = +1 at the detector → row 0
        Assert.That(v.Project(new Vec3(0, 600, 0)), Is.Null, "a point behind the source has no projection");
    }

    [Test]
    public void CalibratedViewCanonicalJsonRoundTripsAndRejectsBadInput()
    {
        var v = new CalibratedView(new Vec3(1, 2, 3), new Vec3(4, -900, 6), new Vec3(0, 0, 1), new Vec3(1, 0, 0), 0.5, 0.25, 160, 224);
        var w = CalibratedView.FromJsonString(v.ToJsonString());
        Assert.That(w.ToJsonString(), Is.EqualTo(v.ToJsonString()));
        Assert.That(() => CalibratedView.FromJsonString("{\"source\":[0,0]}", "ap.json"), Throws.InstanceOf<FormatException>().With.Message.Contains("ap.json"));
        string notPerpendicular = v.ToJsonString().Replace("\"rowDirection\": [\n    1.0,\n    0.0,\n    0.0\n  ]", "\"rowDirection\": [0, 0.6, 0.8]");
        Assert.That(notPerpendicular, Is.Not.EqualTo(v.ToJsonString()));
        Assert.That(() => CalibratedView.FromJsonString(notPerpendicular), Throws.InstanceOf<FormatException>().With.Message.Contains("perpendicular"));
    }
}
