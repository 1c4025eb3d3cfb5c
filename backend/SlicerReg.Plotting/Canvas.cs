namespace SlicerReg.Plotting;

/// <summary>
/// An RGB raster (row 0 at the top, 3 bytes per pixel, row-major) with the few drawing operations the charts need:
/// clipped lines, rectangles, circles and bitmap-font text. No anti-aliasing, so every pixel has an exact colour
/// (tests look for them). Drawing outside the canvas or outside <see cref="Clip"/> is silently cut off.
/// </summary>
public sealed class Canvas
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Rgb { get; }

    /// <summary>Drawing is limited to this rectangle (the whole canvas when null).</summary>
    public PixelRect? Clip { get; set; }

    public Canvas(int width, int height, Rgb background)
    {
        if (width < 1 || height < 1 || (long)width * height > 100_000_000) throw new ArgumentException($"canvas size must be 1..1e8 pixels, got {width}×{height}");
        Width = width; Height = height;
        Rgb = new byte[3 * width * height];
        FillRect(new PixelRect(0, 0, width, height), background);
    }

    PixelRect Bounds
    {
        get
        {
            var all = new PixelRect(0, 0, Width, Height);
            if (Clip is not { } c) return all;
            int l = Math.Max(0, c.Left), t = Math.Max(0, c.Top), r = Math.Min(Width, c.Right), b = Math.Min(Height, c.Bottom);
            return new PixelRect(l, t, Math.Max(0, r - l), Math.Max(0, b - t));
        }
    }

    public Rgb this[int x, int y]
    {
        get { int n = 3 * (y * Width + x); return new Rgb(Rgb[n], Rgb[n + 1], Rgb[n + 2]); }
    }

    public void Set(int x, int y, Rgb c)
    {
        if (!Bounds.Contains(x, y)) return;
        int n = 3 * (y * Width + x);
        Rgb[n] = c.R; Rgb[n + 1] = c.G; Rgb[n + 2] = c.B;
    }

    public void FillRect(PixelRect r, Rgb c)
    {
        var b = Bounds;
        int x0 = Math.Max(r.Left, b.Left), x1 = Math.Min(r.Right, b.Right), y0 = Math.Max(r.Top, b.Top), y1 = Math.Min(r.Bottom, b.Bottom);
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) { int n = 3 * (y * Width + x); Rgb[n] = c.R; Rgb[n + 1] = c.G; Rgb[n + 2] = c.B; }
    }

    /// <summary>One-pixel outline just inside <paramref name="r"/>.</summary>
    public void StrokeRect(PixelRect r, Rgb c)
    {
        FillRect(r with { Height = 1 }, c);
        FillRect(r with { Top = r.Bottom - 1, Height = 1 }, c);
        FillRect(r with { Width = 1 }, c);
        FillRect(r with { Left = r.Right - 1, Width = 1 }, c);
    }

    /// <summary>
    /// Line from (x0, y0) to (x1, y1) in pixel coordinates (pixel centres at integers), Bresenham after Liang–Barsky
    /// clipping to the drawable area, so far-off endpoints cost nothing. <paramref name="thickness"/> t paints a t×t brush
    /// whose top-left is on the line (t = 2 covers the line's pixel and the one right of / below it). Non-finite ends: nothing.
    /// </summary>
    public void Line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1)
    {
        if (!(double.IsFinite(x0) && double.IsFinite(y0) && double.IsFinite(x1) && double.IsFinite(y1))) return;
        var b = Bounds;
        if (!ClipSegment(ref x0, ref y0, ref x1, ref y1, b.Left - thickness, b.Top - thickness, b.Right + thickness, b.Bottom + thickness)) return;
        int ix0 = (int)Math.Round(x0), iy0 = (int)Math.Round(y0), ix1 = (int)Math.Round(x1), iy1 = (int)Math.Round(y1);
        int dx = Math.Abs(ix1 - ix0), dy = -Math.Abs(iy1 - iy0), sx = ix0 < ix1 ? 1 : -1, sy = iy0 < iy1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            for (int by = 0; by < thickness; by++) for (int bx = 0; bx < thickness; bx++) Set(ix0 + bx, iy0 + by, c);
            if (ix0 == ix1 && iy0 == iy1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; ix0 += sx; }
            if (e2 <= dx) { err += dx; iy0 += sy; }
        }
    }

    static bool ClipSegment(ref double x0, ref double y0, ref double x1, ref double y1, double left, double top, double right, double bottom)
    {
        double t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
        bool Edge(double p, double q)
        {
            if (p == 0) return q >= 0;
            double r = q / p;
            if (p < 0) { if (r > t1) return false; t0 = Math.Max(t0, r); }
            else { if (r < t0) return false; t1 = Math.Min(t1, r); }
            return true;
        }
        if (!(Edge(-dx, x0 - left) && Edge(dx, right - x0) && Edge(-dy, y0 - top) && Edge(dy, bottom - y0))) return false;
        double ax = x0 + t0 * dx, ay = y0 + t0 * dy, bx = x0 + t1 * dx, by = y0 + t1 * dy;
        x0 = ax; y0 = ay; x1 = bx; y1 = by;
        return true;
    }

    /// <summary>Disc (or ring of one pixel when not <paramref name="filled"/>) of radius <paramref name="r"/> pixels.</summary>
    public void Circle(double cx, double cy, double r, Rgb c, bool filled = true)
    {
        if (!(double.IsFinite(cx) && double.IsFinite(cy) && r >= 0)) return;
        int x0 = (int)Math.Floor(cx - r - 1), x1 = (int)Math.Ceiling(cx + r + 1), y0 = (int)Math.Floor(cy - r - 1), y1 = (int)Math.Ceiling(cy + r + 1);
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                double d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                if (filled ? d <= r + 0.5 : Math.Abs(d - r) <= 0.5) Set(x, y, c);
            }
    }

    /// <summary>
    /// Text in <see cref="BitmapFont"/> at integer <paramref name="scale"/>. The anchor fractions place the text box:
    /// (0, 0) puts its top-left at (x, y), (0.5, 0.5) centres it, (1, 0) right-aligns it.
    /// </summary>
    public void Text(string text, int x, int y, Rgb c, int scale = 1, double anchorX = 0, double anchorY = 0)
    {
        int left = x - (int)Math.Round(anchorX * BitmapFont.Width(text, scale)), top = y - (int)Math.Round(anchorY * BitmapFont.Height(scale));
        for (int n = 0; n < text.Length; n++)
            for (int gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.IsSet(text[n], gx, gy))
                        FillRect(new PixelRect(left + (n * BitmapFont.CellWidth + gx) * scale, top + gy * scale, scale, scale), c);
    }

    /// <summary>Text rotated 90° anticlockwise (reading bottom to top, for a y-axis label); anchors as in <see cref="Text"/> on the rotated box.</summary>
    public void TextUp(string text, int x, int y, Rgb c, int scale = 1, double anchorX = 0, double anchorY = 0)
    {
        int w = BitmapFont.Height(scale), h = BitmapFont.Width(text, scale);
        int left = x - (int)Math.Round(anchorX * w), bottom = y - (int)Math.Round(anchorY * h) + h;
        for (int n = 0; n < text.Length; n++)
            for (int gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (int gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.IsSet(text[n], gx, gy))
                        FillRect(new PixelRect(left + gy * scale, bottom - ((n * BitmapFont.CellWidth + gx) + 1) * scale, scale, scale), c);
    }

    /// <summary>Writes the canvas as a PNG (atomically; <see cref="PngImage.WriteRgb"/>).</summary>
    public void Save(string pngPath) => PngImage.WriteRgb(pngPath, Width, Height, Rgb);
}
