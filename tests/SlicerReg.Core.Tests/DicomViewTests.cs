using System.Text.Json.Nodes;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>
/// `--ap-view dicom` (Core/Xray/DicomView): the view of a DICOM radiograph's C-arm attributes equals the Slicer module's
/// (SlicerRegLib.dicom, reading the same pydicom-written files), and its sign conventions hold where a point projects.
/// </summary>
public class DicomViewTests
{
    const int Columns = 64, Rows = 48;

    static Dictionary<string, string> Tags(params (string Key, string Value)[] tags)
    {
        var d = new Dictionary<string, string> { ["ImagerPixelSpacing"] = "0.4\\0.3", ["DistanceSourceToDetector"] = "1200", ["DistanceSourceToPatient"] = "900" };
        foreach (var (k, v) in tags) d[k] = v;
        return d;
    }

    static CalibratedView View(Dictionary<string, string> tags) => DicomView.FromMetadata(tags, Columns, Rows, "x.dcm").View;

    static void AssertSame(CalibratedView a, CalibratedView b, string what)
    {
        foreach (var (x, y, name) in new[] { (a.Source, b.Source, "source"), (a.DetectorCenter, b.DetectorCenter, "detector centre"),
                                             (a.ColumnDirection, b.ColumnDirection, "column direction"), (a.RowDirection, b.RowDirection, "row direction") })
            Assert.That((x - y).Norm, Is.LessThan(1e-9), $"{what}: {name} {x} vs {y}");
        Assert.That((a.ColumnSpacingMm, a.RowSpacingMm, a.Columns, a.Rows), Is.EqualTo((b.ColumnSpacingMm, b.RowSpacingMm, b.Columns, b.Rows)), what);
    }

