using System.Globalization;

namespace SlicerReg.Plotting;

/// <summary>Axis ticks at "nice" values: steps of 1, 2 or 5 × 10^k on linear axes, whole decades on log axes.</summary>
public sealed record NiceTicks(double Min, double Max, IReadOnlyList<double> Values, IReadOnlyList<string> Labels)
{
    /// <summary>
    /// The smallest 1-2-5 step giving at most <paramref name="maxTicks"/> ticks over [min, max]; the axis is widened to
    /// whole steps. A zero-width range is widened by ±10 % of its value (±1 around 0) first.
    /// </summary>
    public static NiceTicks Linear(double min, double max, int maxTicks = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max) throw new ArgumentException($"axis range [{min}, {max}] is not a finite interval");
        if (maxTicks < 2) throw new ArgumentOutOfRangeException(nameof(maxTicks), "need at least two ticks");
        if (max - min <= 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = min == 0 ? 1 : 0.1 * Math.Abs(min);
            min -= pad; max += pad;
        }
        double step = Step((max - min) / (maxTicks - 1));
        double lo = Math.Floor(min / step + 1e-9) * step, hi = Math.Ceiling(max / step - 1e-9) * step;
        while ((hi - lo) / step + 1 > maxTicks + 1e-9) { step = Step(step * 1.0001); lo = Math.Floor(min / step + 1e-9) * step; hi = Math.Ceiling(max / step - 1e-9) * step; }
        int count = (int)Math.Round((hi - lo) / step) + 1;
        int decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var values = new double[count];
        var labels = new string[count];
        for (int n = 0; n < count; n++)
        {
            double v = Math.Round((lo + n * step) / step) * step;
            if (Math.Abs(v) < step * 1e-9) v = 0;
            values[n] = v;
            labels[n] = v.ToString("F" + decimals, CultureInfo.InvariantCulture);
        }
        return new NiceTicks(lo, hi, values, labels);
    }

    /// <summary>Smallest of 1, 2, 5 × 10^k that is ≥ <paramref name="rough"/>.</summary>
    public static double Step(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough)) throw new ArgumentException($"tick step must be positive and finite, got {rough}");
        double p = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (m * p >= rough * (1 - 1e-12)) return m * p;
        return 10 * p;
    }

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
