namespace SlicerReg.Plotting;

/// <summary>
/// The viridis colour map (van der Walt &amp; Smith, matplotlib 2.0): perceptually uniform, readable in grey and by
/// colour-blind readers. Nine samples of matplotlib's table, linearly interpolated (within a few 8-bit levels of it).
/// </summary>
public static class Viridis
{
    static readonly Rgb[] Samples =
    {
        new(68, 1, 84), new(71, 44, 122), new(59, 81, 139), new(44, 113, 142), new(33, 144, 141),
        new(39, 173, 129), new(92, 200, 99), new(170, 220, 50), new(253, 231, 37),
    };

    /// <summary>Colour at <paramref name="t"/> in [0, 1] (clamped); NaN is an error for the caller to handle.</summary>
    public static Rgb At(double t)
    {
        if (double.IsNaN(t)) throw new ArgumentException("colour-map position is NaN", nameof(t));
        t = Math.Clamp(t, 0, 1) * (Samples.Length - 1);
        int i = Math.Min((int)Math.Floor(t), Samples.Length - 2);
        double f = t - i;
        Rgb a = Samples[i], b = Samples[i + 1];
        return new Rgb(Lerp(a.R, b.R, f), Lerp(a.G, b.G, f), Lerp(a.B, b.B, f));
    }

    static byte Lerp(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
