using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class LineChartTests
{
    static double[] Range(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();

    [Test]
    public void A_horizontal_line_is_one_line_thick_row_across_the_plot_in_the_middle()
    {
        using var tmp = new TempFolder();
        var f = LineChart.Render("flat", "epoch", "loss", new[] { new Series("constant", Range(11), Enumerable.Repeat(5.0, 11).ToArray()) });
        string png = PlotReference.SaveAndCheck(f, tmp, "flat.png");
        Assert.That((f.Canvas.Width, f.Canvas.Height), Is.EqualTo((800, 500)));
        var p = f.PlotArea;
        var (count, rows, cols) = PlotReference.Colour(png, Palette.Colour(0), p);
        TestContext.Out.WriteLine($"plot area {p}; line rows {string.Join(",", rows)}, columns {cols[0]}..{cols[1]}, {count} pixels");
        Assert.That(rows, Has.Length.EqualTo(LineChart.LineWidth), "one row per pixel of line width");
        Assert.That(rows[^1] - rows[0], Is.EqualTo(LineChart.LineWidth - 1), "adjacent rows");
        // The axis is widened symmetrically (4.5..5.5), so y = 5 is half-way between the top and bottom of the line's range.
        Assert.That(rows[0], Is.EqualTo((p.Top + p.Bottom - LineChart.LineWidth) / 2.0).Within(1));
        Assert.That(cols, Is.EqualTo(new[] { p.Left, p.Right - 1 }), "from the left edge of the plot to the right edge");
        Assert.That(count, Is.EqualTo(LineChart.LineWidth * p.Width));
        Assert.That(PlotReference.Colour(png, Palette.Colour(0)).Count, Is.GreaterThan(count), "legend swatch outside the plot");
        var frame = PlotReference.Pixels(png, (p.Left - 1, p.Top + 5), (p.Right, p.Bottom - 5), (p.Left + 5, p.Top - 1), (p.Left + 5, p.Bottom));
        Assert.That(frame, Is.All.EqualTo(Rgb.Black), "frame just outside the plot area");
    }

    [Test]
    public void NaN_points_are_gaps_and_series_take_palette_colours_in_order()
    {
        using var tmp = new TempFolder();
        var y = Range(11).Select(x => 10 - x).ToArray(); y[5] = double.NaN;
        var f = LineChart.Render("gap", "x", "y", new[] { new Series("a", Range(11), Range(11)), new Series("b with gap", Range(11), y) });
        string png = PlotReference.SaveAndCheck(f, tmp, "gap.png");
        var p = f.PlotArea;
        var x = new AxisScale(0, 10, false, p.Left, p.Right - LineChart.LineWidth);
        // Around x = 5 the second series has no segment (4–5 and 5–6 are both missing); the first passes through.
        var around5 = new PixelRect((int)Math.Round(x.Map(4.6)), p.Top, (int)Math.Round(x.Map(5.4) - x.Map(4.6)), p.Height);
        Assert.That(PlotReference.Colour(png, Palette.Colour(1), around5).Count, Is.EqualTo(0));
        Assert.That(PlotReference.Colour(png, Palette.Colour(0), around5).Count, Is.GreaterThan(0));
        var left = new PixelRect(p.Left, p.Top, (int)x.Map(4) - p.Left, p.Height);
        Assert.That(PlotReference.Colour(png, Palette.Colour(1), left).Count, Is.GreaterThan(0));
    }

    [Test]
    public void Log_axis_puts_decades_evenly_and_skips_non_positive_values()
    {
        using var tmp = new TempFolder();
        var xs = Enumerable.Range(0, 31).Select(i => i / 10.0).ToArray();
        var ys = xs.Select(x => Math.Pow(10, x)).ToArray(); ys[0] = 0;   // 0 cannot be drawn on a log axis: a gap
        var f = LineChart.Render("log", "x", "y", new[] { new Series("10^x", xs, ys) }, logY: true, width: 640, height: 400);
        string png = PlotReference.SaveAndCheck(f, tmp, "log.png");
        var p = f.PlotArea;
        var xAxis = new AxisScale(0, 3, false, p.Left, p.Right - LineChart.LineWidth);
        var yAxis = new AxisScale(1, 1000, true, p.Bottom - LineChart.LineWidth, p.Top);
        foreach (double at in new[] { 0.5, 1.5, 2.5 })
        {
            int col = (int)Math.Round(xAxis.Map(at));
            var (n, rows, _) = PlotReference.Colour(png, Palette.Colour(0), new PixelRect(col, p.Top, 1, p.Height));
            Assert.That(n, Is.GreaterThan(0));
            Assert.That(rows.Average(), Is.EqualTo(yAxis.Map(Math.Pow(10, at)) + 0.5).Within(2.5), $"straight line at x = {at}");
        }
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
}