    [Test]
    public void TheViewEqualsTheSlicerModulesOfTheSameFiles()
    {
        using var tmp = new TempFolder();
        var cases = new (string Name, JsonObject Attributes)[]
        {
            ("lao30_cra15", new JsonObject { ["DistanceSourceToDetector"] = "1200", ["DistanceSourceToPatient"] = "900", ["PositionerPrimaryAngle"] = "30", ["PositionerSecondaryAngle"] = "15" }),
            ("pa_front_magnified", new JsonObject { ["DistanceSourceToDetector"] = "1100", ["EstimatedRadiographicMagnificationFactor"] = "1.1", ["ViewPosition"] = "PA",
                                                    ["PatientOrientation"] = new JsonArray("L", "F") }),
            ("left_lateral", new JsonObject { ["DistanceSourceToDetector"] = "1000", ["DistanceSourceToPatient"] = "925", ["ViewPosition"] = "LL" }),
        };
        var paths = new List<string>();
        foreach (var (name, attributes) in cases)
        {
            var spec = new JsonObject
            {
                ["rows"] = Rows, ["columns"] = Columns, ["bits_allocated"] = 8, ["bits_stored"] = 8, ["pixel_representation"] = 0,
                ["photometric"] = "MONOCHROME2", ["transfer_syntax"] = DicomTransferSyntax.ExplicitVrLittleEndian, ["modality"] = "DX",
                ["imager_pixel_spacing"] = new JsonArray(0.4, 0.3), ["attributes"] = attributes,
            };
            File.WriteAllBytes(tmp.File(name + ".raw"), new byte[Columns * Rows]);
            File.WriteAllText(tmp.File(name + ".json"), spec.ToJsonString());
            ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("pydicom_io.py"), "make", tmp.File(name + ".dcm"), tmp.File(name + ".raw"), tmp.File(name + ".json"));
            paths.Add(tmp.File(name + ".dcm"));
        }
        var theirs = JsonNode.Parse(ExternalTool.Check(ExternalTool.Python, new[] { ExternalTool.ToolScript("bridge_dicom_view.py") }.Concat(paths).ToArray()))!.AsArray();
        for (int n = 0; n < paths.Count; n++)
        {
            var v = VolumeFile.Read(paths[n]);
            var ours = DicomView.FromMetadata(v.Metadata, v.Size.I, v.Size.J, paths[n]).View;
            Vec3 Vec(string key) => new((double)theirs[n]![key]![0]!, (double)theirs[n]![key]![1]!, (double)theirs[n]![key]![2]!);
            var bridge = new CalibratedView(Vec("source"), Vec("detectorCenter"), Vec("columnDirection"), Vec("rowDirection"),
                (double)theirs[n]!["pixelSpacing"]![0]!, (double)theirs[n]!["pixelSpacing"]![1]!, (int)theirs[n]!["size"]![0]!, (int)theirs[n]!["size"]![1]!);
            AssertSame(ours, bridge, cases[n].Name);
        }
    }

    [Test]
    public void DetectorSideAnglesPutTheSourceOppositeAndPointsProjectWhereTheyShould()
    {
        // LAO 30 CRA 15 puts the detector left-anterior-cranial: the source right-posterior-caudal, 900 mm from the isocentre.
        var lao = View(Tags(("PositionerPrimaryAngle", "30"), ("PositionerSecondaryAngle", "15")));
        Assert.That(lao.Source.X, Is.GreaterThan(0)); Assert.That(lao.Source.Y, Is.LessThan(0)); Assert.That(lao.Source.Z, Is.LessThan(0));
        Assert.That(lao.Source.Norm, Is.EqualTo(900).Within(1e-9));
        Assert.That(lao.SourceToDetectorDistance, Is.EqualTo(1200).Within(1e-9));
        Assert.That((lao.ColumnSpacingMm, lao.RowSpacingMm), Is.EqualTo((0.3, 0.4)), "DICOM spacing is row\\column");

        // The detector posterior (PositionerPrimaryAngle 180): an AP exposure, the `ap` preset's pose, and ViewPosition AP says the same.
        var ap = View(Tags(("PositionerPrimaryAngle", "180")));
        AssertSame(ap, View(Tags(("ViewPosition", "AP"))), "angle 180 vs ViewPosition AP");
        var preset = (ViewPresets.Ap with { SourceToDetectorMm = 1200, SourceToIsocenterMm = 900, Columns = Columns, Rows = Rows, ColumnSpacingMm = 0.3, RowSpacingMm = 0.4 }).ToView();
        AssertSame(ap, preset, "AP vs the ap preset");
        Assert.That(ap.Source.Y, Is.EqualTo(900).Within(1e-9), "source anterior");
        // Radiological display: the patient's left on the viewer's right (higher column), superior at the top (lower row).
        var centre = ap.Project(Vec3.Zero)!.Value;
        Assert.That(centre.Column, Is.EqualTo((Columns - 1) / 2.0).Within(1e-9));
        Assert.That(ap.Project(new Vec3(-20, 0, 0))!.Value.Column, Is.GreaterThan(centre.Column + 1), "a point on the patient's left");
        Assert.That(ap.Project(new Vec3(0, 0, 20))!.Value.Row, Is.LessThan(centre.Row - 1), "a superior point");
        // Magnification SDD/SOD: 20 mm at the isocentre spans 20·1200/900 mm on the detector.
        Assert.That((ap.Project(new Vec3(-20, 0, 0))!.Value.Column - centre.Column) * 0.3, Is.EqualTo(20 * 1200 / 900.0).Within(1e-9));

        // Right lateral (ViewPosition RL: the right side on the detector): the source at the patient's left, the `lateral` preset's pose.
        var rl = View(Tags(("ViewPosition", "RL")));
        Assert.That(rl.Source.X, Is.EqualTo(-900).Within(1e-9));
        // A PA stored as seen from the front: PatientOrientation L\F turns the columns back toward the patient's left.
        var pa = View(Tags(("ViewPosition", "PA")));
        var paFront = View(Tags(("ViewPosition", "PA"), ("PatientOrientation", "L\\F")));
        Assert.That(pa.ColumnDirection.X, Is.EqualTo(1).Within(1e-12));
        Assert.That(paFront.ColumnDirection.X, Is.EqualTo(-1).Within(1e-12));
        Assert.That(paFront.Project(new Vec3(-20, 0, 0))!.Value.Column, Is.GreaterThan((Columns - 1) / 2.0 + 1));
    }

    [Test]
    public void MissingAttributesAreNamedNeverDefaulted()
    {
        void Refused(Dictionary<string, string> tags, string problem)
        {
            var e = Assert.Throws<ImageFormatException>(() => View(tags))!;
            Assert.That(e.Message, Does.StartWith("x.dcm: ").And.Contain(problem).And.Contain("view file"));
        }
        var noDistance = Tags(("ViewPosition", "AP")); noDistance.Remove("DistanceSourceToDetector");
        Refused(noDistance, "DistanceSourceToDetector (0018,1110) is missing");
        var noIsocentre = Tags(("ViewPosition", "AP")); noIsocentre.Remove("DistanceSourceToPatient");
        Refused(noIsocentre, "EstimatedRadiographicMagnificationFactor (0018,1114)");
        Refused(Tags(), "neither PositionerPrimaryAngle (0018,1510) nor ViewPosition (0018,5101)");
        Refused(Tags(("ViewPosition", "OBLIQUE")), "\"OBLIQUE\"");
        var noSpacing = Tags(("ViewPosition", "AP")); noSpacing.Remove("ImagerPixelSpacing"); noSpacing["PixelSpacing"] = "0.3\\0.3";
        Refused(noSpacing, "ImagerPixelSpacing (0018,1164)");
    }
}
