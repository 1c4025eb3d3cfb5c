namespace SlicerReg.Core.Xray;

/// <summary>
/// Beer–Lambert inverted: I = I₀·e^−p, so the line integral is p = −ln(I/I₀) — what a DRR holds and the network and the
/// refinement compare with. Pixels outside the collimated field become 0 (no information, and 0 is what a femur mask and
/// the refinement's outline read as "not the femur"); an exposed pixel with I ≤ 0 (a dead pixel, noise in a very thick
/// path) is read as <see cref="FloorFraction"/>·I₀, so p stays finite (≤ −ln 1e−4 ≈ 9.2).
/// </summary>
public static class LogConversion
{
    public const double FloorFraction = 1e-4;

    public static float[] ToLineIntegrals(ReadOnlySpan<float> intensity, double i0, bool[]? insideField = null)
    {
        if (!(i0 > 0) || !double.IsFinite(i0)) throw new ArgumentException($"I₀ must be positive, got {i0}");
        var p = new float[intensity.Length];
        for (int n = 0; n < p.Length; n++)
        {
            if (insideField is not null && !insideField[n]) continue;
            p[n] = (float)-Math.Log(Math.Max(intensity[n], FloorFraction * i0) / i0);
        }
        return p;
    }
}
