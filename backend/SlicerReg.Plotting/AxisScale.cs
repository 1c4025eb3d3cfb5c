namespace SlicerReg.Plotting;

/// <summary>
/// Maps data values on [Min, Max] (linear, or log10 when <see cref="Log"/>) to continuous pixel positions From..To
/// (column x covers [x, x + 1)): one axis of a rendered <see cref="Figure"/>.
/// </summary>
public sealed record AxisScale(double Min, double Max, bool Log, double From, double To)
{
    /// <summary>Pixel position of <paramref name="v"/>; NaN for NaN (and for v ≤ 0 on a log axis): a gap.</summary>
    public double Map(double v)
    {
        if (double.IsNaN(v) || (Log && !(v > 0))) return double.NaN;
        double t = Log ? (Math.Log10(v) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min)) : (v - Min) / (Max - Min);
        return From + t * (To - From);
    }
}
