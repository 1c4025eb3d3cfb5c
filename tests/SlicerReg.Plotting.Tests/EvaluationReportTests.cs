using Newtonsoft.Json.Linq;
using SlicerReg.Core.Evaluation;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class EvaluationReportTests
{
    /// <summary>
    /// A synthetic evaluation: <paramref name="count"/> cases × three methods whose Dice improves identity → affine → full,
    /// generalised angles (AP 0 ± 30°, lateral 90 ± 30°) or orthogonal ones, a few undefined values, SSIM optional.
    /// </summary>
    public static List<EvaluatedCase> Synthetic(int count, bool generalised, bool withSsim = true, int seed = 11)
    {
        var rng = new Random(seed);
        var list = new List<EvaluatedCase>();
        var angles = Enumerable.Range(0, count).Select(_ => generalised ? (-30 + 60 * rng.NextDouble(), 60 + 60 * rng.NextDouble()) : (0.0, 90.0)).ToArray();
        foreach (var (method, quality) in new[] { ("identity", 0.55), ("affine", 0.8), ("full", 0.92) })
            for (int n = 0; n < count; n++)
            {
                var (ap, lat) = angles[n];
                double orthogonality = 1 - Math.Abs(lat - ap - 90) / 120;   // best near 90° apart, as in Fig. 4
                double dice = Math.Clamp(quality * (0.9 + 0.1 * orthogonality) + 0.04 * (rng.NextDouble() - 0.5), 0, 1);
                double assd = (1 - dice) * 12 + rng.NextDouble();
                var m = new CaseMetrics($"case{n:000}", dice, dice / (2 - dice), assd, 2.5 * assd, 4 * assd,
                                        withSsim ? 0.5 + 0.4 * dice : double.NaN);
                if (n == 3 && method == "affine") m = m with { Hd95 = double.NaN, Hausdorff = double.NaN };   // an undefined value
                list.Add(new EvaluatedCase(m.CaseId, method, ap, lat, m));
            }
        return list;
    }

    [Test]
    public void Writes_table_summary_box_plots_and_heat_maps_that_independent_tools_read_back()
    {
        using var tmp = new TempFolder();
        string dir = Path.Combine(tmp.Path, "report");   // created by the writer
        var cases = Synthetic(60, generalised: true);
        var written = EvaluationReport.Write(dir, cases);
        var names = written.Select(Path.GetFileName).ToArray();
        TestContext.Out.WriteLine(string.Join(", ", names));
        Assert.That(names, Is.EquivalentTo(new[]
        {
            "cases.csv", "summary.json", "boxplot_dice.png", "boxplot_jaccard.png", "boxplot_assd.png", "boxplot_hd95.png", "boxplot_ssim.png",
            "heatmap_dice_identity.png", "heatmap_dice_affine.png", "heatmap_dice_full.png",
        }));
        Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(names), "nothing else (no temporary files) left");
        var pngs = written.Where(p => p.EndsWith(".png")).ToArray();
        var decoded = PlotReference.DecodeAll(pngs, tmp);
        Assert.That(decoded.Keys, Is.EquivalentTo(pngs));
        foreach (var png in pngs)
        {
            var d = decoded[png];
            int w = d.Width, h = d.Height;
            double nonWhite = d.NonWhite;
            TestContext.Out.WriteLine($"{Path.GetFileName(png)}: {w}×{h}, {nonWhite:P1} not white");
            if (Path.GetFileName(png).StartsWith("boxplot")) Assert.That((w, h), Is.EqualTo((800, 500)), png);
            else
            {
                var bins = AngleBins.Of(cases.Where(c => png.EndsWith($"_{c.Method}.png")).ToList(), m => m.Dice, EvaluationReport.AngleBinDeg);
                int cols = bins.ApOffsetCentresDeg.Count, rows = bins.LateralOffsetCentresDeg.Count;
                Assert.That((w, h), Is.EqualTo((cols * 48 + 230, rows * 48 + 130)), $"{png}: {cols} AP × {rows} lateral bins of 48 pixels and the margins");
            }
            Assert.That(nonWhite, Is.InRange(0.02, 0.9), $"{png}: something drawn on white");
        }

        // summary.json against numpy on the CSV (mean, std ddof=1, median, min, max per method and metric).
        var py = PlotReference.Run("summary", Path.Combine(dir, "cases.csv"));
        var ours = JObject.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        Assert.That(ours["methods"]!.ToObject<string[]>(), Is.EqualTo(new[] { "identity", "affine", "full" }));
        Assert.That(ours["definitions"]!["dice"], Is.Not.Null);
        int compared = 0;
        foreach (var method in new[] { "identity", "affine", "full" })
        {
            Assert.That(ours["summary"]![method]!["cases"]!.Value<int>(), Is.EqualTo(60));
            foreach (var metric in CaseMetrics.MetricNames)
            {
                var a = ours["summary"]![method]![metric]!; var b = py[method]![metric]!;
                Assert.That(a["n"]!.Value<int>(), Is.EqualTo(b["n"]!.Value<int>()), $"{method} {metric} n");
                foreach (var stat in new[] { "mean", "sd", "median", "min", "max" })
                {
                    Assert.That(a[stat]!.Value<double>(), Is.EqualTo(b[stat]!.Value<double>()).Within(1e-12), $"{method} {metric} {stat}");
                    compared++;
                }
            }
        }
        Assert.That(ours["summary"]!["affine"]!["hd95_mm"]!["undefined"]!.Value<int>(), Is.EqualTo(1));
        TestContext.Out.WriteLine($"{compared} statistics equal numpy's");
    }

    [Test]
    public void Angle_bins_match_numpy_medians_and_the_heat_map_shows_them()
    {
        using var tmp = new TempFolder();
        var cases = Synthetic(80, generalised: true, seed: 4);
        EvaluationReport.Write(tmp.Path, cases);
        var py = PlotReference.Run("anglebins", tmp.File("cases.csv"), "full", "10");
        var bins = AngleBins.Of(cases.Where(c => c.Method == "full").ToList(), m => m.Dice, 10);
        Assert.That(bins.ApOffsetCentresDeg, Is.EqualTo(py["ap_centres"]!.ToObject<double[]>()).Within(1e-12));
        Assert.That(bins.LateralOffsetCentresDeg, Is.EqualTo(py["lateral_centres"]!.ToObject<double[]>()).Within(1e-12));
        Assert.That(bins.ApOffsetCentresDeg, Has.Count.EqualTo(6), "±30° in 10° bins");
        var median = (JArray)py["median"]!;
        int filled = 0;
        for (int r = 0; r < bins.LateralOffsetCentresDeg.Count; r++)
            for (int c = 0; c < bins.ApOffsetCentresDeg.Count; c++)
            {
                var m = median[r][c]!;
                if (m.Type == JTokenType.Null) { Assert.That(bins.Median[r, c], Is.NaN); Assert.That(bins.Count[r, c], Is.Zero); continue; }
                Assert.That(bins.Median[r, c], Is.EqualTo(m.Value<double>()).Within(1e-14), $"bin ({r}, {c})");
                filled++;
            }
        Assert.That(bins.Count.Cast<int>().Sum(), Is.EqualTo(80));
        Assert.That(filled, Is.GreaterThan(20));

        // The heat map the report saved shows those medians' colours (its layout from the same rendering).
        var f = EvaluationReport.DiceHeatMap("full", cases.Where(c => c.Method == "full").ToList());
        string png = tmp.File("heatmap_dice_full.png");
        Assert.That(File.ReadAllBytes(png), Is.EqualTo(f.Png), "the report saved this rendering");
        HeatMapTests.AssertCellColours(PlotReference.DecodeAll(new[] { png }, tmp)[png], f, bins.Median);
    }

    [Test]
    public void Orthogonal_set_gets_no_heat_maps_and_an_undefined_metric_no_box_plot()
    {
        using var tmp = new TempFolder();
        var names = EvaluationReport.Write(tmp.Path, Synthetic(10, generalised: false, withSsim: false)).Select(Path.GetFileName).ToArray();
        Assert.That(names, Is.EquivalentTo(new[] { "cases.csv", "summary.json", "boxplot_dice.png", "boxplot_jaccard.png", "boxplot_assd.png", "boxplot_hd95.png" }));
        var ssim = JObject.Parse(File.ReadAllText(tmp.File("summary.json")))["summary"]!["full"]!["ssim"]!;
        Assert.That((ssim["n"]!.Value<int>(), ssim["undefined"]!.Value<int>(), ssim["mean"]!.Type), Is.EqualTo((0, 10, JTokenType.Null)));
    }

    [Test]
    public void Case_ids_with_commas_and_quotes_survive_the_csv()
    {
        using var tmp = new TempFolder();
        var m = new CaseMetrics("x", 0.9, 0.8, 1, 2, 3, double.NaN);
        EvaluationReport.Write(tmp.Path, new[] { new EvaluatedCase("left, \"odd\" femur", "full", 0, 90, m), new EvaluatedCase("b", "full", 0, 90, m) });
        var o = ExternalTool.Check(ExternalTool.Python, "-c", "import csv, sys, json; print(json.dumps(list(csv.DictReader(open(sys.argv[1])))))", tmp.File("cases.csv"));
        var rows = JArray.Parse(o);
        Assert.That(rows[0]["case"]!.Value<string>(), Is.EqualTo("left, \"odd\" femur"));
        Assert.That(rows[0]["ssim"]!.Value<string>(), Is.EqualTo(""), "NaN is an empty field");
        Assert.That(rows[1]["lateral_primary_angle_deg"]!.Value<string>(), Is.EqualTo("90"));
    }

    [Test]
    public void Bad_input_is_an_argument_error_naming_the_case_and_writes_nothing()
    {
        using var tmp = new TempFolder();
        var good = Synthetic(3, generalised: true);
        string Message(IReadOnlyList<EvaluatedCase> cases) => Assert.Throws<ArgumentException>(() => EvaluationReport.Write(tmp.Path, cases))!.Message;
        Assert.That(Message(Array.Empty<EvaluatedCase>()), Does.Contain("at least one evaluated case"));
        Assert.That(Message(good.Append(good[1]).ToList()), Does.Contain("case case001 is evaluated twice for method identity"));
        Assert.That(Message(good.Append(good[0] with { Method = "x", ApPrimaryAngleDeg = double.NaN }).ToList()), Does.Contain("case case000 (x): primary angles must be finite"));
        Assert.That(Message(good.Append(good[0] with { Method = " " }).ToList()), Does.Contain("case case000 has no method name"));
        Assert.That(Message(good.Append(good[0] with { Method = "y", Metrics = null! }).ToList()), Does.Contain("has no metrics"));
        Assert.That(Message(new[] { good[0] with { CaseId = "" } }), Does.Contain("has no case id"));
        Assert.That(Message(new[] { good[0] with { Method = "a b" }, good[0] with { Method = "a_b" } }), Does.Contain("methods 'a b' and 'a_b' would share the file name heatmap_dice_a_b.png"));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
    }
}
