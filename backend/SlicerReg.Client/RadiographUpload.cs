using SlicerReg.Core.Xray;

namespace SlicerReg.Client;

/// <summary>
/// One radiograph as a client uploads it: the image with its view, the file's metadata that `--radiograph-kind auto` and
/// MONOCHROME1 read (only <see cref="MetadataKeys"/> travel), and its femur mask (one flag per pixel, row-major) or null.
/// </summary>
public sealed record RadiographUpload(Radiograph Image, IReadOnlyDictionary<string, string>? Metadata = null, bool[]? FemurMask = null)
{
    public static readonly IReadOnlySet<string> MetadataKeys = new HashSet<string>
    {
        RadiographKinds.KindKey, RadiographKinds.ModalityKey, RadiographKinds.PhotometricKey, RadiographKinds.WhiteLevelKey, RadiographKinds.BitsStoredKey,
    };
}
