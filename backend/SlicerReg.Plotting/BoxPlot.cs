using System.Globalization;

namespace SlicerReg.Plotting;

/// <summary>
/// Box plot, one box per group (metric per method): box from Q1 to Q3 in the group's <see cref="Palette"/> colour
/// (lightened), black median line, whiskers with caps at the most extreme values within 1.5·IQR, outliers as dots
/// (<see cref="BoxStatistics"/>). Under each box its name and n. A group without finite values gets no box ("n=0").
/// </summary>
public static class BoxPlot
{
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

        var finite = groups.SelectMany(g => g.Values).Where(double.IsFinite).ToArray();
        var yTicks = NiceTicks.Linear(finite.Min(), finite.Max(), 7);
        var frame = ChartFrame.Create(width, height, title, "", yLabel, yTicks.Labels, 2, 0);
        var plot = frame.Plot;
        var y = new AxisScale(yTicks.Min, yTicks.Max, false, plot.Bottom - 1, plot.Top);
        frame.DrawYAxis(yTicks, y);

        double slot = plot.Width / (double)groups.Count;
        int boxWidth = (int)Math.Clamp(slot * 0.5, 4, 90);
        int s = frame.Scale;
        frame.DrawXTicks(groups.Select((g, n) => (plot.Left + (n + 0.5) * slot, (IReadOnlyList<string>)new[]
        {
            Fit(g.Group ?? "", slot, s), "n=" + stats[n].Count.ToString(CultureInfo.InvariantCulture),
        })), grid: false);

        var canvas = frame.Canvas;
        canvas.Clip = plot;
        for (int n = 0; n < groups.Count; n++)
        {
            var st = stats[n];
            if (st.Count == 0) continue;
            int cx = (int)Math.Round(plot.Left + (n + 0.5) * slot), left = cx - boxWidth / 2;
            int Y(double v) => (int)Math.Round(y.Map(v));
            var colour = Palette.Colour(n);
            var fill = new Rgb(Tint(colour.R), Tint(colour.G), Tint(colour.B));
            int top = Y(st.Q3), bottom = Y(st.Q1);
            canvas.Line(cx, Y(st.UpperWhisker), cx, top, Rgb.Black);
            canvas.Line(cx, Y(st.LowerWhisker), cx, bottom, Rgb.Black);
            canvas.Line(cx - boxWidth / 4, Y(st.UpperWhisker), cx + boxWidth / 4, Y(st.UpperWhisker), Rgb.Black);
            canvas.Line(cx - boxWidth / 4, Y(st.LowerWhisker), cx + boxWidth / 4, Y(st.LowerWhisker), Rgb.Black);
            var box = new PixelRect(left, top, boxWidth, bottom - top + 1);
            canvas.FillRect(box, fill);
            canvas.StrokeRect(box, colour);
            canvas.FillRect(new PixelRect(left, Y(st.Median), boxWidth, 2), Rgb.Black);
            foreach (var o in st.Outliers) canvas.Circle(cx, Y(o), 2.5, colour);
        }
        canvas.Clip = null;
        frame.DrawFrame();
        return frame.ToFigure();
    }

    /// <summary>Halfway to white: a box fill the median line and outline stand out on.</summary>
    static byte Tint(byte c) => (byte)((c + 255) / 2);

    /// <summary>The name, shortened with ".." when it is wider than its slot.</summary>
    static string Fit(string name, double slot, int scale)
    {
        if (BitmapFont.Width(name, scale) <= slot - 4) return name;
        for (int len = name.Length - 1; len > 0; len--)
            if (BitmapFont.Width(name[..len] + "..", scale) <= slot - 4) return name[..len] + "..";
        return "";
    }
}
