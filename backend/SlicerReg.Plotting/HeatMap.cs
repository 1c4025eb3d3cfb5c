using System.Globalization;

namespace SlicerReg.Plotting;

/// <summary>
/// Heat map of values[row, col] (e.g. median Dice over binned AP × lateral angles, the paper's Fig. 4): square cells of
/// <c>cellPixels</c>, column c centred over xTicks[c], row 0 at the bottom (y grows upwards, like an axis); colours from
/// <see cref="Viridis"/> scaled from the finite minimum to the maximum, NaN cells grey. Each finite cell is annotated
/// with its value ("0.00") in black or white, whichever reads better. A colour bar on the right shows min and max.
/// </summary>
public static class HeatMap
{
    public static void Write(string pngPath, string title, string xLabel, IReadOnlyList<double> xTicks,
                             string yLabel, IReadOnlyList<double> yTicks, double[,] values, int cellPixels = 48)
    {
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        Render(title, xLabel, xTicks, yLabel, yTicks, values, cellPixels).Save(pngPath);
    }

    public const int BarWidth = 18;

    public static Figure Render(string title, string xLabel, IReadOnlyList<double> xTicks,
                                string yLabel, IReadOnlyList<double> yTicks, double[,] values, int cellPixels = 48)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(xTicks);
        ArgumentNullException.ThrowIfNull(yTicks);
        int rows = values.GetLength(0), cols = values.GetLength(1);
        if (rows == 0 || cols == 0) throw new ArgumentException($"heat map values are empty ({rows}×{cols})", nameof(values));
        if (xTicks.Count != cols) throw new ArgumentException($"{xTicks.Count} x ticks for {cols} columns", nameof(xTicks));
        if (yTicks.Count != rows) throw new ArgumentException($"{yTicks.Count} y ticks for {rows} rows", nameof(yTicks));
        if (cellPixels < 4 || cellPixels > 400) throw new ArgumentException($"cell size must be 4..400 pixels, got {cellPixels}", nameof(cellPixels));
        var finite = values.Cast<double>().Where(double.IsFinite).ToArray();
        if (finite.Length == 0) throw new ArgumentException("heat map has no finite value", nameof(values));
        double min = finite.Min(), max = finite.Max();

        const int pad = ChartFrame.Pad, tick = ChartFrame.TickLength;
        int s = cols * cellPixels >= 240 ? 2 : 1;
        int lineHeight = BitmapFont.Height(s) + 4;
        string[] xLabels = xTicks.Select(Label).ToArray(), yLabels = yTicks.Select(Label).ToArray();
        int decimals = BarDecimals(min, max);
        string[] barLabels = { max.ToString("F" + decimals, CultureInfo.InvariantCulture), min.ToString("F" + decimals, CultureInfo.InvariantCulture) };

        int titleScale = s + 1, titleHeight = string.IsNullOrEmpty(title) ? pad : 2 * pad + BitmapFont.Height(titleScale);
        int left = pad + (string.IsNullOrEmpty(yLabel) ? 0 : BitmapFont.Height(s) + pad) + yLabels.Max(l => BitmapFont.Width(l, s)) + tick + 4;
        var plot = new PixelRect(left, titleHeight, cols * cellPixels, rows * cellPixels);
        int barLeft = plot.Right + 1 + 2 * pad;
        int width = barLeft + BarWidth + tick + 4 + barLabels.Max(l => BitmapFont.Width(l, s)) + pad;
        width = Math.Max(width, BitmapFont.Width(title ?? "", titleScale) + 2 * pad);
        int height = plot.Bottom + 1 + tick + 4 + lineHeight + (string.IsNullOrEmpty(xLabel) ? 0 : lineHeight + 4) + pad;

        var canvas = new Canvas(width, height, Rgb.White);
        if (!string.IsNullOrEmpty(title)) canvas.Text(title, width / 2, pad, Rgb.Black, titleScale, 0.5, 0);
        if (!string.IsNullOrEmpty(xLabel)) canvas.Text(xLabel, plot.Left + plot.Width / 2, height - pad, Rgb.Black, s, 0.5, 1);
        if (!string.IsNullOrEmpty(yLabel)) canvas.TextUp(yLabel, pad, plot.Top + plot.Height / 2, Rgb.Black, s, 0, 0.5);

