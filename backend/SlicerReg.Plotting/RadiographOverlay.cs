using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Plotting;

/// <summary>
/// A radiograph in grey, windowed from its 1st to its 99th percentile, with the outline of a projected mask (&gt; 0.5)
/// in <see cref="ProjectedColour"/> and optionally of a reference mask in <see cref="ReferenceColour"/> (drawn first, so
/// where both outlines meet the projected one shows). Outline pixels are mask pixels with a 4-neighbour outside the mask
/// or the image. Small images are enlarged by an integer factor (nearest neighbour) to at least 256 pixels on the long
/// side; the title and a legend sit above the image. Row 0 of the <see cref="Image2D"/> is the top row.
/// </summary>
public static class RadiographOverlay
{
    public static readonly Rgb ProjectedColour = new(230, 159, 0);   // Okabe–Ito orange
    public static readonly Rgb ReferenceColour = new(86, 180, 233);  // Okabe–Ito sky blue
    public const int MinimumLongSide = 256;

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
        int s = cols * k >= 400 ? 2 : 1, pad = 6, line = BitmapFont.Height(s) + 4;
        string legend = referenceMask != null ? "projected" : "projected mask";
        int legendWidth = 20 + BitmapFont.Width(legend, s) + (referenceMask != null ? 16 + 20 + BitmapFont.Width("reference", s) : 0);
        int header = pad + (string.IsNullOrEmpty(title) ? 0 : line) + line + pad;
        int width = Math.Max(cols * k, Math.Max(BitmapFont.Width(title ?? "", s), legendWidth) + 2 * pad);
        var image = new PixelRect((width - cols * k) / 2, header, cols * k, rows * k);
        var canvas = new Canvas(width, header + rows * k, Rgb.White);

        int y = pad;
        if (!string.IsNullOrEmpty(title)) { canvas.Text(title, width / 2, y, Rgb.Black, s, 0.5, 0); y += line; }
        int x = (width - legendWidth) / 2, cy = y + BitmapFont.Height(s) / 2;
        canvas.FillRect(new PixelRect(x, cy - 1, 16, 3), ProjectedColour);
        canvas.Text(legend, x + 20, y, Rgb.Black, s);
        if (referenceMask != null)
        {
            x += 20 + BitmapFont.Width(legend, s) + 16;
            canvas.FillRect(new PixelRect(x, cy - 1, 16, 3), ReferenceColour);
            canvas.Text("reference", x + 20, y, Rgb.Black, s);
        }

        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                float p = radiograph[c, r];
                byte g = float.IsFinite(p) ? (byte)Math.Round(255 * Math.Clamp((p - lo) / (hi - lo), 0, 1)) : (byte)0;
                canvas.FillRect(new PixelRect(image.Left + c * k, image.Top + r * k, k, k), Rgb.Grey(g));
            }
        if (referenceMask != null) DrawOutline(canvas, image, k, referenceMask, ReferenceColour);
        DrawOutline(canvas, image, k, projectedMask, ProjectedColour);
        return new Figure(canvas, image);
    }

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

    static void DrawOutline(Canvas canvas, PixelRect image, int k, Image2D mask, Rgb colour)
    {
        var o = Outline(mask);
        for (int r = 0; r < mask.Rows; r++)
            for (int c = 0; c < mask.Columns; c++)
                if (o[r * mask.Columns + c]) canvas.FillRect(new PixelRect(image.Left + c * k, image.Top + r * k, k, k), colour);
    }

    static void CheckSize(Image2D radiograph, Image2D mask, string name)
    {
        if (mask.Columns != radiograph.Columns || mask.Rows != radiograph.Rows)
            throw new ArgumentException($"{name} is {mask.Columns}×{mask.Rows} but the radiograph is {radiograph.Columns}×{radiograph.Rows}", name);
    }
}
