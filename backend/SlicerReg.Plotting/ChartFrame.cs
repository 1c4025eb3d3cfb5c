namespace SlicerReg.Plotting;

/// <summary>
/// The furniture shared by the x–y charts: white canvas, title, axis labels, a y axis with grid lines, tick labels and
/// the frame around the plot area. Margins follow from the text that has to fit; data are drawn clipped to <see cref="Plot"/>.
/// </summary>
sealed class ChartFrame
{
    public const int Pad = 10, TickLength = 5;
    public Canvas Canvas { get; }
    public PixelRect Plot { get; }
    public int Scale { get; }

    ChartFrame(Canvas canvas, PixelRect plot, int scale) { Canvas = canvas; Plot = plot; Scale = scale; }

    /// <summary>Text scale for a chart of this size: 2 (12-pixel characters) from 600×360 up, else 1.</summary>
    public static int TextScale(int width, int height) => width >= 600 && height >= 360 ? 2 : 1;

    /// <summary>
    /// Lays out a chart: <paramref name="yTickLabels"/> set the left margin, <paramref name="xTickLines"/> text lines under the
    /// x axis, <paramref name="rightMargin"/> pixels right of the plot (a legend). Throws when the plot area would vanish.
    /// </summary>
    public static ChartFrame Create(int width, int height, string title, string xLabel, string yLabel, IEnumerable<string> yTickLabels, int xTickLines, int rightMargin)
    {
        if (width < 160 || height < 120 || width > 10_000 || height > 10_000) throw new ArgumentException($"chart size must be 160×120 to 10000×10000 pixels, got {width}×{height}");
        int s = TextScale(width, height);
        int lineHeight = BitmapFont.Height(s) + 4;
        int titleHeight = string.IsNullOrEmpty(title) ? Pad : Pad + BitmapFont.Height(TitleScale(title, width, s)) + Pad;
        int left = Pad + (string.IsNullOrEmpty(yLabel) ? 0 : BitmapFont.Height(s) + Pad) + yTickLabels.Select(l => BitmapFont.Width(l, s)).DefaultIfEmpty(0).Max() + TickLength + 4;
        int bottom = TickLength + 4 + xTickLines * lineHeight + (string.IsNullOrEmpty(xLabel) ? 0 : lineHeight + 4) + Pad;
        int right = Math.Max(Pad + BitmapFont.Width("0.0", s) / 2, rightMargin);
        var plot = new PixelRect(left, titleHeight, width - left - right, height - titleHeight - bottom);
        if (plot.Width < 40 || plot.Height < 40) throw new ArgumentException($"a {width}×{height} chart leaves no room for the plot after its labels; make it larger");

        var canvas = new Canvas(width, height, Rgb.White);
        if (!string.IsNullOrEmpty(title)) canvas.Text(title, width / 2, Pad, Rgb.Black, TitleScale(title, width, s), 0.5, 0);
        if (!string.IsNullOrEmpty(xLabel)) canvas.Text(xLabel, plot.Left + plot.Width / 2, height - Pad, Rgb.Black, s, 0.5, 1);
        if (!string.IsNullOrEmpty(yLabel)) canvas.TextUp(yLabel, Pad, plot.Top + plot.Height / 2, Rgb.Black, s, 0, 0.5);
        return new ChartFrame(canvas, plot, s);
    }

    /// <summary>The title at the body scale + 1 when it fits the width, else smaller.</summary>
    static int TitleScale(string title, int width, int s)
    {
        for (int t = s + 1; t > 1; t--) if (BitmapFont.Width(title, t) <= width - 2 * Pad) return t;
        return 1;
    }

    /// <summary>Horizontal grid lines, tick marks and labels at <paramref name="ticks"/> on the y axis.</summary>
    public void DrawYAxis(NiceTicks ticks, AxisScale y)
    {
        for (int n = 0; n < ticks.Values.Count; n++)
        {
            int py = (int)Math.Round(y.Map(ticks.Values[n]));
            Canvas.FillRect(new PixelRect(Plot.Left, py, Plot.Width, 1), Rgb.GridGrey);
            Canvas.FillRect(new PixelRect(Plot.Left - 1 - TickLength, py, TickLength, 1), Rgb.Black);
            Canvas.Text(ticks.Labels[n], Plot.Left - 1 - TickLength - 4, py, Rgb.Black, Scale, 1, 0.5);
        }
    }

    /// <summary>Vertical grid lines (optional), tick marks and one or more label lines under the x axis at pixel columns.</summary>
    public void DrawXTicks(IEnumerable<(double Pixel, IReadOnlyList<string> Lines)> ticks, bool grid)
    {
        foreach (var (pixel, lines) in ticks)
        {
            int px = (int)Math.Round(pixel);
            if (grid) Canvas.FillRect(new PixelRect(px, Plot.Top, 1, Plot.Height), Rgb.GridGrey);
            Canvas.FillRect(new PixelRect(px, Plot.Bottom + 1, 1, TickLength), Rgb.Black);
            for (int l = 0; l < lines.Count; l++)
                Canvas.Text(lines[l], px, Plot.Bottom + 1 + TickLength + 4 + l * (BitmapFont.Height(Scale) + 4), Rgb.Black, Scale, 0.5, 0);
        }
    }

    /// <summary>The one-pixel black frame just outside the plot area.</summary>
    public void DrawFrame() => Canvas.StrokeRect(new PixelRect(Plot.Left - 1, Plot.Top - 1, Plot.Width + 2, Plot.Height + 2), Rgb.Black);

    public Figure ToFigure() => new(Canvas, Plot);
}
