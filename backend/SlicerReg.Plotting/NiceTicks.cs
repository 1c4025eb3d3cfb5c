using System.Globalization;

namespace SlicerReg.Plotting;

/// <summary>Ticks of a log10 axis at "nice" values: 1, 2, 5 × 10^k over short ranges, whole decades over long ones (linear axes take ScottPlot's).</summary>
public sealed record NiceTicks(double Min, double Max, IReadOnlyList<double> Values, IReadOnlyList<string> Labels)
{
    /// <summary>
    /// Log10 axis over [min, max] (both &gt; 0). When at most <paramref name="maxTicks"/> ticks of 1, 2, 5 × 10^k cover
    /// the data (up to about two decades) the axis runs from the last such tick below the data to the first above;
    /// otherwise it is widened to whole decades with a tick every decade (every k-th when there are many).
    /// </summary>
    public static NiceTicks Log(double min, double max, int maxTicks = 8)
    {
        if (!(min > 0) || !(max > 0) || !double.IsFinite(min) || !double.IsFinite(max) || min > max) throw new ArgumentException($"log axis range [{min}, {max}] must be finite and positive");
        int d0 = (int)Math.Floor(Math.Log10(min) + 1e-9), d1 = (int)Math.Ceiling(Math.Log10(max) - 1e-9);
        if (d1 <= d0) d1 = d0 + 1;

        var fine = new List<double>();
        for (int d = d0; d <= d1; d++) foreach (double m in new[] { 1.0, 2.0, 5.0 }) fine.Add(m * Math.Pow(10, d));
        double lo = fine.Last(t => t <= min * (1 + 1e-12)), hi = fine.First(t => t >= max * (1 - 1e-12));
        var chosen = fine.Where(t => t >= lo && t <= hi).ToList();
        if (chosen.Count < 3 || chosen.Count > maxTicks)
        {
            int every = Math.Max(1, (int)Math.Ceiling((d1 - d0 + 1) / (double)maxTicks));
            d0 = (int)Math.Floor(d0 / (double)every) * every; d1 = (int)Math.Ceiling(d1 / (double)every) * every;
            chosen = new List<double>();
            for (int d = d0; d <= d1; d += every) chosen.Add(Math.Pow(10, d));
        }
        return new NiceTicks(chosen[0], chosen[^1], chosen, chosen.Select(LogLabel).ToArray());
    }

    static string LogLabel(double v)
    {
        int d = (int)Math.Floor(Math.Log10(v) + 1e-9);
        if (d >= -3 && d <= 4) return v.ToString("0.####", CultureInfo.InvariantCulture);
        double m = Math.Round(v / Math.Pow(10, d));
        return FormattableString.Invariant($"{m}e{d}");
    }
}
