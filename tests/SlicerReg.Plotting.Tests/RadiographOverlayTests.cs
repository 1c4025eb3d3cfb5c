using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class RadiographOverlayTests
{
    static Image2D Ellipse(int cols, int rows, double cx, double cy, double rx, double ry)
    {
        var m = new Image2D(cols, rows, 1, 1);
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++)
            m[c, r] = (c - cx) * (c - cx) / (rx * rx) + (r - cy) * (r - cy) / (ry * ry) <= 1 ? 1f : 0f;
        return m;
    }

    static Image2D Radiograph(int cols, int rows)
    {
        var rng = new Random(5);
        var x = new Image2D(cols, rows, 0.8, 0.8);
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) x[c, r] = (float)(100 + 3 * c + 2 * r + 20 * rng.NextDouble());
        x[0, 0] = 1e6f; x[1, 0] = -1e6f;   // outliers beyond the 1st..99th percentile window
        return x;
    }

    /// <summary>scipy's view of which mask pixels are drawn in <paramref name="colour"/> against the mask boundary.</summary>
    static JObject Outline(string png, Figure f, Image2D mask, Rgb colour, TempFolder tmp)
    {
        string raw = tmp.File(Guid.NewGuid().ToString("N") + ".raw");
        PlotReference.WriteRaw(raw, mask.Pixels);
        int k = f.PlotArea.Width / mask.Columns;
        return PlotReference.Run("outline", png, raw, PlotReference.I(mask.Columns), PlotReference.I(mask.Rows), PlotReference.I(f.PlotArea.Left), PlotReference.I(f.PlotArea.Top),
                                   PlotReference.I(k), PlotReference.I(colour.R), PlotReference.I(colour.G), PlotReference.I(colour.B));
    }

    [Test]
    public void Outline_pixels_are_exactly_the_mask_boundary_and_the_grey_is_windowed()
    {
        using var tmp = new TempFolder();
        int cols = 64, rows = 48;
        var x = Radiograph(cols, rows);
        var projected = Ellipse(cols, rows, 30, 22, 14, 10);
        var reference = Ellipse(cols, rows, 35, 25, 12, 12);
        var f = RadiographOverlay.Render(x, projected, "case 7, AP", reference);
        var (png, pic) = PlotReference.SaveAndCheck(f, tmp, "overlay.png");
        int k = f.PlotArea.Width / cols;
        Assert.That(k, Is.EqualTo(4), "64 columns enlarged to 256");
        Assert.That((f.PlotArea.Width, f.PlotArea.Height), Is.EqualTo((cols * k, rows * k)));
        var header = new PixelRect(0, 0, f.Width, f.PlotArea.Top);
        Assert.That(pic.Near(RadiographOverlay.ProjectedColour, 0, header).Count, Is.GreaterThanOrEqualTo(16 * 3), "legend swatch: projected");
        Assert.That(pic.Near(RadiographOverlay.ReferenceColour, 0, header).Count, Is.GreaterThanOrEqualTo(16 * 3), "legend swatch: reference");

        var p = Outline(png, f, projected, RadiographOverlay.ProjectedColour, tmp);
        TestContext.Out.WriteLine($"projected: {p.ToString(Newtonsoft.Json.Formatting.None)}");
        Assert.That(p["boundary"]!.Value<int>(), Is.GreaterThan(40));
        Assert.That(p["coloured_not_boundary"]!.Value<int>(), Is.EqualTo(0));
        Assert.That(p["boundary_not_coloured"]!.Value<int>(), Is.EqualTo(0));
        Assert.That(p["partial_blocks"]!.Value<int>(), Is.EqualTo(0));

        var r = Outline(png, f, reference, RadiographOverlay.ReferenceColour, tmp);
        TestContext.Out.WriteLine($"reference: {r.ToString(Newtonsoft.Json.Formatting.None)}");
        var projectedOutline = RadiographOverlay.Outline(projected);
        var referenceOutline = RadiographOverlay.Outline(reference);
        int covered = projectedOutline.Zip(referenceOutline, (a, b) => a && b).Count(b => b);
        Assert.That(r["coloured_not_boundary"]!.Value<int>(), Is.EqualTo(0));
        Assert.That(r["boundary_not_coloured"]!.Value<int>(), Is.EqualTo(covered), "only where the projected outline is drawn over it");

        // Window: the planted extremes clip to white and black; a mid pixel is proportional.
        var px = new[] { pic[f.PlotArea.Left, f.PlotArea.Top], pic[f.PlotArea.Left + k, f.PlotArea.Top] };
        Assert.That(px, Is.EqualTo(new[] { Rgb.White, Rgb.Black }));
    }

    [Test]
    public void Bad_input_is_an_argument_error_naming_it()
    {
        using var tmp = new TempFolder();
        string png = tmp.File("bad.png");
        var x = Radiograph(32, 16);
        var e = Assert.Throws<ArgumentException>(() => RadiographOverlay.Write(png, x, new Image2D(16, 32, 1, 1), "t"))!;
        Assert.That(e.Message, Does.Contain("projectedMask is 16×32 but the radiograph is 32×16"));
        e = Assert.Throws<ArgumentException>(() => RadiographOverlay.Write(png, x, new Image2D(32, 16, 1, 1), "t", new Image2D(8, 8, 1, 1)))!;
        Assert.That(e.Message, Does.Contain("referenceMask"));
        var nan = new Image2D(4, 4, 1, 1, Enumerable.Repeat(float.NaN, 16).ToArray());
        Assert.That(Assert.Throws<ArgumentException>(() => RadiographOverlay.Write(png, nan, new Image2D(4, 4, 1, 1), "t"))!.Message, Does.Contain("no finite pixel"));
        Assert.That(File.Exists(png), Is.False);
    }
}
