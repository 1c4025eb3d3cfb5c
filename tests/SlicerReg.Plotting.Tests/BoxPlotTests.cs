using Newtonsoft.Json.Linq;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class BoxPlotTests
{
    /// <summary>Dice-like values around <paramref name="centre"/> with a few far outliers.</summary>
    static double[] Sample(int n, int seed, double centre = 0.9, int outliers = 3)
    {
        var rng = new Random(seed);
        var v = Enumerable.Range(0, n).Select(_ => centre + 0.03 * (rng.NextDouble() + rng.NextDouble() - 1)).ToList();
        for (int k = 0; k < outliers && k < n; k++) v[rng.Next(n)] = centre - 0.2 - 0.1 * rng.NextDouble();
        return v.ToArray();
    }

    [TestCase(1, 0)]
    [TestCase(2, 0)]
    [TestCase(7, 1)]
    [TestCase(50, 3)]
    [TestCase(101, 6)]
    public void Box_statistics_match_matplotlib_boxplot_stats_and_numpy_percentile(int n, int outliers)
    {
        using var tmp = new TempFolder();
        var v = Sample(n, seed: n, outliers: outliers).Append(double.NaN).ToArray();
        PlotReference.WriteRaw(tmp.File("v.raw"), v);
        var py = PlotReference.Run("boxstats", tmp.File("v.raw"));
        var s = BoxStatistics.Of(v);
        TestContext.Out.WriteLine($"ours Q1 {s.Q1} median {s.Median} Q3 {s.Q3} whiskers {s.LowerWhisker}..{s.UpperWhisker} outliers {s.Outliers.Count}; matplotlib {py.ToString(Newtonsoft.Json.Formatting.None)}");
        Assert.That((s.Count, s.Excluded), Is.EqualTo((n, 1)));
        Assert.That(s.Q1, Is.EqualTo(py["q1"]!.Value<double>()).Within(1e-14));
        Assert.That(s.Q1, Is.EqualTo(py["numpy_q1"]!.Value<double>()).Within(1e-14));
        Assert.That(s.Median, Is.EqualTo(py["median"]!.Value<double>()).Within(1e-14));
        Assert.That(s.Q3, Is.EqualTo(py["q3"]!.Value<double>()).Within(1e-14));
        Assert.That(s.LowerWhisker, Is.EqualTo(py["lower_whisker"]!.Value<double>()).Within(1e-14));
        Assert.That(s.UpperWhisker, Is.EqualTo(py["upper_whisker"]!.Value<double>()).Within(1e-14));
        Assert.That(s.Outliers.OrderBy(x => x), Is.EqualTo(py["outliers"]!.Values<double>()).Within(1e-14));
        if (outliers > 0) Assert.That(s.Outliers, Is.Not.Empty, "the planted outliers are outliers");
    }

    [Test]
    public void Boxes_span_the_quartiles_with_the_median_line_in_black()
    {
        using var tmp = new TempFolder();
        var groups = new (string, IReadOnlyList<double>)[] { ("identity", Sample(40, 1, 0.6)), ("affine", Sample(40, 2, 0.8)), ("full", Sample(40, 3, 0.92)) };
        var f = BoxPlot.Render("Dice per method", "Dice", groups);
        string png = PlotReference.SaveAndCheck(f, tmp, "box.png");
        var p = f.PlotArea;
        var all = groups.SelectMany(g => g.Item2).ToArray();
        var ticks = NiceTicks.Linear(all.Min(), all.Max(), 7);
        var y = new AxisScale(ticks.Min, ticks.Max, false, p.Bottom - 1, p.Top);
        double slot = p.Width / 3.0;
        for (int n = 0; n < 3; n++)
        {
            var s = BoxStatistics.Of(groups[n].Item2);
            var colour = Palette.Colour(n);
            var fill = new Rgb((byte)((colour.R + 255) / 2), (byte)((colour.G + 255) / 2), (byte)((colour.B + 255) / 2));
            var column = new PixelRect(p.Left + (int)(n * slot), p.Top, (int)slot, p.Height);
            var (_, rows, _) = PlotReference.Colour(png, fill, column);
            Assert.That(rows.Min(), Is.EqualTo((int)Math.Round(y.Map(s.Q3)) + 1), $"{groups[n].Item1}: fill starts under the Q3 edge");
            Assert.That(rows.Max(), Is.EqualTo((int)Math.Round(y.Map(s.Q1)) - 1), $"{groups[n].Item1}: fill ends above the Q1 edge");
            int cx = (int)Math.Round(p.Left + (n + 0.5) * slot);
            var at = PlotReference.Pixels(png, (cx, (int)Math.Round(y.Map(s.Median))), (cx, (int)Math.Round(y.Map(s.UpperWhisker))), (cx, (int)Math.Round(y.Map(s.Outliers[0]))));
            Assert.That(at[0], Is.EqualTo(Rgb.Black), "median line");
            Assert.That(at[1], Is.EqualTo(Rgb.Black), "whisker cap");
            Assert.That(at[2], Is.EqualTo(colour), "outlier dot");
        }
    }

    [Test]
    public void A_group_without_values_gets_no_box_but_all_empty_is_an_error()
    {
        using var tmp = new TempFolder();
        var f = BoxPlot.Render("t", "v", new (string, IReadOnlyList<double>)[] { ("a", new[] { 1.0, 2, 3 }), ("none", new[] { double.NaN }) }, 400, 300);
        Assert.That(f.Canvas.Rgb.Length, Is.EqualTo(3 * 400 * 300));
        string png = tmp.File("bad.png");
        var e = Assert.Throws<ArgumentException>(() => BoxPlot.Write(png, "t", "v", new (string, IReadOnlyList<double>)[] { ("x", new[] { double.NaN }) }))!;
        Assert.That(e.Message, Does.Contain("no group has a finite value"));
        Assert.That(Assert.Throws<ArgumentException>(() => BoxPlot.Write(png, "t", "v", Array.Empty<(string, IReadOnlyList<double>)>()))!.Message, Does.Contain("at least one group"));
        Assert.That(File.Exists(png), Is.False);
    }
}
