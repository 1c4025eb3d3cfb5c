using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>The three view forms (canonical, C-arm, projection matrix), their round trips, presets and view files.</summary>
public class ViewsTests
{
    static CArmGeometry Arm(double primary, double secondary, Vec3? iso = null, double offC = 0, double offR = 0) => new()
    {
        PrimaryAngleDeg = primary, SecondaryAngleDeg = secondary, Isocenter = iso ?? new Vec3(12, -30, 45),
        SourceToDetectorMm = 1000, SourceToIsocenterMm = 925, Columns = 160, Rows = 224,
        ColumnSpacingMm = 1.0, RowSpacingMm = 0.8, PrincipalOffsetColumnMm = offC, PrincipalOffsetRowMm = offR,
    };

    static void AssertSameView(CalibratedView a, CalibratedView b, double tol = 1e-6)
    {
        Assert.That((a.Source - b.Source).Norm, Is.LessThan(tol), "source");
        Assert.That((a.DetectorCenter - b.DetectorCenter).Norm, Is.LessThan(tol), "detector centre");
        Assert.That((a.ColumnDirection - b.ColumnDirection).Norm, Is.LessThan(tol), "column direction");
        Assert.That((a.RowDirection - b.RowDirection).Norm, Is.LessThan(tol), "row direction");
        Assert.That(a.ColumnSpacingMm, Is.EqualTo(b.ColumnSpacingMm).Within(tol));
        Assert.That(a.RowSpacingMm, Is.EqualTo(b.RowSpacingMm).Within(tol));
        Assert.That((a.Columns, a.Rows), Is.EqualTo((b.Columns, b.Rows)));
    }

    [Test]
    public void CArm_ReferencePose_IsApWithRadiologicalDisplay()
    {
        var v = Arm(0, 0, Vec3.Zero).ToView();
        Assert.That((v.Source - new Vec3(0, 925, 0)).Norm, Is.LessThan(1e-9), "source anterior, SOD from the isocentre");
        Assert.That((v.DetectorCenter - new Vec3(0, -75, 0)).Norm, Is.LessThan(1e-9), "detector posterior at SDD − SOD");
        Assert.That((v.ColumnDirection - new Vec3(-1, 0, 0)).Norm, Is.LessThan(1e-12), "columns toward the patient's left (−R)");
        Assert.That((v.RowDirection - new Vec3(0, 0, -1)).Norm, Is.LessThan(1e-12), "rows toward inferior (−S)");
        Assert.That(v.SourceToDetectorDistance, Is.EqualTo(1000).Within(1e-9));
    }

    [Test]
    public void CArm_AngleSigns()
    {
        Assert.That(Arm(90, 0, Vec3.Zero).ToView().Source.X, Is.EqualTo(-925).Within(1e-9), "+90 puts the source at the patient's left (−x in RAS)");
        Assert.That(Arm(-90, 0, Vec3.Zero).ToView().Source.X, Is.EqualTo(925).Within(1e-9), "−90 puts the source at the patient's right");
        var tilted = Arm(0, 20, Vec3.Zero).ToView();
        Assert.That(tilted.Source.Z, Is.EqualTo(925 * Math.Sin(20 * Math.PI / 180)).Within(1e-9), "+secondary tilts the source toward cranial (+S)");
        Assert.That(tilted.DetectorCenter.Z, Is.LessThan(0), "and the detector toward caudal");
        var lat = ViewPresets.Lateral.ToView();
        Assert.That(lat.Source.X, Is.LessThan(-900));
        Assert.That(ViewPresets.Ap.ToView().Source.Y, Is.GreaterThan(900), "ap preset: source anterior (+y in RAS)");
    }

