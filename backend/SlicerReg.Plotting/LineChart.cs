using SP = ScottPlot;

namespace SlicerReg.Plotting;

/// <summary>
/// Line chart of one or more series (e.g. loss per epoch), linear or log10 y axis: one <see cref="LineWidth"/>-pixel
/// line per series in the <see cref="Palette"/> colours, legend right of the plot, ScottPlot's ticks on linear axes and
/// <see cref="NiceTicks.Log"/> ones on a log axis. NaN points (and values ≤ 0 on a log axis) are gaps; a point with
/// gaps on both sides is a dot.
/// </summary>
public static class LineChart
{
    public const int LineWidth = 2;
    public const float DotSize = 6;

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
        var ys = new List<double>();
        foreach (var s in series)
        {
            if (s == null || s.X == null || s.Y == null) throw new ArgumentException("a series and its X and Y must not be null", nameof(series));
            if (s.X.Count != s.Y.Count) throw new ArgumentException($"series '{s.Name}': {s.X.Count} x values but {s.Y.Count} y values", nameof(series));
            for (int n = 0; n < s.X.Count; n++)
                if (Drawable(s.X[n], s.Y[n], logY)) ys.Add(s.Y[n]);
        }
        if (ys.Count == 0)
            throw new ArgumentException(logY ? "no series has a finite point with y > 0 to draw on a log axis" : "no series has a finite (x, y) point to draw", nameof(series));
        Chart.CheckSize(width, height);

        var plot = Chart.Create(title, xLabel, yLabel);
        for (int k = 0; k < series.Count; k++) AddSeries(plot, series[k], Chart.Colour(Palette.Colour(k)), logY);
        if (logY) LogAxis(plot, NiceTicks.Log(ys.Min(), ys.Max()));
        plot.ShowLegend(SP.Edge.Right);
        return Chart.Render(plot, width, height, logY);
    }

    static bool Drawable(double x, double y, bool logY) => double.IsFinite(x) && double.IsFinite(y) && (!logY || y > 0);

    /// <summary>Each run of drawable points as its own line (so gaps stay gaps), a lone point as a dot; the legend entry once.</summary>
    static void AddSeries(SP.Plot plot, Series s, SP.Color colour, bool logY)
    {
        bool named = false;
        int n = 0, count = s.X.Count;
        while (n < count)
        {
            if (!Drawable(s.X[n], s.Y[n], logY)) { n++; continue; }
            int end = n;
            while (end + 1 < count && Drawable(s.X[end + 1], s.Y[end + 1], logY)) end++;
            var xs = Enumerable.Range(n, end - n + 1).Select(i => s.X[i]).ToArray();
            var ys = Enumerable.Range(n, end - n + 1).Select(i => logY ? Math.Log10(s.Y[i]) : s.Y[i]).ToArray();
            var line = plot.Add.Scatter(xs, ys, colour);
            line.LineWidth = LineWidth;
            line.MarkerSize = xs.Length == 1 ? DotSize : 0;
            if (!named) { line.LegendText = s.Name ?? ""; named = true; }
            n = end + 1;
        }
    }

    /// <summary>A log10 axis: data are drawn as log10(y); ticks and labels from <paramref name="ticks"/>, minor ticks at 2..9 × 10^k.</summary>
    static void LogAxis(SP.Plot plot, NiceTicks ticks)
    {
        var generator = new SP.TickGenerators.NumericManual();
        foreach (var (v, label) in ticks.Values.Zip(ticks.Labels)) generator.AddMajor(Math.Log10(v), label);
        for (int d = (int)Math.Floor(Math.Log10(ticks.Min)); d < Math.Ceiling(Math.Log10(ticks.Max)); d++)
            for (int m = 2; m <= 9; m++)
            {
                double v = m * Math.Pow(10, d);
                if (v > ticks.Min && v < ticks.Max && !ticks.Values.Any(t => Math.Abs(t - v) <= 1e-9 * v)) generator.AddMinor(Math.Log10(v));
            }
        plot.Axes.Left.TickGenerator = generator;
        plot.Axes.SetLimitsY(Math.Log10(ticks.Min), Math.Log10(ticks.Max));
    }
}
