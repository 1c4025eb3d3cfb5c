using SlicerReg.Core.IO;
using SlicerReg.Core.Registration;
using SlicerReg.Plotting;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// The files of one registration (`slicerreg register --out DIR`, local or through the daemon; docs/training.md), named
/// by the result they hold (<see cref="ResultNames"/>, the protocol's names): warped_atlas.nrrd (HU), warped_labels.nrrd,
/// displacement_field.nrrd (Ψ, LPS, intent 1006: Slicer loads it as a grid transform), affine.tfm (ITK, the affine
/// module's T as it is: patient → atlas), overlay_ap.png and overlay_lateral.png (input radiograph with the outline of the
/// projected warped femur).
/// </summary>
public static class RegistrationFiles
{
    public const string WarpedAtlas = ResultNames.WarpedAtlas + ".nrrd", WarpedLabel = ResultNames.WarpedLabels + ".nrrd",
                        Displacement = ResultNames.DisplacementField + ".nrrd", Affine = "affine.tfm",
                        OverlayAp = ResultNames.OverlayAp + ".png", OverlayLateral = ResultNames.OverlayLateral + ".png";

    /// <summary>
    /// Writes every file into <paramref name="folder"/> (created; each file atomic) and returns their paths. When the true
    /// femur's projections are known (<paramref name="apTruth"/>, <paramref name="lateralTruth"/>: 0/1 masks, as
    /// `slicerreg simulate` writes them), the overlays outline them too.
    /// </summary>
    public static IReadOnlyList<string> Write(string folder, RegistrationResult result, Core.Imaging.Image2D? apTruth = null, Core.Imaging.Image2D? lateralTruth = null)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        string P(string name) { var p = Path.Combine(folder, name); written.Add(p); return p; }
        VolumeFile.Write(result.WarpedAtlas, P(WarpedAtlas));
        VolumeFile.Write(result.WarpedLabel ?? throw Missing("warped label map"), P(WarpedLabel));
        VolumeFile.Write(result.Displacement, P(Displacement));
        ItkTransformFile.Write(P(Affine), result.AffinePatientToAtlas);
        WriteOverlay(P(OverlayAp), result.Ap.Image, result.ApProjectedLabel ?? throw Missing("AP projection"), "AP", apTruth);
        WriteOverlay(P(OverlayLateral), result.Lateral.Image, result.LateralProjectedLabel ?? throw Missing("lateral projection"), "lateral", lateralTruth);
        return written;
    }

    static ArgumentException Missing(string what) => new($"the registration result has no {what} (the identity placeholder's results are not files of a registration)");

    /// <summary>The radiograph with the outline of the projected warped femur, and of the true femur when known (also used by `register --server`).</summary>
    public static void WriteOverlay(string path, Core.Imaging.Image2D radiograph, Core.Imaging.Image2D projected, string view, Core.Imaging.Image2D? truth = null)
        => RadiographOverlay.Write(path, radiograph, projected,
            truth is null ? $"{view}: registered femur (projected)" : $"{view}: registered femur vs ground truth (reference)", truth);
}