    [TestCase(0, 0, 0, 0)]
    [TestCase(37, 10, 5, -3)]
    [TestCase(90, 0, 0, 12)]
    [TestCase(-60, -15, -7.5, 2)]
    [TestCase(179, 45, 1, 1)]
    public void CArm_Canonical_ProjectionMatrix_RoundTrip(double primary, double secondary, double offC, double offR)
    {
        var arm = Arm(primary, secondary, null, offC, offR);
        var view = arm.ToView();
        var back = CArmGeometry.FromView(view, arm.SourceToIsocenterMm);
        Assert.That(back.PrimaryAngleDeg, Is.EqualTo(primary).Within(1e-9));
        Assert.That(back.SecondaryAngleDeg, Is.EqualTo(secondary).Within(1e-9));
        Assert.That((back.Isocenter - arm.Isocenter).Norm, Is.LessThan(1e-9));
        Assert.That(back.PrincipalOffsetColumnMm, Is.EqualTo(offC).Within(1e-9));
        Assert.That(back.PrincipalOffsetRowMm, Is.EqualTo(offR).Within(1e-9));
        Assert.That(back.SourceToDetectorMm, Is.EqualTo(1000).Within(1e-9));

        var p = ProjectionMatrix.FromView(view);
        AssertSameView(p.ToView(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm), view);
        AssertSameView(p.ToView(view.Columns, view.Rows, sourceToDetectorMm: 1000), view);
        // Any non-zero scale of P is the same camera, as long as w stays positive in front.
        var scaled = new ProjectionMatrix(p.ToRowMajor().Select(x => 3.7 * x).ToArray());
        AssertSameView(scaled.ToView(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm), view);
    }

    [Test]
    public void ProjectionMatrix_ProjectsLikeThePixelFormula()
    {
        var rng = new Random(7);
        foreach (var (pa, sa) in new[] { (0.0, 0.0), (37.0, 10.0), (90.0, 0.0), (-60.0, -15.0) })
        {
            var view = Arm(pa, sa, null, 4, -6).ToView();
            var p = ProjectionMatrix.FromView(view);
            for (int n = 0; n < 50; n++)
            {
                // A point on the ray from the source through a random pixel: it must project back onto that pixel.
                double c = rng.NextDouble() * view.Columns, r = rng.NextDouble() * view.Rows, f = 0.3 + 0.6 * rng.NextDouble();
                var x = view.Source + f * (view.PixelCenter(c, r) - view.Source);
                var proj = p.Project(x)!.Value;
                Assert.That(proj.Column, Is.EqualTo(c).Within(1e-7));
                Assert.That(proj.Row, Is.EqualTo(r).Within(1e-7));
                var viaView = view.Project(x)!.Value;
                Assert.That(viaView.Column, Is.EqualTo(c).Within(1e-7));
                Assert.That(viaView.Row, Is.EqualTo(r).Within(1e-7));
            }
            Assert.That(p.Project(view.Source + (view.Source - view.DetectorCenter)), Is.Null, "behind the source");
        }
    }

    [Test]
    public void CalibratedView_EqualsByValue_ToleranceZero()
    {
        var view = Arm(37, 10, null, 4, -6).ToView();
        var same = CalibratedView.FromJsonString(view.ToJsonString());
        Assert.That(same, Is.Not.SameAs(view));
        Assert.That(same == view && same.Equals(view) && same.GetHashCode() == view.GetHashCode(), Is.True, "a view read back from its canonical JSON");
        Assert.That(new HashSet<CalibratedView> { view, same }, Has.Count.EqualTo(1));
        // One ulp off in any single field is another view.
        static double Ulp(double x) => Math.BitIncrement(x);
        var v = view;
        var others = new[]
        {
            new CalibratedView(v.Source with { X = Ulp(v.Source.X) }, v.DetectorCenter, v.ColumnDirection, v.RowDirection, v.ColumnSpacingMm, v.RowSpacingMm, v.Columns, v.Rows),
            new CalibratedView(v.Source, v.DetectorCenter with { Z = Ulp(v.DetectorCenter.Z) }, v.ColumnDirection, v.RowDirection, v.ColumnSpacingMm, v.RowSpacingMm, v.Columns, v.Rows),
            new CalibratedView(v.Source, v.DetectorCenter, v.ColumnDirection, v.RowDirection, v.ColumnSpacingMm, Ulp(v.RowSpacingMm), v.Columns, v.Rows),
            new CalibratedView(v.Source, v.DetectorCenter, v.ColumnDirection, v.RowDirection, v.ColumnSpacingMm, v.RowSpacingMm, v.Columns + 1, v.Rows),
        };
        foreach (var other in others) Assert.That(other == view || other.Equals(view), Is.False, other.ToJsonString());
        Assert.That(view.Equals((object)"view") || view.Equals(null), Is.False);
    }

    [Test]
    public void ProjectionMatrix_RejectsInconsistentSpacing()
    {
        var view = Arm(10, 0).ToView();
        var p = ProjectionMatrix.FromView(view);
        Assert.Throws<ArgumentException>(() => p.ToView(view.Columns, view.Rows, 1.0, 1.0)); // the view has 1.0 × 0.8
        Assert.Throws<ArgumentException>(() => p.ToView(view.Columns, view.Rows));
    }

