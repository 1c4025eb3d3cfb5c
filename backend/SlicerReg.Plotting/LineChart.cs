namespace SlicerReg.Plotting;

/// <summary>
/// Line chart (training curves, benchmarks): axes with 1-2-5 ticks and grid, one 2-pixel line per series in the
/// <see cref="Palette"/> colours, legend right of the plot. NaN points (and values ≤ 0 on a log axis) are gaps; a point
/// with gaps on both sides is a dot.
/// </summary>
public static class LineChart
{
    public const int LineWidth = 2;

    public static void Write(string pngPath, string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
                             bool logY = false, int width = 800, int height = 500)
    {
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        Render(title, xLabel, yLabel, series, logY, width, height).Save(pngPath);
    }

    public static Figure Render(string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
                                bool logY = false, int width = 800, int height = 500)
    {
        if (series == null || series.Count == 0) throw new ArgumentException("line chart needs at least one series", nameof(series));
        var xs = new List<double>(); var ys = new List<double>();
        foreach (var s in series)
        {
            if (s == null || s.X == null || s.Y == null) throw new ArgumentException("a series and its X and Y must not be null", nameof(series));
            if (s.X.Count != s.Y.Count) throw new ArgumentException($"series '{s.Name}': {s.X.Count} x values but {s.Y.Count} y values", nameof(series));
            for (int n = 0; n < s.X.Count; n++)
                if (double.IsFinite(s.X[n]) && double.IsFinite(s.Y[n]) && (!logY || s.Y[n] > 0)) { xs.Add(s.X[n]); ys.Add(s.Y[n]); }
        }
        if (xs.Count == 0)
            throw new ArgumentException(logY ? "no series has a finite point with y > 0 to draw on a log axis" : "no series has a finite (x, y) point to draw", nameof(series));

        var xTicks = NiceTicks.Linear(xs.Min(), xs.Max(), 8);
        var yTicks = logY ? NiceTicks.Log(ys.Min(), ys.Max()) : NiceTicks.Linear(ys.Min(), ys.Max(), 7);
        int s0 = ChartFrame.TextScale(width, height);
        int legendWidth = ChartFrame.Pad + 28 + series.Max(s => BitmapFont.Width(s.Name ?? "", s0)) + ChartFrame.Pad;
        var frame = ChartFrame.Create(width, height, title, xLabel, yLabel, yTicks.Labels, 1, legendWidth);
        var plot = frame.Plot;
        var x = new AxisScale(xTicks.Min, xTicks.Max, false, plot.Left, plot.Right - LineWidth);
        var y = new AxisScale(yTicks.Min, yTicks.Max, logY, plot.Bottom - LineWidth, plot.Top);
        frame.DrawYAxis(yTicks, y);
        frame.DrawXTicks(xTicks.Values.Select((v, n) => (x.Map(v), (IReadOnlyList<string>)new[] { xTicks.Labels[n] })), grid: true);

        var canvas = frame.Canvas;
        canvas.Clip = plot;
        for (int k = 0; k < series.Count; k++)
        {
            var s = series[k]; var colour = Palette.Colour(k);
            int count = s.X.Count;
            var px = new double[count]; var py = new double[count]; var ok = new bool[count + 2];   // ok[n + 1]: point n drawable
            for (int n = 0; n < count; n++)
            {
                px[n] = double.IsFinite(s.X[n]) ? x.Map(s.X[n]) : double.NaN;
                py[n] = double.IsFinite(s.Y[n]) ? y.Map(s.Y[n]) : double.NaN;
                ok[n + 1] = double.IsFinite(px[n]) && double.IsFinite(py[n]);
            }
            for (int n = 0; n < count; n++)
            {
                if (!ok[n + 1]) continue;
                if (ok[n + 2]) canvas.Line(px[n], py[n], px[n + 1], py[n + 1], colour, LineWidth);
                else if (!ok[n]) canvas.Circle(px[n] + 0.5, py[n] + 0.5, 2.5, colour);
            }
        }
        canvas.Clip = null;
        frame.DrawFrame();

        // Legend: a swatch and the name per series, top-right outside the plot.
        int lx = plot.Right + 1 + ChartFrame.Pad, ly = plot.Top + 4, step = BitmapFont.Height(s0) + 8;
        for (int k = 0; k < series.Count; k++)
        {
            int cy = ly + k * step + BitmapFont.Height(s0) / 2;
            canvas.FillRect(new PixelRect(lx, cy - LineWidth / 2, 22, LineWidth), Palette.Colour(k));
            canvas.Text(series[k].Name ?? "", lx + 28, cy, Rgb.Black, s0, 0, 0.5);
        }
        return frame.ToFigure();
    }
}
