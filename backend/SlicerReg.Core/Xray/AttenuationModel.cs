namespace SlicerReg.Core.Xray;

/// <summary>
/// Maps CT voxel values to linear attenuation μ (1/mm) as an affine map clamped at zero: μ = max(0, Slope·value + Intercept).
/// The default reads Hounsfield units: μ = max(0, μ_water·(1 + HU/1000)) with μ_water = 0.02 /mm (water near 60–70 keV,
/// the effective energy of a ~120 kVp beam), so air (−1000 HU) and anything below attenuates nothing and cortical bone
/// (~1500 HU) gives 0.05 /mm. ProST uses μ_water = 0.02683 /mm (docs/reference-notes); a monochromatic model is enough
/// for registration, which compares normalised images. Not modelled: beam hardening, scatter, polyenergetic spectra (DeepDRR).
/// </summary>
public sealed record AttenuationModel(double Slope, double Intercept)
{
    public const double DefaultMuWaterPerMm = 0.02;

    /// <summary>Hounsfield units to μ with the given μ_water (1/mm).</summary>
    public static AttenuationModel FromHounsfield(double muWaterPerMm = DefaultMuWaterPerMm)
    {
        if (!(muWaterPerMm > 0) || !double.IsFinite(muWaterPerMm)) throw new ArgumentException($"μ_water must be positive, got {muWaterPerMm} /mm");
        return new AttenuationModel(muWaterPerMm / 1000, muWaterPerMm);
    }

    /// <summary>The voxel values already are μ in 1/mm (negative values still clamp to 0).</summary>
    public static AttenuationModel Identity { get; } = new(1, 0);

    public double Mu(double value) => Math.Max(0, Slope * value + Intercept);
}
