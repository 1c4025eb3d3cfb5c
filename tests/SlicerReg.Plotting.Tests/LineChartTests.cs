using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class LineChartTests
{
    /// <summary>Anti-aliased lines: pixels within this of the series colour in every channel count as the line.</summary>
    const int Tolerance = 40;

    static double[] Range(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();

    /// <summary>The data area less a margin, so the frame and tick marks stay out.</summary>
    static PixelRect Inner(Figure f, int margin = 2) => new(f.PlotArea.Left + margin, f.PlotArea.Top + margin, f.PlotArea.Width - 2 * margin, f.PlotArea.Height - 2 * margin);

    [Test]
    public void A_horizontal_line_runs_across_its_data_at_its_value_with_the_legend_outside()
    {
        using var tmp = new TempFolder();
        var f = LineChart.Render("flat", "epoch", "loss", new[] { new Series("constant", Range(11), Enumerable.Repeat(5.0, 11).ToArray()) });
        var (png, pic) = PlotReference.SaveAndCheck(f, tmp, "flat.png");
        Assert.That((f.Width, f.Height), Is.EqualTo((800, 500)));
        Assert.That(f.Y.Min, Is.LessThan(5).And.GreaterThan(3), "the axis is widened around a flat line");
        Assert.That((f.Y.Min + f.Y.Max) / 2, Is.EqualTo(5).Within(1e-9), "symmetrically");
        var line = pic.Profile(Palette.Colour(0), Tolerance, Inner(f)).Where(p => p.MeanRow != null).ToArray();
        TestContext.Out.WriteLine($"plot area {f.PlotArea}; line over columns {line[0].Column}..{line[^1].Column}, rows {line.Min(p => p.MeanRow)}..{line.Max(p => p.MeanRow)}");
        Assert.That(line.Select(p => p.MeanRow!.Value), Is.All.EqualTo(f.Y.Map(5)).Within(1.5), "at y = 5 all along");
        Assert.That(line.Select(p => p.Count), Is.All.InRange(LineChart.LineWidth - 1, LineChart.LineWidth + 2), "about the line width thick");
        Assert.That(line[0].Column, Is.EqualTo(f.X.Map(0)).Within(3), "starts at x = 0");
        Assert.That(line[^1].Column, Is.EqualTo(f.X.Map(10)).Within(3), "ends at x = 10");
        Assert.That(line.Length, Is.GreaterThan((f.X.Map(10) - f.X.Map(0)) - 6), "no holes");
        var legend = pic.Near(Palette.Colour(0), Tolerance, new PixelRect(f.PlotArea.Right + 2, 0, f.Width - f.PlotArea.Right - 2, f.Height));
        Assert.That(legend.Count, Is.GreaterThan(10), "legend swatch right of the plot");
        Assert.That(pic.Dark(new PixelRect(0, f.PlotArea.Top, f.PlotArea.Left - 2, f.PlotArea.Height)), Is.GreaterThan(40), "y label and tick labels");
    }

    [Test]
    public void NaN_points_are_gaps_and_series_take_palette_colours_in_order()
    {
        using var tmp = new TempFolder();
        var y = Range(11).Select(x => 10 - x).ToArray(); y[5] = double.NaN;
        var f = LineChart.Render("gap", "x", "y", new[] { new Series("a", Range(11), Range(11)), new Series("b with gap", Range(11), y) });
        var (png, pic) = PlotReference.SaveAndCheck(f, tmp, "gap.png");
        var p = Inner(f);
        // Around x = 5 the second series has no segment (4–5 and 5–6 are both missing); the first passes through.
        int from = (int)Math.Round(f.X.Map(4.4)), to = (int)Math.Round(f.X.Map(5.6));
        var around5 = new PixelRect(from, p.Top, to - from, p.Height);
        Assert.That(pic.Near(Palette.Colour(1), Tolerance, around5).Count, Is.EqualTo(0), "gap in b");
        Assert.That(pic.Near(Palette.Colour(0), Tolerance, around5).Count, Is.GreaterThan(0), "a passes");
        var b = pic.Profile(Palette.Colour(1), Tolerance, new PixelRect(p.Left, p.Top, (int)f.X.Map(4) - p.Left, p.Height)).Where(q => q.MeanRow != null).ToArray();
        Assert.That(b.Length, Is.GreaterThan(20));
        foreach (var (column, row, _) in b.Where(q => q.Column > f.X.Map(0.3)))
        {
            double x = f.X.Min + (column + 0.5 - f.X.From) / (f.X.To - f.X.From) * (f.X.Max - f.X.Min);
            Assert.That(row!.Value, Is.EqualTo(f.Y.Map(10 - x)).Within(2.5), $"b falls along y = 10 − x at column {column}");
        }
    }

    [Test]
    public void Log_axis_puts_decades_evenly_and_skips_non_positive_values()
    {
        using var tmp = new TempFolder();
        var xs = Enumerable.Range(0, 31).Select(i => i / 10.0).ToArray();
        var ys = xs.Select(x => Math.Pow(10, x)).ToArray(); ys[0] = 0;   // 0 cannot be drawn on a log axis: a gap
        var f = LineChart.Render("log", "x", "y", new[] { new Series("10^x", xs, ys) }, logY: true, width: 640, height: 400);
        var (png, pic) = PlotReference.SaveAndCheck(f, tmp, "log.png");
        Assert.That((f.Y.Min, f.Y.Max, f.Y.Log), Is.EqualTo((1.0, 1000.0, true)), "whole decades around 10^0.1..10^3");
        var rows = new List<double>();
        foreach (double at in new[] { 0.5, 1.5, 2.5 })
        {
            int col = (int)Math.Round(f.X.Map(at));
            var found = pic.Near(Palette.Colour(0), Tolerance, new PixelRect(col, f.PlotArea.Top, 1, f.PlotArea.Height));
            Assert.That(found.Count, Is.GreaterThan(0), $"line at x = {at}");
            Assert.That(found.MeanRow!.Value, Is.EqualTo(f.Y.Map(Math.Pow(10, at))).Within(2.5), $"at 10^{at}");
            rows.Add(found.MeanRow.Value);
        }
        Assert.That(rows[0] - rows[1], Is.EqualTo(rows[1] - rows[2]).Within(2), "each decade the same height: a straight line");
        Assert.That(rows[0] - rows[1], Is.EqualTo(f.PlotArea.Height / 3.0).Within(3), "three decades fill the plot");
        var start = pic.Near(Palette.Colour(0), Tolerance, new PixelRect(f.PlotArea.Left, f.PlotArea.Top, (int)Math.Round(f.X.Map(0.05)) - f.PlotArea.Left, f.PlotArea.Height));
        Assert.That(start.Count, Is.EqualTo(0), "y = 0 at x = 0 is not drawn");
    }

    [Test]
    public void Bad_input_is_an_argument_error_naming_the_problem_and_writes_nothing()
    {
        using var tmp = new TempFolder();
        string png = tmp.File("bad.png");
        void Bad(IReadOnlyList<Series> s, string problem, bool logY = false, int w = 800, int h = 500)
            => Assert.That(Assert.Throws<ArgumentException>(() => LineChart.Write(png, "t", "x", "y", s, logY, w, h))!.Message, Does.Contain(problem));
        Bad(Array.Empty<Series>(), "at least one series");
        Bad(new[] { new Series("short", new[] { 1.0, 2 }, new[] { 1.0 }) }, "'short': 2 x values but 1 y values");
        Bad(new[] { new Series("nan", new[] { 1.0, 2 }, new[] { double.NaN, double.NaN }) }, "no series has a finite");
        Bad(new[] { new Series("neg", new[] { 1.0, 2 }, new[] { -1.0, 0 }) }, "log axis", logY: true);
        Bad(new[] { new Series("ok", new[] { 1.0, 2 }, new[] { 1.0, 2 }) }, "chart size", w: 20, h: 10);
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
    }

    [Test]
    public void Saving_is_atomic_and_names_a_missing_folder()
    {
        using var tmp = new TempFolder();
        var f = LineChart.Render("t", "x", "y", new[] { new Series("s", Range(3), Range(3)) }, width: 320, height: 240);
        Assert.That(f.Png.Take(8), Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), "a PNG signature");
        f.Save(tmp.File("a.png"));
        Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName), Is.EqualTo(new[] { "a.png" }), "no temporary file left");
        var e = Assert.Throws<SlicerReg.Core.IO.ImageFormatException>(() => f.Save(tmp.File("no/such/dir/x.png")))!;
        Assert.That(e.Message, Does.Contain("does not exist"));
        Assert.That(Assert.Throws<ArgumentException>(() => f.Save(" "))!.Message, Does.Contain("PNG path"));
    }
}
