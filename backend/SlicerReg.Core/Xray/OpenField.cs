using SlicerReg.Core.Evaluation;

namespace SlicerReg.Core.Xray;

/// <summary>
/// I₀, the unattenuated intensity, from the open field: the pixels inside the collimation that the beam reaches through air
/// only (beside the thigh and the buttock in a hip radiograph). They are the brightest mode of the image, so
/// <list type="number">
/// <item>q = the <see cref="Percentile"/>-th percentile of the in-field intensities lies in that mode when the open field
///   covers more than 1 − <see cref="Percentile"/>/100 = 1% of the field;</item>
/// <item>the open field is taken as the in-field pixels within <see cref="Band"/> (5%, a line integral of 0.05 — a few mm of
///   soft tissue) below q, which holds the whole noisy mode down to the dose where quantum noise reaches 2% per pixel;</item>
/// <item>I₀ = their median (robust to the few tissue pixels the band lets in and to the noise's upper tail that q sits on).</item>
/// </list>
/// Noise-free, with an open field of 1% or more, this returns I₀ exactly. A radiograph with no open field (a tight
/// collimation on the bone) has none to estimate from: give I₀ (`--i0`).
/// </summary>
public static class OpenField
{
    public const double Percentile = 99, Band = 0.05;

    public static double EstimateI0(ReadOnlySpan<float> intensity, bool[]? insideField = null)
    {
        var values = new List<double>(intensity.Length);
        for (int n = 0; n < intensity.Length; n++)
            if ((insideField is null || insideField[n]) && float.IsFinite(intensity[n])) values.Add(intensity[n]);
        if (values.Count == 0) throw new ArgumentException("no pixel inside the collimated field to estimate I₀ from");
        var sorted = values.ToArray();
        Array.Sort(sorted);
        double q = Evaluation.Percentile.LinearOfSorted(sorted, Percentile);
        if (!(q > 0)) throw new ArgumentException($"the brightest pixels of the field are not positive ({q:G4}): not an intensity image?");
        int first = Array.BinarySearch(sorted, q * (1 - Band));
        if (first < 0) first = ~first;
        while (first > 0 && sorted[first - 1] >= q * (1 - Band)) first--;
        var band = sorted.AsSpan(first);
        return band.Length % 2 == 1 ? band[band.Length / 2] : (band[band.Length / 2 - 1] + band[band.Length / 2]) / 2;
    }
}
