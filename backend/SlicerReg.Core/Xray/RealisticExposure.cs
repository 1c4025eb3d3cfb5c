using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// Parameters of <see cref="RealisticExposure"/> (docs/radiographs.md, "The realistic simulation"); the defaults are the
/// ones `simulate --realistic` uses unless --dose is given.
/// </summary>
public sealed record RealisticExposureOptions
{
    /// <summary>
    /// N₀: photons per pixel in the open field. 1e5 ≈ a DX hip exposure: about 2.5 µGy at the detector × ≈ 30,000
    /// photons/mm²/µGy (IEC 62220-1 RQA5) × 1.44 mm² (a 1.2 mm pixel).
    /// </summary>
    public double PhotonsPerPixel { get; init; } = 1e5;
    /// <summary>Scatter fraction f: the scatter added is f × the primary low-passed by <see cref="ScatterSigmaMm"/> (a scatter-to-primary ratio near f behind an anti-scatter grid).</summary>
    public double ScatterFraction { get; init; } = 0.1;
    public double ScatterSigmaMm { get; init; } = 20;
    /// <summary>Detector blur σ (mm at the detector; scintillator light spread), applied to the counts.</summary>
    public double BlurSigmaMm { get; init; } = 0.6;
    /// <summary>Each side of the collimated rectangle moves in by a fraction of the detector drawn uniformly in [min, max].</summary>
    public double MinCollimationMargin { get; init; } = 0.03;
    public double MaxCollimationMargin { get; init; } = 0.12;

    public RealisticExposureOptions Validate()
    {
        if (!(PhotonsPerPixel >= 1 && PhotonsPerPixel <= 1e9)) throw new ArgumentException($"dose must be 1 … 1e9 photons per pixel, got {PhotonsPerPixel}");
        if (!(ScatterFraction >= 0 && ScatterFraction <= 10) || !(ScatterSigmaMm > 0) || !(BlurSigmaMm >= 0)) throw new ArgumentException("scatter fraction must lie in [0, 10], its σ and the blur σ must be positive");
        if (!(MinCollimationMargin >= 0 && MinCollimationMargin <= MaxCollimationMargin && MaxCollimationMargin < 0.4)) throw new ArgumentException("collimation margins must satisfy 0 ≤ min ≤ max < 0.4");
        return this;
    }

    public JObject ToJson() => new()
    {
        ["model"] = "counts ~ Poisson(N0·exp(-p) + f·G_scatter*(N0·exp(-p))) inside a collimated rectangle, 0 outside (shutter); then G_blur; " +
                    "inverted variant = white level - counts (MONOCHROME1)",
        ["photonsPerPixel"] = PhotonsPerPixel, ["scatterFraction"] = ScatterFraction, ["scatterSigmaMm"] = ScatterSigmaMm,
        ["blurSigmaMm"] = BlurSigmaMm, ["collimationMargin"] = new JArray(MinCollimationMargin, MaxCollimationMargin),
    };
}

/// <summary>
/// An intensity radiograph from a DRR (line integrals p of the whole CT: femur, pelvis and soft tissue unmasked), as a
/// DX detector would record it:
/// <list type="number">
/// <item>primary: N₀·e^−p photons per pixel (Beer–Lambert, monochromatic as the DRR);</item>
/// <item>collimation: a rectangle, each side moved in by a random fraction of the detector; no primary outside it;</item>
/// <item>scatter: f × the primary blurred by a broad Gaussian (a low-pass fraction added);</item>
/// <item>counts ~ Poisson(primary + scatter) (<see cref="PoissonNoise.Sample"/>);</item>
/// <item>detector blur: a Gaussian of σ mm on the counts; outside the collimation the detector is shuttered to 0.</item>
/// </list>
/// Deterministic for the <see cref="Random"/> given (collimation drawn first, then the pixels in order).
/// </summary>
public static class RealisticExposure
{
    public sealed record Exposure(Image2D Intensity, bool[] Field, (int Left, int Top, int Right, int Bottom) Collimation);

    public static Exposure Apply(Image2D drr, RealisticExposureOptions o, Random rng)
    {
        o.Validate();
        int columns = drr.Columns, rows = drr.Rows;
        int Margin(int size) => (int)Math.Round(size * (o.MinCollimationMargin + (o.MaxCollimationMargin - o.MinCollimationMargin) * rng.NextDouble()));
        var box = (Left: Margin(columns), Top: Margin(rows), Right: columns - 1 - Margin(columns), Bottom: rows - 1 - Margin(rows));
        var field = new bool[drr.Pixels.Length];
        var primary = new float[field.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                int n = r * columns + c;
                field[n] = c >= box.Left && c <= box.Right && r >= box.Top && r <= box.Bottom;
                if (field[n]) primary[n] = (float)(o.PhotonsPerPixel * Math.Exp(-drr.Pixels[n]));
            }
        double pixelMm = Math.Sqrt(drr.ColumnSpacingMm * drr.RowSpacingMm);
        var scatter = GaussianBlur2D.Apply(primary, columns, rows, o.ScatterSigmaMm / pixelMm);
        var counts = new float[field.Length];
        for (int n = 0; n < counts.Length; n++)
            if (field[n]) counts[n] = (float)PoissonNoise.Sample(rng, primary[n] + o.ScatterFraction * scatter[n]);
        var blurred = GaussianBlur2D.Apply(counts, columns, rows, o.BlurSigmaMm / pixelMm);
        for (int n = 0; n < blurred.Length; n++) if (!field[n]) blurred[n] = 0;
        return new Exposure(new Image2D(columns, rows, drr.ColumnSpacingMm, drr.RowSpacingMm, blurred), field, box);
    }

    /// <summary>The white level a MONOCHROME1 copy of <paramref name="intensity"/> uses: the smallest 2^k − 1 (k ≥ 16) at least twice its largest value.</summary>
    public static double WhiteLevel(Image2D intensity)
    {
        double max = intensity.Pixels.Max();
        int bits = 16;
        while (Math.Pow(2, bits) - 1 < 2 * max && bits < 31) bits++;
        return Math.Pow(2, bits) - 1;
    }
}
