using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class HeatMapTests
{
    /// <summary>
    /// The colour of each cell of a heat map, read at a corner of the cell (clear of its value's text): with row 0 at
    /// the bottom of the data area, matplotlib's viridis of the value scaled from the finite min to max, NaN grey.
    /// </summary>
    internal static void AssertCellColours(DecodedPng png, Figure f, double[,] v)
    {
        int rows = v.GetLength(0), cols = v.GetLength(1);
        double cw = f.PlotArea.Width / (double)cols, ch = f.PlotArea.Height / (double)rows;
        var finite = v.Cast<double>().Where(double.IsFinite).ToArray();
        double min = finite.Min(), max = finite.Max();
        var at = new List<(int, int)>();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                int left = (int)Math.Round(f.PlotArea.Left + c * cw), bottom = (int)Math.Round(f.PlotArea.Bottom - r * ch);
                at.Add((left + 3, bottom - 4));
                at.Add((left + (int)cw - 4, bottom - (int)ch + 3));
            }
        var seen = at.Select(p => png[p.Item1, p.Item2]).ToArray();
        var expected = PlotReference.Viridis(v.Cast<double>().Select(x => double.IsFinite(x) ? (x - min) / (max - min) : 0).ToArray());
        for (int n = 0; n < rows * cols; n++)
        {
            int r = n / cols, c = n % cols;
            var want = double.IsFinite(v[r, c]) ? expected[n] : Rgb.MissingGrey;
            Assert.That(DecodedPng.Distance(seen[2 * n], want), Is.LessThanOrEqualTo(3), $"cell ({r}, {c}) = {v[r, c]}: {seen[2 * n]} vs {want}");
            Assert.That(DecodedPng.Distance(seen[2 * n + 1], want), Is.LessThanOrEqualTo(3), $"cell ({r}, {c}) = {v[r, c]}, other corner: {seen[2 * n + 1]} vs {want}");
        }
    }

    [Test]
    public void Cells_have_matplotlibs_viridis_colour_row_0_at_the_bottom_and_NaN_grey()
    {
        using var tmp = new TempFolder();
        var v = new double[,] { { 0.80, 0.85, double.NaN }, { 0.90, 0.95, 0.875 } };
        var f = HeatMap.Render("median Dice", "AP offset (°)", new[] { -25.0, -15, -5 }, "lateral offset (°)", new[] { -5.0, 5 }, v, 40);
        var (png, pic) = PlotReference.SaveAndCheck(f, tmp, "heat.png");
        Assert.That((f.PlotArea.Width, f.PlotArea.Height), Is.EqualTo((120, 80)), "cells of 40 pixels");
        AssertCellColours(pic, f, v);
        // The annotation of the 0.80 cell (dark) is white text on it; the 0.95 cell (light) gets black text.
        var dark = new PixelRect(f.PlotArea.Left + 4, f.PlotArea.Bottom - 36, 32, 32);
        var light = new PixelRect(f.PlotArea.Left + 44, f.PlotArea.Top + 4, 32, 32);
        Assert.That(pic.Near(Rgb.White, 60, dark).Count, Is.GreaterThan(10), "white text on the dark cell");
        Assert.That(pic.Near(Rgb.Black, 60, light).Count, Is.GreaterThan(10), "black text on the light cell");
        Assert.That(pic.Near(Rgb.White, 60, new PixelRect(f.PlotArea.Left + 84, f.PlotArea.Bottom - 36, 32, 32)).Count
                    + pic.Near(Rgb.Black, 60, new PixelRect(f.PlotArea.Left + 84, f.PlotArea.Bottom - 36, 32, 32)).Count, Is.Zero, "no text on the NaN cell");
        // The colour bar right of the cells runs from viridis' dark end to its light end.
        var ends = PlotReference.Viridis(0, 1);
        var bar = new PixelRect(f.PlotArea.Right + 1, 0, f.Width - f.PlotArea.Right - 1, f.Height);
        Assert.That(pic.Near(ends[0], 4, bar).Count, Is.GreaterThan(20), "bar: dark end");
        Assert.That(pic.Near(ends[1], 4, bar).Count, Is.GreaterThan(20), "bar: light end");
    }

    [Test]
    public void A_long_title_widens_the_figure_not_the_cells()
    {
        using var tmp = new TempFolder();
        string title = "Median Dice per AP and lateral primary-angle offset, method with a long name (n=1234)";
        var f = HeatMap.Render(title, "AP", new[] { 1.0, 2 }, "lateral", new[] { 1.0 }, new[,] { { 0.5, 0.7 } }, 40);
        var (_, pic) = PlotReference.SaveAndCheck(f, tmp, "long.png");
        Assert.That((f.PlotArea.Width, f.PlotArea.Height), Is.EqualTo((80, 40)), "cells of 40 pixels");
        Assert.That(f.Width, Is.GreaterThan(500), "wider than cells and margins (310 pixels)");
        var band = f.PlotArea.Top - 2;
        Assert.That(pic.Dark(new PixelRect(0, 0, 4, band)) + pic.Dark(new PixelRect(f.Width - 4, 0, 4, band)), Is.Zero, "the title is not cut at either side");
        Assert.That(pic.Dark(new PixelRect(0, 0, f.Width, band)), Is.GreaterThan(300), "the title is drawn");
    }

    [Test]
    public void Bad_input_is_an_argument_error_naming_it()
    {
        using var tmp = new TempFolder();
        string png = tmp.File("bad.png");
        string Message(double[,] v, double[] x, double[] y, int cell = 48)
            => Assert.Throws<ArgumentException>(() => HeatMap.Write(png, "t", "x", x, "y", y, v, cell))!.Message;
        Assert.That(Message(new double[2, 3], new[] { 1.0, 2 }, new[] { 1.0, 2 }), Does.Contain("2 x ticks for 3 columns"));
        Assert.That(Message(new double[2, 3], new[] { 1.0, 2, 3 }, new[] { 1.0 }), Does.Contain("1 y ticks for 2 rows"));
        Assert.That(Message(new double[0, 0], Array.Empty<double>(), Array.Empty<double>()), Does.Contain("empty"));
        Assert.That(Message(new[,] { { double.NaN } }, new[] { 1.0 }, new[] { 1.0 }), Does.Contain("no finite value"));
        Assert.That(Message(new[,] { { 1.0 } }, new[] { 1.0 }, new[] { 1.0 }, 2), Does.Contain("cell size"));
        Assert.That(File.Exists(png), Is.False);
    }
}
