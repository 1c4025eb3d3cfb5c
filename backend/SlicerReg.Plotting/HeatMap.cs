using System.Globalization;
using SP = ScottPlot;

namespace SlicerReg.Plotting;

/// <summary>
/// Heat map of values[row, col] (e.g. median Dice over binned AP × lateral angles, the paper's Fig. 4): square cells of
/// <c>cellPixels</c>, column c centred over xTicks[c], row 0 at the bottom (y grows upwards, like an axis); colours from
/// ScottPlot's viridis scaled from the finite minimum to the maximum, NaN cells <see cref="Rgb.MissingGrey"/>. Each finite
/// cell is annotated with its value ("0.00") in black or white, whichever reads better. A colour bar on the right.
/// In data units cell (row, col) spans [col − ½, col + ½] × [row − ½, row + ½].
/// </summary>
public static class HeatMap
{
    /// <summary>Room around the cells: tick labels and axis label left, colour bar right, title above, labels below.</summary>
    static readonly SP.PixelPadding Margins = new(left: 100, right: 130, bottom: 80, top: 50);

    public static void Write(string pngPath, string title, string xLabel, IReadOnlyList<double> xTicks,
                             string yLabel, IReadOnlyList<double> yTicks, double[,] values, int cellPixels = 48)
    {
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        Render(title, xLabel, xTicks, yLabel, yTicks, values, cellPixels).Save(pngPath);
    }

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

        var plot = Chart.Create(title, xLabel, yLabel);
        // Without an extent, ScottPlot centres cell (row, col) on (col, row), cells one unit wide.
        var map = plot.Add.Heatmap(values);
        map.FlipVertically = true;   // row 0 at the bottom (ScottPlot's default is at the top)
        map.Colormap = new SP.Colormaps.Viridis();
        map.NaNCellColor = Chart.Colour(Rgb.MissingGrey);
        map.RenderStrategy = new SP.Plottables.Heatmap.RenderStrategies.Rectangles();   // one rectangle per cell, no resampling
        if (max == min) map.ManualRange = new SP.Range(min - 0.5, max + 0.5);
        plot.Add.ColorBar(map);

        float fontSize = Math.Clamp(cellPixels / 3.5f, 8, 16);
        if (cellPixels >= 24)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    double v = values[r, c];
                    if (!double.IsFinite(v)) continue;
                    var text = plot.Add.Text(v.ToString("0.00", CultureInfo.InvariantCulture), c, r);
                    text.LabelAlignment = SP.Alignment.MiddleCenter;
                    text.LabelFontSize = fontSize;
                    text.LabelFontName = Chart.Font;
                    var fill = map.Colormap.GetColor(max > min ? (v - min) / (max - min) : 0.5);
                    text.LabelFontColor = new Rgb(fill.R, fill.G, fill.B).Luminance > 0.5 ? SP.Colors.Black : SP.Colors.White;
                }

        plot.Axes.Bottom.TickGenerator = Ticks(xTicks, Every(xTicks, cellPixels));
        plot.Axes.Left.TickGenerator = Ticks(yTicks, Math.Max(1, (int)Math.Ceiling(20.0 / cellPixels)));
        plot.Grid.IsVisible = false;
        plot.Axes.SetLimits(-0.5, cols - 0.5, -0.5, rows - 0.5);
        // A title wider than the cells and margins widens both margins alike, so the cells keep their size.
        float grow = Math.Max(0, Chart.TitleWidth(plot) + 20 - (cols * cellPixels + Margins.Left + Margins.Right)) / 2;
        var margins = new SP.PixelPadding(Margins.Left + grow, Margins.Right + grow, Margins.Bottom, Margins.Top);
        plot.Layout.Fixed(margins);
        return Chart.Render(plot, (int)Math.Ceiling(cols * cellPixels + margins.Left + margins.Right), (int)(rows * cellPixels + margins.Top + margins.Bottom));
    }

    /// <summary>A tick at every <paramref name="every"/>-th cell centre, labelled with its value ("0.##").</summary>
    static SP.TickGenerators.NumericManual Ticks(IReadOnlyList<double> at, int every)
    {
        var t = new SP.TickGenerators.NumericManual();
        for (int n = 0; n < at.Count; n += every) t.AddMajor(n, at[n].ToString("0.##", CultureInfo.InvariantCulture));
        return t;
    }

    /// <summary>Every k-th x label so that neighbours do not overlap (about 8 pixels per character).</summary>
    static int Every(IReadOnlyList<double> at, int cellPixels)
        => Math.Max(1, (int)Math.Ceiling((at.Max(v => v.ToString("0.##", CultureInfo.InvariantCulture).Length) * 8 + 6) / (double)cellPixels));
}
