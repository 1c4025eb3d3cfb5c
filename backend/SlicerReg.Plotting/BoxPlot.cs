using System.Globalization;
using SP = ScottPlot;

namespace SlicerReg.Plotting;

/// <summary>
/// Box plot, one box per group (metric per method) at x = 0, 1, …: box from Q1 to Q3 outlined in the group's
/// <see cref="Palette"/> colour and filled with its <see cref="Tint"/>, black median line, whiskers with caps at the most
/// extreme values within 1.5·IQR, outliers as dots (<see cref="BoxStatistics"/>). Under each box its name and n. A
/// group without finite values gets no box ("n=0").
/// </summary>
public static class BoxPlot
{
    public const double BoxWidth = 0.5;

    public static void Write(string pngPath, string title, string yLabel,
                             IReadOnlyList<(string Group, IReadOnlyList<double> Values)> groups, int width = 800, int height = 500)
    {
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        Render(title, yLabel, groups, width, height).Save(pngPath);
    }

    public static Figure Render(string title, string yLabel, IReadOnlyList<(string Group, IReadOnlyList<double> Values)> groups,
                                int width = 800, int height = 500)
    {
        if (groups == null || groups.Count == 0) throw new ArgumentException("box plot needs at least one group", nameof(groups));
        if (groups.Any(g => g.Values == null)) throw new ArgumentException($"group '{groups.First(g => g.Values == null).Group}' has no value list", nameof(groups));
        var stats = groups.Select(g => BoxStatistics.Of(g.Values)).ToArray();
        if (stats.All(s => s.Count == 0)) throw new ArgumentException("box plot: no group has a finite value", nameof(groups));
        Chart.CheckSize(width, height);

        var plot = Chart.Create(title, "", yLabel);
        var ticks = new SP.TickGenerators.NumericManual();
        for (int n = 0; n < groups.Count; n++)
        {
            var st = stats[n];
            ticks.AddMajor(n, $"{groups[n].Group}\nn={st.Count.ToString(CultureInfo.InvariantCulture)}");
            if (st.Count == 0) continue;
            var colour = Palette.Colour(n);
            var box = new SP.Box { Position = n, BoxMin = st.Q1, BoxMax = st.Q3, WhiskerMin = st.LowerWhisker, WhiskerMax = st.UpperWhisker, Width = BoxWidth };
            plot.Add.Box(box);
            // Add.Box paints the box in ScottPlot's own palette: ours after it.
            box.FillColor = Chart.Colour(Tint(colour));
            box.LineColor = Chart.Colour(colour);
            box.LineWidth = 1.5f;
            var median = plot.Add.Line(n - BoxWidth / 2, st.Median, n + BoxWidth / 2, st.Median);
            median.LineColor = SP.Colors.Black;
            median.LineWidth = 2;
            if (st.Outliers.Count > 0)
                plot.Add.Markers(Enumerable.Repeat((double)n, st.Outliers.Count).ToArray(), st.Outliers.ToArray(), SP.MarkerShape.FilledCircle, 5, Chart.Colour(colour));
        }
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Grid.XAxisStyle.IsVisible = false;
        plot.Axes.SetLimitsX(-0.5, groups.Count - 0.5);
        return Chart.Render(plot, width, height);
    }

    /// <summary>Halfway to white: a box fill the median line and outline stand out on.</summary>
    public static Rgb Tint(Rgb c) => new((byte)((c.R + 255) / 2), (byte)((c.G + 255) / 2), (byte)((c.B + 255) / 2));
}
