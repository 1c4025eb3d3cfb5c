using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;

namespace SlicerReg.Engine.Pipeline;

/// <summary>
/// A dataset subject's realistic radiographs (`simulate --realistic`: VIEW_intensity.nrrd, MONOCHROME2) prepared exactly as
/// `register` prepares a user's (<see cref="PreparedPair.Prepare"/>: kind from the files' metadata, I₀ estimated from the
/// open field, collimation, log conversion), with the drawn masks (VIEW_user_mask.nrrd) read as `register --ap-mask/--lat-mask`
/// reads them when <c>masked</c>. No head clicks: a dataset's radiographs already lie in the atlas frame, so the placement
/// is the identity and the prepared radiographs are taken as they are. What `train` and `evaluate --radiographs realistic` feed the network.
/// </summary>
public static class RealisticPair
{
    /// <summary>The prepared AP and lateral radiographs of <paramref name="subject"/>, each with the file it came from (for errors).</summary>
    public static ((Radiograph Radiograph, string Origin) Ap, (Radiograph Radiograph, string Origin) Lateral) Prepare(
        DatasetManifest manifest, SubjectEntry subject, ViewFiles ap, ViewFiles lateral, bool masked)
    {
        RealisticViewFiles Files(ViewFiles v) => DatasetRadiographs.Files(subject, v.View.Name)
            ?? throw new ImageFormatException(manifest.PathOf(DatasetManifest.FileName), $"subject {subject.Id}, view {v.View.Name}: no realistic radiograph (simulate --realistic)");
        var (apFiles, latFiles) = (Files(ap), Files(lateral));
        string apPath = manifest.PathOf(apFiles.Intensity), latPath = manifest.PathOf(latFiles.Intensity);
        var (apVolume, latVolume) = (VolumeFile.Read(apPath), VolumeFile.Read(latPath));
        var (apImage, latImage) = (Radiograph.FromVolume(apVolume, apPath), Radiograph.FromVolume(latVolume, latPath));
        var inputs = new RegistrationInputs
        {
            ApMask = masked ? FemurMaskImage.Read(manifest.PathOf(apFiles.UserMask), apImage.View.Columns, apImage.View.Rows) : null,
            LateralMask = masked ? FemurMaskImage.Read(manifest.PathOf(latFiles.UserMask), latImage.View.Columns, latImage.View.Rows) : null,
        };
        var prepared = PreparedPair.Prepare(apImage, apVolume.Metadata, apPath, latImage, latVolume.Metadata, latPath, inputs, _ => { });
        return ((prepared.Ap.Radiograph, apPath), (prepared.Lateral.Radiograph, latPath));
    }
}
