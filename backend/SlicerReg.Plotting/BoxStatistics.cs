using SlicerReg.Core.Evaluation;

namespace SlicerReg.Plotting;

/// <summary>
/// What one box of a <see cref="BoxPlot"/> shows (Tukey's box plot as matplotlib draws it): quartiles by linear
/// interpolation (numpy.percentile's default, <see cref="Percentile"/>), whiskers at the most extreme values within
/// 1.5·IQR of the box, the values beyond them as outliers. Non-finite values are left out and counted in <see cref="Excluded"/>.
/// </summary>
public sealed record BoxStatistics(int Count, int Excluded, double Q1, double Median, double Q3,
                                   double LowerWhisker, double UpperWhisker, IReadOnlyList<double> Outliers)
{
    public const double WhiskerReach = 1.5;

    public double InterquartileRange => Q3 - Q1;

    /// <summary>Statistics of the finite values; with none, Count 0 and every statistic NaN.</summary>
    public static BoxStatistics Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var all = values.ToList();
        var v = all.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return new BoxStatistics(0, all.Count, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, Array.Empty<double>());
        Array.Sort(v);
        double q1 = Percentile.LinearOfSorted(v, 25), median = Percentile.LinearOfSorted(v, 50), q3 = Percentile.LinearOfSorted(v, 75);
        double lo = q1 - WhiskerReach * (q3 - q1), hi = q3 + WhiskerReach * (q3 - q1);
        double lowerWhisker = v.First(x => x >= lo), upperWhisker = v.Last(x => x <= hi);
        return new BoxStatistics(v.Length, all.Count - v.Length, q1, median, q3, lowerWhisker, upperWhisker, v.Where(x => x < lo || x > hi).ToArray());
    }
}
