namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Percentile with linear interpolation between order statistics: position h = (n−1)·p/100 in the sorted sample —
/// numpy.percentile's default ("linear", Hyndman &amp; Fan type 7) and torch.quantile's, which MONAI uses for HD95.
/// </summary>
public static class Percentile
{
    public static double Linear(IReadOnlyList<double> values, double percent)
    {
        if (!(percent >= 0 && percent <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), $"percent must be in [0, 100], got {percent}");
        if (values.Count == 0) return double.NaN;
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return LinearOfSorted(sorted, percent);
    }

    public static double LinearOfSorted(double[] sorted, double percent)
    {
        if (sorted.Length == 0) return double.NaN;
        double h = (sorted.Length - 1) * percent / 100.0;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1) return sorted[^1];
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }
}
