using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.MetricTestSupport;

namespace SlicerReg.Core.Tests;

public class MetricSummaryTests
{
    [Test]
    public void Summary_by_hand()
    {
        // 1, 2, 4, 9: mean 4, squared deviations 9 + 4 + 0 + 25 = 38, sample sd √(38/3); median (2 + 4)/2.
        var s = MetricSummary.Of(new[] { 4.0, 1, double.NaN, 9, 2 });
        Assert.That((s.Count, s.Excluded), Is.EqualTo((4, 1)));
        Assert.That(s.Mean, Is.EqualTo(4.0).Within(1e-15));
        Assert.That(s.StandardDeviation, Is.EqualTo(Math.Sqrt(38.0 / 3)).Within(1e-15));
        Assert.That(s.Median, Is.EqualTo(3.0));
        Assert.That((s.Min, s.Max), Is.EqualTo((1.0, 9.0)));
        Assert.That(MetricSummary.Of(new[] { 5.0, 1, 3 }).Median, Is.EqualTo(3.0));
        Assert.That(MetricSummary.Of(new[] { 7.0 }).StandardDeviation, Is.EqualTo(0.0));
        var none = MetricSummary.Of(new[] { double.NaN });
        Assert.That((none.Count, none.Excluded, double.IsNaN(none.Mean)), Is.EqualTo((0, 1, true)));
    }

    static IReadOnlyList<CaseMetrics> TwoCases()
    {
        var g = ImageGeometry.Axial(new GridSize(16, 14, 12), new Vec3(0.8, 1.1, 2.5));
        var r = Blobs(g, seed: 51, count: 3);
        var t = Blobs(g, seed: 51, count: 3, jitter: 1.5);
        var img = Volume.Create(g, SmoothRandom(g.Size, 52));
        var img2 = Volume.Create(g, SmoothRandom(g.Size, 53));
        var a = CaseMetrics.Compute("case,01 \"left\"", r, t, img, img2, new SsimOptions(1000));
        var b = CaseMetrics.Compute("case02", r, Labels(g));   // empty prediction and no images: distances and SSIM undefined
        return new[] { a, b };
    }

    [Test]
    public void Case_metrics_agree_with_the_individual_metrics()
    {
        var c = TwoCases();
        Assert.That(c[0].Dice, Is.InRange(0.3, 0.99));
        Assert.That(c[0].Ssim, Is.InRange(-1.0, 1.0));
        Assert.That((c[1].Dice, c[1].Jaccard), Is.EqualTo((0.0, 0.0)));
        Assert.That(new[] { c[1].Assd, c[1].Hd95, c[1].Hausdorff, c[1].Ssim }, Is.All.NaN);
        var g = ImageGeometry.Axial(new GridSize(16, 14, 12), new Vec3(0.8, 1.1, 2.5));
        Assert.That(() => CaseMetrics.Compute("x", Labels(g), Labels(g), Volume.Create(g, new double[g.Size.VoxelCount]), null),
                    Throws.ArgumentException.With.Message.Contain("both"));
    }

    [Test]
    public void Csv_and_json_tables_read_back()
    {
        var cases = TwoCases();
        using var tmp = new TempFolder();
        string csv = tmp.File("metrics.csv"), json = tmp.File("metrics.json");
        MetricsTable.WriteCsv(csv, cases);
        MetricsTable.WriteJson(json, cases);
        Assert.That(Directory.GetFiles(tmp.Path), Has.Length.EqualTo(2), "no temporary files left behind");

        var lines = File.ReadAllLines(csv);
        Assert.That(lines[0], Is.EqualTo("case,dice,jaccard,assd_mm,hd95_mm,hausdorff_mm,ssim"));
        Assert.That(lines[1], Does.StartWith("\"case,01 \"\"left\"\"\","));
        var fields = lines[1][(lines[1].LastIndexOf('"') + 2)..].Split(',');
        Assert.That(fields.Select(f => double.Parse(f, CultureInfo.InvariantCulture)), Is.EqualTo(cases[0].Values));
        Assert.That(lines[2], Is.EqualTo("case02,0,0,,,,"));

        var root = JObject.Parse(File.ReadAllText(json));
        Assert.That((string?)root["definitions"]!["hd95_mm"], Does.Contain("95th percentile"));
        Assert.That((string?)root["cases"]![0]!["case"], Is.EqualTo(cases[0].CaseId));
        Assert.That((double)root["cases"]![0]!["hd95_mm"]!, Is.EqualTo(cases[0].Hd95));
        Assert.That(root["cases"]![1]!["assd_mm"]!.Type, Is.EqualTo(JTokenType.Null));
        Assert.That((double)root["summary"]!["dice"]!["mean"]!, Is.EqualTo(cases[0].Dice / 2).Within(1e-15));
        Assert.That(((int)root["summary"]!["assd_mm"]!["n"]!, (int)root["summary"]!["assd_mm"]!["undefined"]!), Is.EqualTo((1, 1)));
    }
}
