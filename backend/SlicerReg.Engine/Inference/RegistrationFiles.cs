using SlicerReg.Core.IO;
using SlicerReg.Plotting;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// The files of one registration (`slicerreg register --out DIR`, docs/training.md): warped_atlas.nrrd (HU),
/// warped_atlas_label.nrrd, displacement_field.nrrd (Ψ, LPS, intent 1006: Slicer loads it as a grid transform),
/// affine.tfm (ITK, the affine module's T), overlay_ap.png and overlay_lateral.png (input radiograph with the outline of
/// the projected warped femur).
/// </summary>
public static class RegistrationFiles
{
    public const string WarpedAtlas = "warped_atlas.nrrd", WarpedLabel = "warped_atlas_label.nrrd", Displacement = "displacement_field.nrrd",
                        Affine = "affine.tfm", OverlayAp = "overlay_ap.png", OverlayLateral = "overlay_lateral.png";

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
        VolumeFile.Write(result.WarpedLabel, P(WarpedLabel));
        VolumeFile.Write(result.Displacement, P(Displacement));
        ItkTransformFile.Write(P(Affine), result.Affine);
        WriteOverlay(P(OverlayAp), result.Ap.Image, result.ApProjectedLabel, "AP", apTruth);
        WriteOverlay(P(OverlayLateral), result.Lateral.Image, result.LateralProjectedLabel, "lateral", lateralTruth);
        return written;
    }

    /// <summary>The radiograph with the outline of the projected warped femur, and of the true femur when known (also used by `register --server`).</summary>
    public static void WriteOverlay(string path, Core.Imaging.Image2D radiograph, Core.Imaging.Image2D projected, string view, Core.Imaging.Image2D? truth = null)
        => RadiographOverlay.Write(path, radiograph, projected,
            truth is null ? $"{view}: registered femur (projected)" : $"{view}: registered femur vs ground truth (reference)", truth);
}