    [Test]
    public void CArm_FromView_RejectsRolledDetector()
    {
        var v = Arm(0, 0).ToView();
        var rolled = new CalibratedView(v.Source, v.DetectorCenter, v.RowDirection, v.ColumnDirection, 1, 1, 10, 10);
        var e = Assert.Throws<ArgumentException>(() => CArmGeometry.FromView(rolled));
        Assert.That(e!.Message, Does.Contain("rolled or mirrored"));
    }

    [Test]
    public void ViewFile_AllThreeForms_LoadToTheSameView()
    {
        using var tmp = new TempFolder();
        var arm = Arm(-60, -15, null, 3, 4);
        var view = arm.ToView();

        ViewFile.Save(view, tmp.File("canonical.json"));
        var text = File.ReadAllText(tmp.File("canonical.json"));
        Assert.That(JObject.Parse(text).Properties().Select(p => p.Name), Is.EquivalentTo(new[] { "source", "detectorCenter", "columnDirection", "rowDirection", "pixelSpacing", "size" }));
        AssertSameView(ViewFile.Load(tmp.File("canonical.json")), view);

        File.WriteAllText(tmp.File("carm.json"), arm.ToJson().ToString());
        AssertSameView(ViewFile.Load(tmp.File("carm.json")), view);

        var pjson = ProjectionMatrix.ToJson(view);
        pjson["description"] = "a matrix from a calibration phantom";
        File.WriteAllText(tmp.File("matrix.json"), pjson.ToString());
        AssertSameView(ViewFile.Load(tmp.File("matrix.json")), view);

        // A hand-written C-arm file with defaults: SDD 1000, SOD 925, isocentre 0, no tilt, no offset.
        File.WriteAllText(tmp.File("short.json"), """{"primaryAngle": 90, "size": [160, 224], "pixelSpacing": [1, 1]}""");
        AssertSameView(ViewFile.Load(tmp.File("short.json")), ViewPresets.Lateral.ToView());
    }

    [Test]
    public void ViewFile_Presets()
    {
        AssertSameView(ViewFile.Load("ap"), ViewPresets.Ap.ToView());
        AssertSameView(ViewFile.Load("lateral"), ViewPresets.Lateral.ToView());
        var ap = ViewFile.Load("ap");
        Assert.That((ap.Columns, ap.Rows), Is.EqualTo((160, 224)));
    }

    [TestCase("""{"source":[0,0,1000],"detectorCenter":[0,0,0],"columnDirection":[1,0,0],"rowDirection":[0,1,0],"pixelSpacing":[1,1],"size":[4,4],"sid":3}""", "\"sid\"")]
    [TestCase("""{"primaryAngle": 0, "size": [4, 4], "pixelSpacing": [1, 1], "primaryangle": 3}""", "\"primaryangle\"")]
    [TestCase("""{"primaryAngle": 0, "size": [4, 4]}""", "\"pixelSpacing\"")]
    [TestCase("""{"primaryAngle": "ap", "size": [4, 4], "pixelSpacing": [1, 1]}""", "\"primaryAngle\"")]
    [TestCase("""{"primaryAngle": 0, "source": [0, 0, 0]}""", "mixes")]
    [TestCase("""{"projectionMatrix": [[1,0,0,0],[0,1,0,0]], "size": [4, 4], "pixelSpacing": [1, 1]}""", "\"projectionMatrix\"")]
    [TestCase("""{"size": [4, 4]}""", "not a view")]
    [TestCase("""{"source": [0, 0, 0], """, "not valid JSON")]
    [TestCase("""{"primaryAngle": 0, "size": [4, 4], "pixelSpacing": [1, 1], "sourceToIsocenterDistance": 1200}""", "source-to-isocentre")]
    public void ViewFile_BadFiles_NameTheFileAndTheKey(string json, string expected)
    {
        using var tmp = new TempFolder();
        var path = tmp.File("bad.json");
        File.WriteAllText(path, json);
        var e = Assert.Throws<ImageFormatException>(() => ViewFile.Load(path));
        Assert.That(e!.Message, Does.StartWith(path + ":"));
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void ViewFile_MissingFileThatIsNoPreset()
    {
        var e = Assert.Throws<ImageFormatException>(() => ViewFile.Load("/nonexistent/view.json"));
        Assert.That(e!.Message, Does.Contain("not found").And.Contain("ap, lateral"));
    }
}
