using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Registration;
using SlicerReg.Core.Xray;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// What one registration produces, the one result type of the whole path: the <see cref="Registrar"/> (and the refinement)
/// fill it, `register` writes it (<see cref="RegistrationFiles"/>), the daemon's engines return it and ship its named
/// volumes (<see cref="NamedVolumes"/>, names from <see cref="ResultNames"/>), and `register --server` rebuilds it from
/// what it fetched. Torch-free (volumes, images, a matrix). Volumes lie on the atlas grid (the patient grid; paper
/// "CT-data preprocessing"), RAS.
/// </summary>
public sealed record RegistrationResult
{
    /// <summary>The atlas CT (HU) warped by Ψ, trilinear; −1000 HU where it samples outside the atlas.</summary>
    public required Volume WarpedAtlas { get; init; }
    /// <summary>
    /// The atlas label map warped by Ψ (each label's indicator warped linearly, then the largest taken); null only from
    /// the daemon's identity placeholder started without --atlas-labels.
    /// </summary>
    public required Volume? WarpedLabel { get; init; }
    /// <summary>
    /// The same two after the affine module alone (V∘T), for the paper-style comparison of the modules; null unless
    /// <see cref="Registrar.Register"/> was asked for them (two more warps that a plain registration does not need).
    /// </summary>
    public Volume? AffineWarpedAtlas { get; init; }
    public Volume? AffineWarpedLabel { get; init; }
    /// <summary>The masked relative-attenuation atlas warped by Ψ and by T — the network's own outputs (what the loss compares); null where no network ran.</summary>
    public Volume? WarpedMaskedAtlas { get; init; }
    public Volume? AffineWarpedMaskedAtlas { get; init; }
    /// <summary>Ψ: pull-back displacement field, RAS mm in memory (LPS when written, loadable in Slicer as a grid transform).</summary>
    public required Volume Displacement { get; init; }
    /// <summary>
    /// T of the affine module, pull-back like Ψ: a patient point → the atlas point it samples (RAS). The one direction the
    /// affine travels in: affine.tfm holds it as is (ITK files store the resampling direction), and so does the protocol's
    /// ResultSummary.affine_patient_to_atlas.
    /// </summary>
    public required Mat4 AffinePatientToAtlas { get; init; }
    /// <summary>The local module's stationary velocity v (RAS mm, model grid): where a test-time refinement starts (docs/refinement.md).</summary>
    public Volume? Velocity { get; init; }
    /// <summary>The input radiographs as given.</summary>
    public required Radiograph Ap { get; init; }
    public required Radiograph Lateral { get; init; }
    /// <summary>The warped femur label projected onto each radiograph (0/1, rays that cross it); null where no femur was projected (the identity placeholder).</summary>
    public required Image2D? ApProjectedLabel { get; init; }
    public required Image2D? LateralProjectedLabel { get; init; }
    /// <summary>What was done, in words (the daemon's ResultSummary.message).</summary>
    public string Message { get; init; } = "";

    /// <summary>
    /// The results by their protocol names, those present and wanted (<paramref name="wanted"/> empty: all present): the
    /// overlays as label maps on each radiograph's own detector grid (<see cref="Radiograph.DetectorGeometry"/>), which is
    /// what `register` draws into overlay_*.png.
    /// </summary>
    public IReadOnlyDictionary<string, Volume> NamedVolumes(IReadOnlySet<string> wanted)
    {
        var volumes = new Dictionary<string, Volume>(StringComparer.Ordinal);
        void Add(string name, Func<Volume?> volume)
        {
            if (wanted.Count > 0 && !wanted.Contains(name)) return;
            if (volume() is { } v) volumes[name] = v;
        }
        Add(ResultNames.WarpedAtlas, () => WarpedAtlas);
        Add(ResultNames.WarpedLabels, () => WarpedLabel);
        Add(ResultNames.DisplacementField, () => Displacement);
        Add(ResultNames.OverlayAp, () => ApProjectedLabel is null ? null : DetectorLabelMap(ApProjectedLabel, Ap.View));
        Add(ResultNames.OverlayLateral, () => LateralProjectedLabel is null ? null : DetectorLabelMap(LateralProjectedLabel, Lateral.View));
        return volumes;
    }

    /// <summary>A projected mask (1 where the ray crosses the femur) as a label map on the view's detector grid.</summary>
    static Volume DetectorLabelMap(Image2D projected, CalibratedView view)
    {
        var mask = new byte[projected.Pixels.Length];
        for (long n = 0; n < mask.LongLength; n++) mask[n] = projected.Pixels[n] > 0.5f ? (byte)1 : (byte)0;
        return Volume.Create(Radiograph.DetectorGeometry(view), mask, 1, VolumeKind.LabelMap);
    }

    /// <summary>The 0/1 image an overlay label map (<see cref="DetectorLabelMap"/>, as fetched from the daemon) was made from.</summary>
    public static Image2D ProjectedLabel(Volume overlay)
    {
        var s = overlay.Size;
        var pixels = new float[overlay.VoxelCount];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)overlay.GetElement(n);
        return new Image2D(s.I, s.J, overlay.Geometry.Spacing.X, overlay.Geometry.Spacing.Y, pixels);
    }
}
