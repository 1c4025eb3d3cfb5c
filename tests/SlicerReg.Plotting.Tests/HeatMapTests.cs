using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class HeatMapTests
{
    [Test]
    public void Cells_have_their_colour_map_colour_row_0_at_the_bottom_and_NaN_grey()
    {
        using var tmp = new TempFolder();
        var v = new double[,] { { 0.80, 0.85, double.NaN }, { 0.90, 0.95, 0.875 } };
        var f = HeatMap.Render("median Dice", "AP offset (°)", new[] { -25.0, -15, -5 }, "lateral offset (°)", new[] { -5.0, 5 }, v, 40);
        string png = PlotReference.SaveAndCheck(f, tmp, "heat.png");
        Assert.That((f.PlotArea.Width, f.PlotArea.Height), Is.EqualTo((120, 80)));
        var cells = Enumerable.Range(0, 6).Select(n => HeatMap.Cell(f.PlotArea, 2, 40, n / 3, n % 3)).ToArray();
        var at = PlotReference.Pixels(png, cells.SelectMany(cell => new[] { (cell.Left + 2, cell.Top + 2), (cell.Right - 3, cell.Bottom - 3) }).ToArray());
        for (int n = 0; n < 6; n++)
        {
            int r = n / 3, c = n % 3;
            Assert.That(cells[n].Top, Is.EqualTo(f.PlotArea.Top + (1 - r) * 40), "row 0 is the bottom row");
            var expected = double.IsNaN(v[r, c]) ? Rgb.MissingGrey : HeatMap.ColourOf(v[r, c], 0.80, 0.95);
            Assert.That(new[] { at[2 * n], at[2 * n + 1] }, Is.All.EqualTo(expected), $"cell ({r}, {c}) = {v[r, c]}");
        }
        Assert.That(HeatMap.ColourOf(0.80, 0.80, 0.95), Is.EqualTo(new Rgb(68, 1, 84)), "minimum: viridis start");
        Assert.That(HeatMap.ColourOf(0.95, 0.80, 0.95), Is.EqualTo(new Rgb(253, 231, 37)), "maximum: viridis end");
        // The annotation of the 0.80 cell (dark) is white text on it; the 0.95 cell (light) gets black text.
        var dark = HeatMap.Cell(f.PlotArea, 2, 40, 0, 0);
        Assert.That(PlotReference.Colour(png, Rgb.White, dark).Count, Is.GreaterThan(10));
        Assert.That(PlotReference.Colour(png, Rgb.Black, HeatMap.Cell(f.PlotArea, 2, 40, 1, 1)).Count, Is.GreaterThan(10));
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
