using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// What a radiograph's pixels hold (docs/radiographs.md): line integrals p = ∫μ dl (a DRR, or a real radiograph already
/// log-converted, bone bright) or detector intensities I (a real CR/DX exposure, bone dark in MONOCHROME2).
/// </summary>
public enum RadiographKind { LineIntegral, Intensity }

/// <summary>
/// `--radiograph-kind line-integral|intensity|auto` and the file metadata `auto` reads. Keys (NRRD key:=value, MetaImage
/// keys or DICOM attributes; NIfTI carries none, so a NIfTI radiograph is a line integral unless the kind is given):
/// <list type="bullet">
/// <item><see cref="KindKey"/> = line-integral | intensity: the kind, as `slicerreg simulate --realistic` writes it;</item>
/// <item>otherwise the DICOM attributes (read from a DICOM file by <see cref="IO.DicomImage"/>, docs/radiographs.md "DICOM"): <see cref="ModalityKey"/>
///   CR, DX, RF or XA, or a <see cref="PhotometricKey"/>, mean a detector image: intensity;</item>
/// <item>otherwise line-integral (what `register` took before kinds existed: DRRs written by `slicerreg drr`/`simulate`).</item>
/// </list>
/// </summary>
public static class RadiographKinds
{
    public const string KindKey = "slicerreg_radiograph_kind", PhotometricKey = "PhotometricInterpretation", ModalityKey = "Modality",
                        WhiteLevelKey = "slicerreg_white_level", BitsStoredKey = "BitsStored";
    public static readonly IReadOnlyList<string> DetectorModalities = new[] { "CR", "DX", "RF", "XA" };

    /// <summary>The kind named on the command line; null for "auto".</summary>
    public static RadiographKind? Parse(string text) => text switch
    {
        "line-integral" => RadiographKind.LineIntegral,
        "intensity" => RadiographKind.Intensity,
        "auto" => null,
        _ => throw new ArgumentException($"radiograph kind '{text}': expected line-integral, intensity or auto"),
    };

    public static string Name(RadiographKind kind) => kind == RadiographKind.Intensity ? "intensity" : "line-integral";

    /// <summary>The kind <paramref name="metadata"/> states and the reason, by the rules in the summary; <paramref name="origin"/> names the file.</summary>
    public static (RadiographKind Kind, string Reason) FromMetadata(IReadOnlyDictionary<string, string> metadata, string origin)
    {
        if (metadata.TryGetValue(KindKey, out var k))
            return (k.Trim() switch
            {
                "line-integral" => RadiographKind.LineIntegral,
                "intensity" => RadiographKind.Intensity,
                _ => throw new Core.IO.ImageFormatException(origin, $"\"{KindKey}\" must be line-integral or intensity, got \"{k}\""),
            }, $"{KindKey}={k.Trim()}");
        if (metadata.TryGetValue(ModalityKey, out var m) && DetectorModalities.Contains(m.Trim().ToUpperInvariant()))
            return (RadiographKind.Intensity, $"{ModalityKey}={m.Trim()}");
        if (metadata.TryGetValue(PhotometricKey, out var p)) return (RadiographKind.Intensity, $"{PhotometricKey}={p.Trim()}");
        return (RadiographKind.LineIntegral, "no kind in the file's metadata: taken as line integrals (a DRR)");
    }

    /// <summary>The same for a volume read from a file.</summary>
    public static (RadiographKind Kind, string Reason) FromMetadata(Volume v, string origin) => FromMetadata(v.Metadata, origin);
}
