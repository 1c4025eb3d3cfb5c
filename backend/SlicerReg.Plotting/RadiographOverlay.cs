using SkiaSharp;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Plotting;

/// <summary>
/// A radiograph in grey, windowed from its 1st to its 99th percentile, with the outline of a projected mask (&gt; 0.5)
/// in <see cref="ProjectedColour"/> and optionally of a reference mask in <see cref="ReferenceColour"/> (drawn first, so
/// where both outlines meet the projected one shows). Outline pixels are mask pixels with a 4-neighbour outside the mask
/// or the image. Small images are enlarged by an integer factor (nearest neighbour) to at least 256 pixels on the long
/// side; the title and a legend sit above the image. Row 0 of the <see cref="Image2D"/> is the top row. Drawn with
/// SkiaSharp directly (an image, not a chart): the image pixels are exact colours, the text is anti-aliased.
/// </summary>
public static class RadiographOverlay
{
    public static readonly Rgb ProjectedColour = new(230, 159, 0);   // Okabe–Ito orange
    public static readonly Rgb ReferenceColour = new(86, 180, 233);  // Okabe–Ito sky blue
    public const int MinimumLongSide = 256;
    const int Pad = 6, Swatch = 16;

    public static void Write(string pngPath, Image2D radiograph, Image2D projectedMask, string title, Image2D? referenceMask = null)
    {
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        Render(radiograph, projectedMask, title, referenceMask).Save(pngPath);
    }

    public static Figure Render(Image2D radiograph, Image2D projectedMask, string title, Image2D? referenceMask = null)
    {
        ArgumentNullException.ThrowIfNull(radiograph);
        ArgumentNullException.ThrowIfNull(projectedMask);
        CheckSize(radiograph, projectedMask, nameof(projectedMask));
        if (referenceMask != null) CheckSize(radiograph, referenceMask, nameof(referenceMask));
        var finite = radiograph.Pixels.Where(float.IsFinite).Select(p => (double)p).ToArray();
        if (finite.Length == 0) throw new ArgumentException("the radiograph has no finite pixel to draw the overlay on");
        Array.Sort(finite);
        double lo = Percentile.LinearOfSorted(finite, 1), hi = Percentile.LinearOfSorted(finite, 99);
        if (!(hi > lo)) { lo = finite[0]; hi = finite[^1]; }

        int cols = radiograph.Columns, rows = radiograph.Rows;
        int k = Math.Max(1, (int)Math.Ceiling(MinimumLongSide / (double)Math.Max(cols, rows)));
        using var font = new SKFont(ScottPlot.Fonts.GetTypeface(Chart.Font, false, false), cols * k >= 400 ? 20 : 14);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        float line = font.Spacing + 2;
        string legend = referenceMask != null ? "projected" : "projected mask";
        float legendWidth = Swatch + 4 + font.MeasureText(legend) + (referenceMask != null ? 16 + Swatch + 4 + font.MeasureText("reference") : 0);
        int header = (int)Math.Ceiling(Pad + (string.IsNullOrEmpty(title) ? 0 : line) + line + Pad);
        int width = (int)Math.Ceiling(Math.Max(cols * k, Math.Max(font.MeasureText(title ?? ""), legendWidth) + 2 * Pad));
        var image = new PixelRect((width - cols * k) / 2, header, cols * k, rows * k);

        using var bitmap = new SKBitmap(new SKImageInfo(width, header + rows * k, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            float y = Pad - font.Metrics.Ascent;   // baseline of the first text line
            if (!string.IsNullOrEmpty(title)) { canvas.DrawText(title, width / 2f, y, SKTextAlign.Center, font, ink); y += line; }
            float x = (width - legendWidth) / 2, mid = y + (font.Metrics.Ascent + font.Metrics.Descent) / 2;
            void Entry(string name, Rgb colour)
            {
                using var fill = new SKPaint { Color = Colour(colour) };
                canvas.DrawRect(SKRect.Create(x, mid - 1.5f, Swatch, 3), fill);
                canvas.DrawText(name, x + Swatch + 4, y, SKTextAlign.Left, font, ink);
                x += Swatch + 4 + font.MeasureText(name) + 16;
            }
            Entry(legend, ProjectedColour);
            if (referenceMask != null) Entry("reference", ReferenceColour);

            using var pixels = Pixels(radiograph, lo, hi, projectedMask, referenceMask);
            canvas.DrawImage(pixels, SKRect.Create(image.Left, image.Top, image.Width, image.Height), new SKSamplingOptions(SKFilterMode.Nearest));
        }
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return new Figure(encoded.ToArray(), bitmap.Width, bitmap.Height, image,
                          new AxisScale(0, cols, false, image.Left, image.Right), new AxisScale(0, rows, false, image.Top, image.Bottom));
    }

    /// <summary>The radiograph at one pixel per pixel: windowed grey, then the outlines over it.</summary>
    static SKImage Pixels(Image2D radiograph, double lo, double hi, Image2D projected, Image2D? reference)
    {
        int cols = radiograph.Columns, rows = radiograph.Rows;
        var colours = new SKColor[cols * rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                float p = radiograph[c, r];
                byte g = float.IsFinite(p) ? (byte)Math.Round(255 * Math.Clamp((p - lo) / (hi - lo), 0, 1)) : (byte)0;
                colours[r * cols + c] = new SKColor(g, g, g);
            }
        if (reference != null) Paint(colours, Outline(reference), ReferenceColour);
        Paint(colours, Outline(projected), ProjectedColour);
        using var bitmap = new SKBitmap(new SKImageInfo(cols, rows, SKColorType.Rgba8888, SKAlphaType.Opaque)) { Pixels = colours };
        return SKImage.FromBitmap(bitmap);
    }

    static void Paint(SKColor[] colours, bool[] outline, Rgb colour)
    {
        for (int n = 0; n < colours.Length; n++) if (outline[n]) colours[n] = Colour(colour);
    }

    static SKColor Colour(Rgb c) => new(c.R, c.G, c.B);

    /// <summary>Mask pixels (&gt; 0.5) with a 4-neighbour that is not in the mask or is off the image.</summary>
    public static bool[] Outline(Image2D mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int cols = mask.Columns, rows = mask.Rows;
        bool In(int c, int r) => c >= 0 && r >= 0 && c < cols && r < rows && mask[c, r] > 0.5f;
        var o = new bool[cols * rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                o[r * cols + c] = In(c, r) && !(In(c - 1, r) && In(c + 1, r) && In(c, r - 1) && In(c, r + 1));
        return o;
    }

    static void CheckSize(Image2D radiograph, Image2D mask, string name)
    {
        if (mask.Columns != radiograph.Columns || mask.Rows != radiograph.Rows)
            throw new ArgumentException($"{name} is {mask.Columns}×{mask.Rows} but the radiograph is {radiograph.Columns}×{radiograph.Rows}", name);
    }
}