        int annotateScale = BitmapFont.Width("0.00", 2) + 6 <= cellPixels ? 2 : BitmapFont.Width("0.00", 1) + 2 <= cellPixels ? 1 : 0;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                var cell = Cell(plot, rows, cellPixels, r, c);
                double v = values[r, c];
                var colour = double.IsFinite(v) ? ColourOf(v, min, max) : Rgb.MissingGrey;
                canvas.FillRect(cell, colour);
                if (annotateScale > 0 && double.IsFinite(v))
                    canvas.Text(v.ToString("0.00", CultureInfo.InvariantCulture), cell.Left + cell.Width / 2, cell.Top + cell.Height / 2,
                                colour.Luminance > 0.5 ? Rgb.Black : Rgb.White, annotateScale, 0.5, 0.5);
            }
        canvas.StrokeRect(new PixelRect(plot.Left - 1, plot.Top - 1, plot.Width + 2, plot.Height + 2), Rgb.Black);

        // Tick labels: every k-th so they do not overlap.
        int everyX = Every(xLabels.Max(l => BitmapFont.Width(l, s)) + 6, cellPixels), everyY = Every(lineHeight, cellPixels);
        for (int c = 0; c < cols; c += everyX)
        {
            int px = plot.Left + c * cellPixels + cellPixels / 2;
            canvas.FillRect(new PixelRect(px, plot.Bottom + 1, 1, tick), Rgb.Black);
            canvas.Text(xLabels[c], px, plot.Bottom + 1 + tick + 4, Rgb.Black, s, 0.5, 0);
        }
        for (int r = 0; r < rows; r += everyY)
        {
            int py = plot.Bottom - r * cellPixels - cellPixels / 2;
            canvas.FillRect(new PixelRect(plot.Left - 1 - tick, py, tick, 1), Rgb.Black);
            canvas.Text(yLabels[r], plot.Left - 1 - tick - 4, py, Rgb.Black, s, 1, 0.5);
        }

        // Colour bar: max at the top, min at the bottom.
        var bar = new PixelRect(barLeft, plot.Top, BarWidth, plot.Height);
        for (int py = 0; py < bar.Height; py++)
            canvas.FillRect(new PixelRect(bar.Left, bar.Top + py, bar.Width, 1), Viridis.At(1 - py / (double)Math.Max(1, bar.Height - 1)));
        canvas.StrokeRect(new PixelRect(bar.Left - 1, bar.Top - 1, bar.Width + 2, bar.Height + 2), Rgb.Black);
        canvas.Text(barLabels[0], bar.Right + 1 + 4, bar.Top, Rgb.Black, s, 0, 0);
        canvas.Text(barLabels[1], bar.Right + 1 + 4, bar.Bottom, Rgb.Black, s, 0, 1);
        return new Figure(canvas, plot);
    }

    /// <summary>The pixels of cell (row, col) inside the plot area (row 0 at the bottom).</summary>
    public static PixelRect Cell(PixelRect plot, int rows, int cellPixels, int row, int col)
        => new(plot.Left + col * cellPixels, plot.Top + (rows - 1 - row) * cellPixels, cellPixels, cellPixels);

    /// <summary>Fill colour of a finite value on a map spanning [min, max] (mid-scale when they are equal).</summary>
    public static Rgb ColourOf(double v, double min, double max) => Viridis.At(max > min ? (v - min) / (max - min) : 0.5);

    static string Label(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    static int Every(int needed, int cell) => Math.Max(1, (int)Math.Ceiling(needed / (double)cell));

    /// <summary>Enough decimals that min and max differ on the bar (at least two).</summary>
    static int BarDecimals(double min, double max)
        => max > min ? Math.Clamp(1 - (int)Math.Floor(Math.Log10(max - min)), 2, 6) : 2;
}
