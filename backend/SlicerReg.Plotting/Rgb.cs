namespace SlicerReg.Plotting;

/// <summary>An 8-bit sRGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255), Black = new(0, 0, 0);
    public static readonly Rgb GridGrey = new(225, 225, 225), MissingGrey = new(190, 190, 190);

    /// <summary>Relative luminance (Rec. 709 weights on the 8-bit values): picks black or white text over a fill.</summary>
    public double Luminance => (0.2126 * R + 0.7152 * G + 0.0722 * B) / 255.0;

    public override string ToString() => $"#{R:x2}{G:x2}{B:x2}";
}
