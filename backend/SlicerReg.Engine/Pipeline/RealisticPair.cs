using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;

namespace SlicerReg.Engine.Pipeline;

/// <summary>
/// A dataset subject's realistic radiographs (`simulate --realistic`: VIEW_intensity.nrrd, MONOCHROME2) prepared exactly as
/// `register` prepares a user's (<see cref="PreparedPair.Prepare"/>: kind from the files' metadata, I₀ estimated from the
/// open field, collimation, log conversion), with the drawn masks (VIEW_user_mask.nrrd) read as `register --ap-mask/--lat-mask`
/// reads them when <c>masked</c>, and the head clicks as `register --head` takes them when given (<see cref="Clicks"/>:
/// triangulated, the atlas frame placed there). `evaluate --radiographs realistic` places by the clicks
/// (`--placement head-clicks`, <see cref="DatasetPlacement"/>); `train --radiographs realistic` does not: a dataset's
/// radiographs already lie in the atlas frame, so without clicks the placement is the identity and the prepared radiographs
/// are taken as they are.
/// </summary>
public static class RealisticPair
{
    /// <summary>
    /// The prepared AP and lateral radiographs of <paramref name="subject"/> and their placement (<paramref name="head"/>
    /// null: the identity). <paramref name="lateralError"/>, when given, moves the lateral file's view before anything is
    /// done (a calibration error put on by `evaluate --calibration-sweep`: the clicks are triangulated with the stated view).
    /// </summary>
    public static PreparedPair Prepare(DatasetManifest manifest, SubjectEntry subject, ViewFiles ap, ViewFiles lateral, bool masked,
                                       HeadClicks? head = null, ViewPerturbation? lateralError = null)
    {
        var (apPath, latPath) = (Origin(manifest, subject, ap), Origin(manifest, subject, lateral));
        var (apVolume, latVolume) = (VolumeFile.Read(apPath), VolumeFile.Read(latPath));
        var (apImage, latImage) = (Radiograph.FromVolume(apVolume, apPath), Radiograph.FromVolume(latVolume, latPath));
        if (lateralError is not null) latImage = new Radiograph(latImage.Image, lateralError.Apply(latImage.View));
        var (apFiles, latFiles) = (Files(manifest, subject, ap), Files(manifest, subject, lateral));
        var inputs = new RegistrationInputs
        {
            ApMask = masked ? FemurMaskImage.Read(manifest.PathOf(apFiles.UserMask), apImage.View.Columns, apImage.View.Rows) : null,
            LateralMask = masked ? FemurMaskImage.Read(manifest.PathOf(latFiles.UserMask), latImage.View.Columns, latImage.View.Rows) : null,
            Head = head,
        };
        return PreparedPair.Prepare(apImage, apVolume.Metadata, apPath, latImage, latVolume.Metadata, latPath, inputs, _ => { });
    }

    /// <summary>The intensity radiograph file of view <paramref name="v"/>: what the prepared radiograph came from (for errors).</summary>
    public static string Origin(DatasetManifest manifest, SubjectEntry subject, ViewFiles v) => manifest.PathOf(Files(manifest, subject, v).Intensity);

    /// <summary>The subject's simulated head clicks (`simulate --realistic`, <see cref="DatasetPlacement.Clicks"/>), as `register --head` takes them.</summary>
    public static HeadClicks Clicks(DatasetManifest manifest, SubjectEntry subject)
    {
        var (ap, lateral) = DatasetPlacement.Clicks(subject)
            ?? throw new ImageFormatException(manifest.PathOf(DatasetManifest.FileName), $"subject {subject.Id}: no head clicks (simulate --realistic)");
        return new HeadClicks(new PixelPoint(ap.Column, ap.Row), new PixelPoint(lateral.Column, lateral.Row));
    }

    static RealisticViewFiles Files(DatasetManifest manifest, SubjectEntry subject, ViewFiles v) => DatasetRadiographs.Files(subject, v.View.Name)
        ?? throw new ImageFormatException(manifest.PathOf(DatasetManifest.FileName), $"subject {subject.Id}, view {v.View.Name}: no realistic radiograph (simulate --realistic)");
}
