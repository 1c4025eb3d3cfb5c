using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Population;

/// <summary>
/// Scanner-to-scanner intensity differences put on a subject's CT: HU' = Scale·HU + Offset + n, n ~ N(0, NoiseSigmaHU)
/// independently per voxel (calibration drift and quantum noise; scaling about water, 0 HU, as a CT calibration does).
/// Ranges: scale 0.95–1.05, offset ±20 HU, noise σ 0–15 HU (design values: the size of calibration tolerances and the
/// noise of a clinical CT at 1 mm slices).
/// </summary>
public sealed record IntensityVariation(double Scale, double OffsetHU, double NoiseSigmaHU)
{
    public static IntensityVariation None { get; } = new(1, 0, 0);

    public static IntensityVariation Sample(Random rng)
        => new(SeedMixer.Uniform(rng, 0.95, 1.05), SeedMixer.Uniform(rng, -20, 20), SeedMixer.Uniform(rng, 0, 15));

    /// <summary>Applies the variation in place to an int16 HU volume; the noise stream is seeded (voxels in file order).</summary>
    public void Apply(Volume ct, int noiseSeed)
    {
        if (ct.VoxelType != VoxelType.Int16) throw new ArgumentException($"intensity variation expects an int16 HU volume, got {ct.VoxelType}");
        var hu = ct.As<short>();
        var rng = new Random(noiseSeed);
        for (long n = 0; n < hu.LongLength; n++)
        {
            double v = Scale * hu[n] + OffsetHU + (NoiseSigmaHU > 0 ? NoiseSigmaHU * SeedMixer.Gaussian(rng) : 0);
            hu[n] = (short)Math.Round(Math.Clamp(v, short.MinValue, short.MaxValue));
        }
    }
}
