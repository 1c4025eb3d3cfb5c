namespace SlicerReg.Core.Xray;

/// <summary>
/// Quantum noise: each pixel counts k ~ Poisson(N·e^−L) photons of N sent (L the line integral), and the noisy line
/// integral is −ln(k/N), with k = 0 read as ½ photon so the logarithm stays finite. Deterministic for a seed
/// (pixels drawn in order on one thread).
/// </summary>
public static class PoissonNoise
{
    public static void ApplyToLineIntegrals(float[] lineIntegrals, double photons, int seed)
    {
        var rng = new Random(seed);
        for (int n = 0; n < lineIntegrals.Length; n++)
        {
            double k = Sample(rng, photons * Math.Exp(-lineIntegrals[n]));
            lineIntegrals[n] = (float)-Math.Log(Math.Max(k, 0.5) / photons);
        }
    }

    /// <summary>One Poisson draw: Knuth's product method for small means, Hörmann's PTRS (1993) transformed rejection otherwise.</summary>
    public static double Sample(Random rng, double lambda)
    {
        if (lambda <= 0) return 0;
        if (lambda < 10)
        {
            double limit = Math.Exp(-lambda), p = rng.NextDouble(); int k = 0;
            while (p > limit) { p *= rng.NextDouble(); k++; }
            return k;
        }
        double slam = Math.Sqrt(lambda), loglam = Math.Log(lambda);
        double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b, invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            double u = rng.NextDouble() - 0.5, v = rng.NextDouble(), us = 0.5 - Math.Abs(u);
            double k = Math.Floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) return k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            if (Math.Log(v) + Math.Log(invalpha) - Math.Log(a / (us * us) + b) <= -lambda + k * loglam - LogFactorial(k)) return k;
        }
    }

    static double LogFactorial(double k)
    {
        if (k < 10) { double f = 1; for (int n = 2; n <= k; n++) f *= n; return Math.Log(f); }
        // Stirling series; error < 1e-10 for k ≥ 10.
        return (k + 0.5) * Math.Log(k) - k + 0.5 * Math.Log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k * k * k);
    }
}
