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
    public void Boxes_span_the_quartiles_at_their_group_with_median_whiskers_and_outliers_where_the_data_say()
    {
        using var tmp = new TempFolder();
        var groups = new (string, IReadOnlyList<double>)[] { ("identity", Sample(40, 1, 0.6)), ("affine", Sample(40, 2, 0.8)), ("full", Sample(40, 3, 0.92)) };
        var f = BoxPlot.Render("Dice per method", "Dice", groups);
        var (png, pic) = PlotReference.SaveAndCheck(f, tmp, "box.png");
        Assert.That((f.X.Min, f.X.Max), Is.EqualTo((-0.5, 2.5)), "one slot per group");
        double halfBox = (f.X.Map(BoxPlot.BoxWidth / 2) - f.X.Map(0));
        for (int n = 0; n < 3; n++)
        {
            var s = BoxStatistics.Of(groups[n].Item2);
            var colour = Palette.Colour(n);
            string name = groups[n].Item1;
            double cx = f.X.Map(n);
            var slot = new PixelRect((int)Math.Round(f.X.Map(n - 0.5)), f.PlotArea.Top, (int)Math.Round(f.X.Map(n + 0.5) - f.X.Map(n - 0.5)), f.PlotArea.Height);
            // The fill: tint pixels between the whisker ends (the caps' anti-aliased edges blend to the same tint), left
            // and right of the whisker stem, span Q1..Q3 and the box width, centred on the group.
            int top = (int)Math.Ceiling(f.Y.Map(s.UpperWhisker)) + 3, bottom = (int)Math.Floor(f.Y.Map(s.LowerWhisker)) - 3;
            var left = pic.Near(BoxPlot.Tint(colour), 3, new PixelRect((int)Math.Round(cx - halfBox) - 3, top, (int)halfBox, bottom - top));
            var right = pic.Near(BoxPlot.Tint(colour), 3, new PixelRect((int)Math.Round(cx) + 4, top, (int)halfBox, bottom - top));
            TestContext.Out.WriteLine($"{name}: fill rows {left.Rows[0]}..{left.Rows[^1]} (Q3 {f.Y.Map(s.Q3):0.0}, Q1 {f.Y.Map(s.Q1):0.0}), columns {left.Columns[0]}..{right.Columns[1]} (centre {cx:0.0})");
            Assert.That(left.Rows[0], Is.EqualTo(f.Y.Map(s.Q3)).Within(3), $"{name}: box top at Q3");
            Assert.That(left.Rows[^1], Is.EqualTo(f.Y.Map(s.Q1)).Within(3), $"{name}: box bottom at Q1");
            Assert.That(right.Rows[0], Is.EqualTo(left.Rows[0]).Within(1), $"{name}: both halves of the box");
            Assert.That(right.Rows[^1], Is.EqualTo(left.Rows[^1]).Within(1), $"{name}: both halves of the box");
            Assert.That((left.Columns[0] + right.Columns[1]) / 2.0, Is.EqualTo(cx).Within(2), $"{name}: box centred on its group");
            Assert.That(right.Columns[1] - left.Columns[0], Is.EqualTo(2 * halfBox).Within(5), $"{name}: box width");
            // Inside the box, the black line is the median.
            var inner = new PixelRect((int)(cx - halfBox / 2), (int)Math.Ceiling(f.Y.Map(s.Q3)) + 3, (int)halfBox, (int)(f.Y.Map(s.Q1) - f.Y.Map(s.Q3)) - 6);
            var median = pic.Near(Rgb.Black, 60, inner);
            Assert.That(median.Count, Is.GreaterThan(10), $"{name}: median line");
            Assert.That(median.MeanRow!.Value, Is.EqualTo(f.Y.Map(s.Median)).Within(1.5), $"{name}: median line at the median");
            // Whiskers in the group colour on the box's axis reach the whisker values; the outlier dots lie beyond them.
            var stem = pic.Near(colour, 40, new PixelRect((int)Math.Round(cx) - 2, f.PlotArea.Top, 5, f.PlotArea.Height));
            Assert.That(stem.Rows[0], Is.EqualTo(f.Y.Map(s.UpperWhisker)).Within(3), $"{name}: upper whisker");
            var below = pic.Near(colour, 40, new PixelRect((int)Math.Round(cx) - 2, (int)f.Y.Map(s.Q1) + 3, 5, (int)(f.Y.Map(s.LowerWhisker) - f.Y.Map(s.Q1)) + 6));
            Assert.That(below.Rows[^1], Is.EqualTo(f.Y.Map(s.LowerWhisker)).Within(3), $"{name}: lower whisker");
            foreach (double o in s.Outliers)
            {
                var dot = pic.Near(colour, 40, new PixelRect((int)Math.Round(cx) - 4, (int)Math.Round(f.Y.Map(o)) - 4, 9, 9));
                Assert.That(dot.Count, Is.GreaterThan(4), $"{name}: outlier {o} drawn");
            }
            Assert.That(s.Outliers.Count, Is.GreaterThan(0), "the planted outliers are outliers");
        }
        Assert.That(pic.Dark(new PixelRect(f.PlotArea.Left, f.PlotArea.Bottom + 2, f.PlotArea.Width, f.Height - f.PlotArea.Bottom - 2)), Is.GreaterThan(60), "names and n under the boxes");
    }

    [Test]
    public void A_group_without_values_gets_no_box_but_all_empty_is_an_error()
    {
        using var tmp = new TempFolder();
        var f = BoxPlot.Render("t", "v", new (string, IReadOnlyList<double>)[] { ("a", new[] { 1.0, 2, 3 }), ("none", new[] { double.NaN }) }, 400, 300);
        var (_, drawn) = PlotReference.SaveAndCheck(f, tmp, "one.png");
        Assert.That((f.Width, f.Height), Is.EqualTo((400, 300)));
        var right = new PixelRect((int)Math.Round(f.X.Map(0.5)), f.PlotArea.Top, (int)Math.Round(f.X.Map(1.5) - f.X.Map(0.5)), f.PlotArea.Height);
        Assert.That(drawn.Near(BoxPlot.Tint(Palette.Colour(1)), 3, right).Count, Is.Zero, "no box for the empty group");
        Assert.That(drawn.Near(BoxPlot.Tint(Palette.Colour(0)), 3).Count, Is.GreaterThan(100), "a box for the other");
        string png = tmp.File("bad.png");
        var e = Assert.Throws<ArgumentException>(() => BoxPlot.Write(png, "t", "v", new (string, IReadOnlyList<double>)[] { ("x", new[] { double.NaN }) }))!;
        Assert.That(e.Message, Does.Contain("no group has a finite value"));
        Assert.That(Assert.Throws<ArgumentException>(() => BoxPlot.Write(png, "t", "v", Array.Empty<(string, IReadOnlyList<double>)>()))!.Message, Does.Contain("at least one group"));
        Assert.That(File.Exists(png), Is.False);
    }
}
