using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// A metric's median over cases binned by how far each view's primary angle is from its nominal view (AP 0°, lateral
/// 90°; <see cref="ViewPresets"/>), like the paper's Fig. 4 ("median Dice scores for different combinations of LAO/RAO
/// projection angles"). Bins are half-open [edge, edge + BinDeg) with edges at multiples of BinDeg covering the data.
/// Rows are lateral bins, columns AP bins; a cell without a defined value is NaN (its count 0).
/// </summary>
public sealed record AngleBins(double BinDeg, IReadOnlyList<double> ApOffsetCentresDeg, IReadOnlyList<double> LateralOffsetCentresDeg,
                               double[,] Median, int[,] Count)
{
    public static double ApOffsetDeg(EvaluatedCase c) => c.ApPrimaryAngleDeg - ViewPresets.Ap.PrimaryAngleDeg;
    public static double LateralOffsetDeg(EvaluatedCase c) => c.LateralPrimaryAngleDeg - ViewPresets.Lateral.PrimaryAngleDeg;

    /// <summary>Bins <paramref name="cases"/> (one method's) by AP and lateral offset and takes the median of <paramref name="metric"/> per bin (NaN values left out).</summary>
    public static AngleBins Of(IReadOnlyList<EvaluatedCase> cases, Func<CaseMetrics, double> metric, double binDeg = 10)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentNullException.ThrowIfNull(metric);
        if (cases.Count == 0) throw new ArgumentException("angle bins need at least one case", nameof(cases));
        if (!(binDeg > 0) || !double.IsFinite(binDeg)) throw new ArgumentException($"bin width must be a positive number of degrees, got {binDeg}", nameof(binDeg));
        foreach (var c in cases)
            if (!double.IsFinite(c.ApPrimaryAngleDeg) || !double.IsFinite(c.LateralPrimaryAngleDeg))
                throw new ArgumentException($"case {c.CaseId} ({c.Method}): primary angles must be finite, got AP {c.ApPrimaryAngleDeg}, lateral {c.LateralPrimaryAngleDeg}", nameof(cases));
        var (apLow, apBins) = Edges(cases.Select(ApOffsetDeg), binDeg);
        var (latLow, latBins) = Edges(cases.Select(LateralOffsetDeg), binDeg);
        var values = new List<double>[latBins, apBins];
        for (int r = 0; r < latBins; r++) for (int c = 0; c < apBins; c++) values[r, c] = new List<double>();
        foreach (var c in cases) values[Index(LateralOffsetDeg(c), latLow, binDeg), Index(ApOffsetDeg(c), apLow, binDeg)].Add(metric(c.Metrics));

        var median = new double[latBins, apBins];
        var count = new int[latBins, apBins];
        for (int r = 0; r < latBins; r++)
            for (int c = 0; c < apBins; c++)
            {
                var s = MetricSummary.Of(values[r, c]);
                median[r, c] = s.Median; count[r, c] = s.Count;
            }
        return new AngleBins(binDeg, Centres(apLow, apBins, binDeg), Centres(latLow, latBins, binDeg), median, count);
    }

    /// <summary>Bin of an offset given the lowest edge (a small tolerance keeps 20.000000001 − 90 + 90 on its edge).</summary>
    public static int Index(double offset, double lowEdge, double binDeg) => (int)Math.Floor((offset - lowEdge) / binDeg + 1e-9);

    static (double Low, int Bins) Edges(IEnumerable<double> offsets, double binDeg)
    {
        var o = offsets.ToArray();
        double low = Math.Floor(o.Min() / binDeg + 1e-9) * binDeg;
        return (low, Index(o.Max(), low, binDeg) + 1);
    }

    static double[] Centres(double low, int bins, double binDeg) => Enumerable.Range(0, bins).Select(n => low + (n + 0.5) * binDeg).ToArray();
}
