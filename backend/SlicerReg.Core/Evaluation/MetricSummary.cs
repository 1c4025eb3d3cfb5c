namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Summary of one metric over cases, as the paper reports it ("0.923 ± 0.033", medians in Fig. 4): mean ± sample
/// standard deviation (n − 1 denominator; 0 for one case), median (mean of the middle two for even n), min, max.
/// Non-finite values (NaN: undefined for that case) are left out and counted in <see cref="Excluded"/>.
/// With no finite value every statistic is NaN.
/// </summary>
public sealed record MetricSummary(int Count, int Excluded, double Mean, double StandardDeviation, double Median, double Min, double Max)
{
    public static MetricSummary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var all = values.ToList();
        var v = all.Where(double.IsFinite).ToArray();
        int excluded = all.Count - v.Length;
        if (v.Length == 0) return new MetricSummary(0, excluded, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        Array.Sort(v);
        double mean = v.Average();
        double ss = 0;
        foreach (var x in v) ss += (x - mean) * (x - mean);
        double sd = v.Length > 1 ? Math.Sqrt(ss / (v.Length - 1)) : 0;
        int m = v.Length / 2;
        double median = v.Length % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
        return new MetricSummary(v.Length, excluded, mean, sd, median, v[0], v[^1]);
    }

    /// <summary>Summaries of every metric of <see cref="CaseMetrics"/>, keyed by <see cref="CaseMetrics.MetricNames"/>.</summary>
    public static IReadOnlyDictionary<string, MetricSummary> Of(IReadOnlyList<CaseMetrics> cases)
    {
        var d = new Dictionary<string, MetricSummary>();
        for (int m = 0; m < CaseMetrics.MetricNames.Count; m++) d[CaseMetrics.MetricNames[m]] = Of(cases.Select(c => c.Values[m]));
        return d;
    }

    public override string ToString()
        => FormattableString.Invariant($"{Mean:G4} ± {StandardDeviation:G4} (median {Median:G4}, n = {Count}{(Excluded > 0 ? $", {Excluded} undefined" : "")})");
}
