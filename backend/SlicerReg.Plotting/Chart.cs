using SkiaSharp;
using SP = ScottPlot;

namespace SlicerReg.Plotting;

/// <summary>
/// What the x–y charts share: a ScottPlot <see cref="SP.Plot"/> with the title and axis labels in the one font
/// (<see cref="Font"/>), and its rendering to a <see cref="Figure"/> (PNG, data area, axis mapping).
/// </summary>
static class Chart
{
    public const int MinWidth = 160, MinHeight = 120, MaxSide = 10_000;

    /// <summary>
    /// The font family of every figure: DejaVu Sans (Debian's fonts-dejavu-core) when installed, else Skia's default.
    /// Skia's NoDependencies build finds fonts by scanning the font folders, without fontconfig, so its default is the
    /// first family found (DejaVu Serif on Debian), not a sans one: asked for by name.
    /// </summary>
    public static readonly string Font = SKFontManager.Default.FontFamilies.Contains(PreferredFont) ? PreferredFont : SP.Fonts.Default;

    const string PreferredFont = "DejaVu Sans";

    public static void CheckSize(int width, int height)
    {
        if (width < MinWidth || height < MinHeight || width > MaxSide || height > MaxSide)
            throw new ArgumentException($"chart size must be {MinWidth}×{MinHeight} to {MaxSide}×{MaxSide} pixels, got {width}×{height}");
    }

    public static SP.Plot Create(string title, string xLabel, string yLabel)
    {
        var plot = new SP.Plot();
        if (!string.IsNullOrEmpty(title)) plot.Title(title);
        if (!string.IsNullOrEmpty(xLabel)) plot.XLabel(xLabel);
        if (!string.IsNullOrEmpty(yLabel)) plot.YLabel(yLabel);
        plot.Grid.MajorLineColor = Colour(Rgb.GridGrey);
        return plot;
    }

    /// <summary>How wide the plot's title is drawn, in pixels.</summary>
    public static float TitleWidth(SP.Plot plot)
    {
        var label = plot.Axes.Title.Label;
        using var font = new SKFont(SP.Fonts.GetTypeface(Font, label.Bold, label.Italic), label.FontSize);
        return font.MeasureText(label.Text ?? "");
    }

    public static SP.Color Colour(Rgb c) => new(c.R, c.G, c.B);

    /// <summary>Renders <paramref name="plot"/> at width × height and reads back where its data area landed.</summary>
    public static Figure Render(SP.Plot plot, int width, int height, bool logY = false)
    {
        plot.Font.Set(Font);
        byte[] png = plot.GetImage(width, height).GetImageBytes(SP.ImageFormat.Png);
        var r = plot.RenderManager.LastRender.DataRect;
        var limits = plot.Axes.GetLimits();
        var area = new PixelRect((int)Math.Round(r.Left), (int)Math.Round(r.Top), (int)Math.Round(r.Width), (int)Math.Round(r.Height));
        var x = new AxisScale(limits.Left, limits.Right, false, r.Left, r.Right);
        var y = logY ? new AxisScale(Math.Pow(10, limits.Bottom), Math.Pow(10, limits.Top), true, r.Bottom, r.Top)
                     : new AxisScale(limits.Bottom, limits.Top, false, r.Bottom, r.Top);
        return new Figure(png, width, height, area, x, y);
    }
}
