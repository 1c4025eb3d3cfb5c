namespace SlicerReg.Core.IO;

/// <summary>
/// The transfer syntaxes (PS3.5 §10, PS3.6 Annex A) the DICOM reader knows by name. It reads the two uncompressed
/// little-endian ones; every other one (compressed pixel data, big endian, deflated data set) is refused with its name
/// and how to convert the file.
/// </summary>
public static class DicomTransferSyntax
{
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";

    /// <summary>What to run on a file in a transfer syntax we do not read.</summary>
    public const string ConversionAdvice = "convert it to uncompressed little endian first, e.g. `gdcmconv --raw IN.dcm OUT.dcm` (GDCM), " +
                                           "`dcmdjpeg IN.dcm OUT.dcm` (DCMTK, JPEG), or load it in 3D Slicer's DICOM module and save the image as NRRD";

    static readonly Dictionary<string, string> Names = new()
    {
        [ImplicitVrLittleEndian] = "Implicit VR Little Endian",
        [ExplicitVrLittleEndian] = "Explicit VR Little Endian",
        ["1.2.840.10008.1.2.1.99"] = "Deflated Explicit VR Little Endian",
        ["1.2.840.10008.1.2.2"] = "Explicit VR Big Endian (retired)",
        ["1.2.840.10008.1.2.4.50"] = "JPEG Baseline (Process 1)",
        ["1.2.840.10008.1.2.4.51"] = "JPEG Extended (Process 2 & 4)",
        ["1.2.840.10008.1.2.4.57"] = "JPEG Lossless, Non-Hierarchical (Process 14)",
        ["1.2.840.10008.1.2.4.70"] = "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])",
        ["1.2.840.10008.1.2.4.80"] = "JPEG-LS Lossless",
        ["1.2.840.10008.1.2.4.81"] = "JPEG-LS Lossy (Near-Lossless)",
        ["1.2.840.10008.1.2.4.90"] = "JPEG 2000 Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.91"] = "JPEG 2000 Image Compression",
        ["1.2.840.10008.1.2.4.201"] = "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.202"] = "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.203"] = "High-Throughput JPEG 2000 Image Compression",
        ["1.2.840.10008.1.2.5"] = "RLE Lossless",
    };

    /// <summary>The standard's name of <paramref name="uid"/>, or "an unknown transfer syntax".</summary>
    public static string Name(string uid) => Names.TryGetValue(uid, out var n) ? n : "an unknown transfer syntax";

    public static bool IsReadable(string uid) => uid is ImplicitVrLittleEndian or ExplicitVrLittleEndian;
}
