namespace SlicerReg.Core.Population;

/// <summary>
/// Derives independent non-negative seeds from a seed and a stream number (SplitMix64 finaliser), so every random part of a
/// subject (anatomy, deformation, pose, intensity, side) and every subject of a dataset draws from its own stream and
/// adding one part never changes the others.
/// </summary>
public static class SeedMixer
{
    public static int Derive(int seed, int stream)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)stream) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>A standard normal draw (Box–Muller; 1 − NextDouble() is in (0, 1] so the log is finite).</summary>
    public static double Gaussian(Random rng)
    {
        double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static double Uniform(Random rng, double min, double max) => min + (max - min) * rng.NextDouble();
}
