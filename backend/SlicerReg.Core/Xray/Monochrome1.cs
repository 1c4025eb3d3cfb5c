using System.Globalization;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Xray;

/// <summary>
/// DICOM's inverted photometric interpretation: in MONOCHROME1 the smallest value is displayed white, so a detector image
/// stored that way holds W − I (W the white level, the largest value the detector writes) where MONOCHROME2 holds I.
/// Inverting is I = W − v. W comes from the metadata: <see cref="RadiographKinds.WhiteLevelKey"/>, else 2^BitsStored − 1
/// (DICOM's BitsStored), else the image's largest value — the last one is a guess (it puts I = 0 at the most attenuated
/// pixel, so p = −ln(I/I₀) saturates there) and is reported as one.
/// </summary>
public static class Monochrome1
{
    public const string Name = "MONOCHROME1";

    /// <summary>True when <paramref name="metadata"/> says PhotometricInterpretation = MONOCHROME1.</summary>
    public static bool IsInverted(IReadOnlyDictionary<string, string> metadata)
        => metadata.TryGetValue(RadiographKinds.PhotometricKey, out var p) && p.Trim().Equals(Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>W and where it came from (<paramref name="origin"/> names the file in errors).</summary>
    public static (double WhiteLevel, string Source) WhiteLevel(IReadOnlyDictionary<string, string> metadata, ReadOnlySpan<float> pixels, string origin)
    {
        if (metadata.TryGetValue(RadiographKinds.WhiteLevelKey, out var w))
            return double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && double.IsFinite(v)
                ? (v, RadiographKinds.WhiteLevelKey)
                : throw new ImageFormatException(origin, $"\"{RadiographKinds.WhiteLevelKey}\" must be a positive number, got \"{w}\"");
        if (metadata.TryGetValue(RadiographKinds.BitsStoredKey, out var b))
            return int.TryParse(b, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits) && bits is >= 1 and <= 32
                ? (Math.Pow(2, bits) - 1, $"{RadiographKinds.BitsStoredKey}={bits}")
                : throw new ImageFormatException(origin, $"\"{RadiographKinds.BitsStoredKey}\" must be an integer 1 … 32, got \"{b}\"");
        float max = float.MinValue;
        foreach (var p in pixels) max = Math.Max(max, p);
        return (max, "the image's largest value (no white level in the metadata: a guess)");
    }

    /// <summary>I = W − v for every pixel, in place.</summary>
    public static void Invert(float[] pixels, double whiteLevel)
    {
        for (int n = 0; n < pixels.Length; n++) pixels[n] = (float)(whiteLevel - pixels[n]);
    }
}
