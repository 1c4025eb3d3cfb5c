namespace SlicerReg.Core.Xray;

/// <summary>How rays are integrated through the volume.</summary>
public enum DrrMode
{
    /// <summary>Siddon-style: the exact length of the ray inside every voxel it crosses (voxels as constant boxes).</summary>
    Exact,
    /// <summary>Trilinear samples at a fixed step (mm) along the ray, midpoint rule.</summary>
    Uniform,
}

/// <summary>What each pixel holds.</summary>
public enum DrrOutput
{
    /// <summary>∫μ dl along the ray (dimensionless; "neglog" of the intensity).</summary>
    LineIntegral,
    /// <summary>Beer–Lambert intensity I = I0·exp(−∫μ dl).</summary>
    Intensity,
}

/// <summary>Options of <see cref="DrrRenderer"/>; defaults give an exact, noise-free line-integral DRR.</summary>
public sealed record DrrOptions
{
    public DrrMode Mode { get; init; } = DrrMode.Exact;
    public DrrOutput Output { get; init; } = DrrOutput.LineIntegral;
    public AttenuationModel Attenuation { get; init; } = AttenuationModel.FromHounsfield();
    /// <summary>Uniform mode's sampling step in mm; null = half the smallest voxel spacing (two samples per voxel, Nyquist for trilinear).</summary>
    public double? StepMm { get; init; }
    /// <summary>Unattenuated intensity for <see cref="DrrOutput.Intensity"/>.</summary>
    public double I0 { get; init; } = 1;
    /// <summary>Photons per pixel for Poisson noise (counts ~ Poisson(N·e^−∫μ)); null = no noise.</summary>
    public double? NoisePhotons { get; init; }
    public int Seed { get; init; }
    /// <summary>Worker threads; null = all cores.</summary>
    public int? Threads { get; init; }

    public void Validate()
    {
        if (StepMm is { } s && !(s > 0 && double.IsFinite(s))) throw new ArgumentException($"sampling step must be positive, got {s} mm");
        if (!(I0 > 0) || !double.IsFinite(I0)) throw new ArgumentException($"I0 must be positive, got {I0}");
        if (NoisePhotons is { } n && !(n > 0 && double.IsFinite(n))) throw new ArgumentException($"photon count must be positive, got {n}");
        if (Threads is { } t && t < 1) throw new ArgumentException($"threads must be at least 1, got {t}");
    }
}
