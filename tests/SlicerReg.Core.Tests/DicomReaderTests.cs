using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>
/// The DICOM reader (Core/IO/DicomFile, DicomImage, through VolumeFile.Read) on files pydicom writes (tests/tools/pydicom_io.py):
/// pixels bit for bit against pydicom's own pixel_array + modality LUT, spacing and metadata, and the refusals.
/// </summary>
public class DicomReaderTests
{
    const string Explicit = DicomTransferSyntax.ExplicitVrLittleEndian, Implicit = DicomTransferSyntax.ImplicitVrLittleEndian;
    const int Columns = 13, Rows = 9; // odd sizes: a transposed or padded read shows

    [OneTimeSetUp]
    public void PydicomIsInstalled()
    {
        var (code, _, err) = ExternalTool.Run(ExternalTool.Python, new[] { "-c", "import pydicom" });
        if (code != 0) Assert.Fail($"Debian's python3-pydicom is needed (tests/install-dependencies installs it): {err}");
    }

    /// <summary>pydicom writes <paramref name="cells"/> (the stored cells, verbatim) with the attributes of <paramref name="spec"/>.</summary>
    static string Make(TempFolder tmp, string name, JsonObject spec, Array cells) => MakeAndDump(tmp, name, spec, cells, dump: false).Path;

    /// <summary>
    /// <see cref="Make"/>, and what pydicom then reads from the file: pixel_array after its modality LUT (float64, column
    /// fastest) and the attributes.
    /// </summary>
    static (string Path, double[] Values, JsonNode Info) MakeAndDump(TempFolder tmp, string name, JsonObject spec, Array cells, bool dump = true)
    {
        string stem = tmp.File(Path.GetFileNameWithoutExtension(name) + "_in");
        byte[] bytes = cells switch
        {
            byte[] b => b,
            ushort[] u => u.SelectMany(v => BitConverter.GetBytes(v)).ToArray(),
            _ => throw new ArgumentException(cells.GetType().Name),
        };
        File.WriteAllBytes(stem + ".raw", bytes);
        File.WriteAllText(stem + ".json", spec.ToJsonString());
        string path = tmp.File(name), prefix = stem + "_dump";
        var args = new List<string> { ExternalTool.ToolScript("pydicom_io.py"), "make", path, stem + ".raw", stem + ".json" };
        if (dump) args.Add(prefix);
        ExternalTool.Check(ExternalTool.Python, args.ToArray());
        if (!dump) return (path, Array.Empty<double>(), new JsonObject());
        var raw = File.ReadAllBytes(prefix + ".raw");
        var values = new double[raw.Length / 8];
        for (int n = 0; n < values.Length; n++) values[n] = BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * n));
        return (path, values, JsonNode.Parse(File.ReadAllText(prefix + ".json"))!);
    }

    static JsonObject Spec(string transferSyntax, int bitsAllocated, int bitsStored, int representation, string photometric, string modality = "DX")
        => new()
        {
            ["rows"] = Rows, ["columns"] = Columns, ["bits_allocated"] = bitsAllocated, ["bits_stored"] = bitsStored,
            ["pixel_representation"] = representation, ["photometric"] = photometric, ["transfer_syntax"] = transferSyntax, ["modality"] = modality,
            ["imager_pixel_spacing"] = new JsonArray(0.148, 0.139), // row spacing \ column spacing
        };

    /// <summary>Unsigned cells in 0 … 2^bits − 1 (fixed seed), including both ends.</summary>
    static ushort[] UnsignedCells(int bits, int seed)
    {
        var rng = new Random(seed);
        var c = new ushort[Columns * Rows];
        for (int n = 0; n < c.Length; n++) c[n] = (ushort)rng.Next(0, 1 << bits);
        c[0] = 0; c[^1] = (ushort)((1 << bits) - 1);
        return c;
    }

    /// <summary>Signed values in −2^(bits−1) … 2^(bits−1) − 1 stored as two's complement in 16-bit cells (sign-extended, as writers do).</summary>
    static ushort[] SignedCells(int bits, int seed)
    {
        var rng = new Random(seed);
        var c = new ushort[Columns * Rows];
        for (int n = 0; n < c.Length; n++) c[n] = (ushort)(short)rng.Next(-(1 << (bits - 1)), 1 << (bits - 1));
        c[0] = (ushort)(short)-(1 << (bits - 1)); c[^1] = (ushort)((1 << (bits - 1)) - 1);
        return c;
    }

    static double[] Values(Volume v) => Enumerable.Range(0, (int)v.VoxelCount).Select(n => v.GetElement(n)).ToArray();

    /// <summary>The bytes of two double arrays, so equality is bit for bit (−0 ≠ 0, NaN = NaN).</summary>
    static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    static void AssertGrid(Volume v, double columnMm, double rowMm)
    {
        Assert.That(v.Size, Is.EqualTo(new GridSize(Columns, Rows, 1)));
        Assert.That(v.Components, Is.EqualTo(1));
        Assert.That(v.Geometry.Spacing.X, Is.EqualTo(columnMm), "i steps along a row: the column spacing, PixelSpacing's second value");
        Assert.That(v.Geometry.Spacing.Y, Is.EqualTo(rowMm));
        // No position in the patient: ITK's placement, LPS axes, origin 0.
        Assert.That(v.Geometry.OriginIn(CoordinateSystem.LPS).Norm, Is.EqualTo(0));
        Assert.That(v.Geometry.Direction.Column(0), Is.EqualTo(new Vec3(-1, 0, 0)));
        Assert.That(v.Geometry.Direction.Column(1), Is.EqualTo(new Vec3(0, -1, 0)));
    }

    [Test]
    public void Unsigned16BitMonochrome2ExplicitVrReadsAsPydicomDoes()
    {
        using var tmp = new TempFolder();
        var spec = Spec(Explicit, 16, 16, 0, "MONOCHROME2");
        spec["pixel_spacing"] = new JsonArray(0.12, 0.11); // the patient-plane spacing: not the one a C-arm calibration uses
        var cells = UnsignedCells(16, 1);
        var (path, expected, info) = MakeAndDump(tmp, "ap.dcm", spec, cells);
        var v = VolumeFile.Read(path);
        Assert.That((bool)info["is_implicit_vr"]!, Is.False);
        Assert.That(v.VoxelType, Is.EqualTo(VoxelType.UInt16), "no rescale: the stored values as they are");
        Assert.That(v.As<ushort>(), Is.EqualTo(cells));
        Assert.That(Bits(Values(v)), Is.EqualTo(Bits(expected)));
        AssertGrid(v, 0.139, 0.148);
        Assert.That(v.Metadata[DicomImage.SpacingSourceKey], Is.EqualTo("ImagerPixelSpacing (0018,1164)"));
        Assert.That(v.Metadata["Modality"], Is.EqualTo("DX"));
        Assert.That(v.Metadata["PhotometricInterpretation"], Is.EqualTo("MONOCHROME2"));
        Assert.That(v.Metadata["BitsStored"], Is.EqualTo("16"));
        Assert.That(RadiographKinds.FromMetadata(v, path), Is.EqualTo((RadiographKind.Intensity, "Modality=DX")));
        Assert.That(Monochrome1.IsInverted(v.Metadata), Is.False);
        Assert.That(VolumeFile.ReadFormatName(path), Is.EqualTo("DICOM"));
    }

    [Test]
    public void Unsigned16BitMonochrome1ImplicitVrIsDetectedAsInvertedIntensity()
    {
        using var tmp = new TempFolder();
        var spec = Spec(Implicit, 16, 14, 0, "MONOCHROME1", modality: "CR");
        var cells = UnsignedCells(14, 2);
        var (path, expected, info) = MakeAndDump(tmp, "lat.dcm", spec, cells);
        var v = VolumeFile.Read(path);
        Assert.That((bool)info["is_implicit_vr"]!, Is.True);
        Assert.That(v.As<ushort>(), Is.EqualTo(cells));
        Assert.That(Bits(Values(v)), Is.EqualTo(Bits(expected)));
        AssertGrid(v, 0.139, 0.148);
        Assert.That(RadiographKinds.FromMetadata(v, path).Kind, Is.EqualTo(RadiographKind.Intensity));
        Assert.That(Monochrome1.IsInverted(v.Metadata), Is.True);
        var floats = Values(v).Select(x => (float)x).ToArray();
        Assert.That(Monochrome1.WhiteLevel(v.Metadata, floats, path), Is.EqualTo((16383.0, "BitsStored=14")), "W = 2^BitsStored − 1 for unsigned unrescaled values");
        Assert.That(v.Metadata.ContainsKey(RadiographKinds.WhiteLevelKey), Is.False);
    }

    [Test]
    public void SignedPixelsWithRescaleReadAsPydicomsModalityLut()
    {
        using var tmp = new TempFolder();
        var spec = Spec(Explicit, 16, 12, 1, "MONOCHROME1");
        spec.Remove("imager_pixel_spacing");
        spec["pixel_spacing"] = new JsonArray(0.2, 0.25);
        spec["rescale_slope"] = 0.37; spec["rescale_intercept"] = 1500.25;
        var cells = SignedCells(12, 3);
        var (path, expected, _) = MakeAndDump(tmp, "signed.dcm", spec, cells);
        var v = VolumeFile.Read(path);
        Assert.That(v.VoxelType, Is.EqualTo(VoxelType.Float64));
        Assert.That(Bits(Values(v)), Is.EqualTo(Bits(expected)), "slope·v + intercept in double, as numpy computes it");
        Assert.That(Values(v)[0], Is.EqualTo(0.37 * -2048 + 1500.25));
        AssertGrid(v, 0.25, 0.2);
        Assert.That(v.Metadata[DicomImage.SpacingSourceKey], Is.EqualTo("PixelSpacing (0028,0030)"));
        // MONOCHROME1 over a signed, rescaled range: W is the largest output value, not 2^BitsStored − 1.
        Assert.That(double.Parse(v.Metadata[RadiographKinds.WhiteLevelKey], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(0.37 * 2047 + 1500.25));
    }

    [TestCase(Explicit)]
    [TestCase(Implicit)]
    public void UndefinedLengthSequencesBeforeThePixelDataAreSkipped(string transferSyntax)
    {
        using var tmp = new TempFolder();
        var spec = Spec(transferSyntax, 16, 16, 0, "MONOCHROME2");
        spec["undefined_length_sequence"] = true; // nested undefined-length items and a sequence with decoy Rows/Columns/RGB
        var cells = UnsignedCells(16, 4);
        var (path, expected, _) = MakeAndDump(tmp, "seq.dcm", spec, cells);
        var bytes = File.ReadAllBytes(path);
        int pixelTag = bytes.AsSpan().IndexOf(new byte[] { 0xE0, 0x7F, 0x10, 0x00 });
        Assert.That(bytes.AsSpan(0, pixelTag).IndexOf(new byte[] { 0xFE, 0xFF, 0xDD, 0xE0 }), Is.GreaterThan(0), "a sequence delimiter before the pixel data");
        var v = VolumeFile.Read(path);
        Assert.That(v.As<ushort>(), Is.EqualTo(cells));
        Assert.That(Bits(Values(v)), Is.EqualTo(Bits(expected)));
        Assert.That(v.Metadata["PhotometricInterpretation"], Is.EqualTo("MONOCHROME2"), "the nested decoy (RGB) is not the image's");
    }

    [Test]
    public void EightBitOddSizedImageReadsPastItsPadByte()
    {
        using var tmp = new TempFolder();
        var spec = Spec(Explicit, 8, 8, 0, "MONOCHROME2"); // 13 × 9 = 117 bytes: pydicom pads the value to 118
        var cells = UnsignedCells(8, 5).Select(c => (byte)c).ToArray();
        var (path, expected, _) = MakeAndDump(tmp, "u8.dcm", spec, cells);
        var v = VolumeFile.Read(path);
        Assert.That(v.VoxelType, Is.EqualTo(VoxelType.UInt8));
        Assert.That(v.As<byte>(), Is.EqualTo(cells));
        Assert.That(Bits(Values(v)), Is.EqualTo(Bits(expected)));
    }

    [Test]
    public void BitsAboveBitsStoredAreMaskedOff()
    {
        // Unused high bits may hold overlays or noise (PS3.5 §8.1.1); the value is the low BitsStored bits, as GDCM and
        // DCMTK read it. (pydicom's pixel_array keeps the whole cell, so the expectation here is computed from the cells.)
        using var tmp = new TempFolder();
        var cells = UnsignedCells(16, 6);
        string path = Make(tmp, "overlay.dcm", Spec(Explicit, 16, 12, 0, "MONOCHROME2"), cells);
        Assert.That(VolumeFile.Read(path).As<ushort>(), Is.EqualTo(cells.Select(c => (ushort)(c & 0x0FFF)).ToArray()));
        var signed = Spec(Explicit, 16, 12, 1, "MONOCHROME2");
        path = Make(tmp, "overlay_signed.dcm", signed, cells);
        Assert.That(VolumeFile.Read(path).As<short>(), Is.EqualTo(cells.Select(c => (short)((c & 0x0FFF) >= 2048 ? (c & 0x0FFF) - 4096 : c & 0x0FFF)).ToArray()));
    }

    static ImageFormatException Refused(string path, params string[] problems)
    {
        var e = Assert.Throws<ImageFormatException>(() => VolumeFile.Read(path))!;
        Assert.That(e.FilePath, Is.EqualTo(path));
        Assert.That(e.Message, Does.StartWith(path + ": "));
        foreach (var p in problems) Assert.That(e.Message, Does.Contain(p), e.Message);
        return e;
    }

    [Test]
    public void JpegTransferSyntaxIsRefusedByNameWithHowToConvert()
    {
        using var tmp = new TempFolder();
        var spec = Spec("1.2.840.10008.1.2.4.50", 8, 8, 0, "MONOCHROME2");
        spec["encapsulated"] = true;
        string path = Make(tmp, "jpeg.dcm", spec, new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 });
        Refused(path, "1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", "is not read", "gdcmconv --raw", "DICOM module");
    }

    [Test]
    public void TruncatedFilesAreRefusedNamingWhereTheyEnd()
    {
        using var tmp = new TempFolder();
        var spec = Spec(Explicit, 16, 16, 0, "MONOCHROME2");
        spec["undefined_length_sequence"] = true;
        string whole = Make(tmp, "whole.dcm", spec, UnsignedCells(16, 7));
        var bytes = File.ReadAllBytes(whole);
        int pixelTag = bytes.AsSpan().IndexOf(new byte[] { 0xE0, 0x7F, 0x10, 0x00 });
        int sequenceEnd = bytes.AsSpan(0, pixelTag).LastIndexOf(new byte[] { 0xFE, 0xFF, 0xDD, 0xE0 }); // the outer sequence's delimiter
        string Cut(string name, int length) { File.WriteAllBytes(tmp.File(name), bytes[..length]); return tmp.File(name); }

        Refused(Cut("in_pixels.dcm", bytes.Length - 10), "(7FE0,0010)", $"byte offset {pixelTag}", "truncated");
        Refused(Cut("in_pixel_header.dcm", pixelTag + 6), "(7FE0,0010)", "truncated");
        Refused(Cut("in_sequence.dcm", sequenceEnd - 3), "(0008,1140)", "truncated");
        Refused(Cut("in_meta.dcm", 140), "truncated");
        Refused(Cut("preamble.dcm", 100), "not a DICOM Part 10 file");
        var pixelsGone = Refused(Cut("no_pixels.dcm", pixelTag), "no Pixel Data");
        Assert.That(pixelsGone.Message, Does.Contain("(7FE0,0010)"));
    }

    [Test]
    public void FilesAreKnownByContentAndTheDcmName()
    {
        using var tmp = new TempFolder();
        var cells = UnsignedCells(16, 8);
        string dcm = Make(tmp, "x.dcm", Spec(Explicit, 16, 16, 0, "MONOCHROME2"), cells);
        File.Copy(dcm, tmp.File("IM000001"));
        Assert.That(VolumeFile.Read(tmp.File("IM000001")).As<ushort>(), Is.EqualTo(cells), "no extension: the preamble and DICM say DICOM");
        File.WriteAllText(tmp.File("fake.dcm"), "NRRD0004\n");
        Refused(tmp.File("fake.dcm"), "not a DICOM Part 10 file");
        Assert.Throws<ImageFormatException>(() => VolumeFile.Write(VolumeFile.Read(dcm), tmp.File("out.dcm")), "DICOM is read, not written");
    }

    [Test]
    public void UnsupportedImagesAreRefusedWithTheReason()
    {
        using var tmp = new TempFolder();
        var frames = Spec(Explicit, 16, 16, 0, "MONOCHROME2");
        frames["number_of_frames"] = 2;
        Refused(Make(tmp, "frames.dcm", frames, UnsignedCells(16, 9).Concat(UnsignedCells(16, 10)).ToArray()), "NumberOfFrames (0028,0008) is 2", "single-frame");
        var noSpacing = Spec(Explicit, 16, 16, 0, "MONOCHROME2");
        noSpacing.Remove("imager_pixel_spacing");
        Refused(Make(tmp, "nospacing.dcm", noSpacing, UnsignedCells(16, 11)), "neither ImagerPixelSpacing (0018,1164) nor PixelSpacing (0028,0030)");
    }

    [Test]
    public void ADicomRadiographTakesItsCalibrationFromAViewFileThatAgreesWithItsDetectorPixels()
    {
        using var tmp = new TempFolder();
        var spec = Spec(Explicit, 16, 16, 0, "MONOCHROME2");
        spec["attributes"] = new JsonObject { ["DistanceSourceToDetector"] = "1000", ["PositionerPrimaryAngle"] = "90" };
        var cells = UnsignedCells(16, 12);
        string path = Make(tmp, "ap.dcm", spec, cells);
        var v = VolumeFile.Read(path);

        var none = Assert.Throws<ImageFormatException>(() => Radiograph.FromVolume(v, path))!;
        Assert.That(none.Message, Does.Contain("--ap-view").And.Contain("DistanceSourceToDetector 1000").And.Contain("PositionerPrimaryAngle 90").And.Contain("\"dicom\""));

        CalibratedView View(double columnMm, double rowMm) => new CArmGeometry
        {
            PrimaryAngleDeg = 0, Columns = Columns, Rows = Rows, ColumnSpacingMm = columnMm, RowSpacingMm = rowMm,
        }.ToView();
        var r = Radiograph.FromVolume(v, View(0.139, 0.148), path, "view.json");
        Assert.That(r.Image.Pixels, Is.EqualTo(cells.Select(c => (float)c).ToArray()));
        var e = Assert.Throws<ImageFormatException>(() => Radiograph.FromVolume(v, View(0.278, 0.296), path, "view.json"))!;
        Assert.That(e.Message, Does.Contain("ImagerPixelSpacing").And.Contain("0.139").And.Contain("0.278").And.Contain("view.json"));
    }

    [Test]
    public void MutatedDicomFiles_EndInAVolumeOrAClearError()
    {
        // ReaderFuzzTests' mutations (truncation, bit flips before the pixel data, random, appended and zeroed bytes) on
        // both transfer syntaxes with undefined-length sequences: a volume or an ImageFormatException naming the file,
        // within 5 s, never another exception or a hang.
        const int Seed = 20261202, Cases = 60;
        var rng = new Random(Seed);
        var failures = new List<string>();
        int read = 0, refused = 0;
        using var tmp = new TempFolder();
        foreach (var syntax in new[] { Explicit, Implicit })
        {
            var spec = Spec(syntax, 16, 12, 1, "MONOCHROME1");
            spec["undefined_length_sequence"] = true;
            spec["rescale_slope"] = 2; spec["rescale_intercept"] = -7;
            string path = Make(tmp, $"fuzz_{syntax}.dcm", spec, SignedCells(12, 13));
            var original = File.ReadAllBytes(path);
            int pixelTag = original.AsSpan().IndexOf(new byte[] { 0xE0, 0x7F, 0x10, 0x00 });
            for (int c = 0; c < Cases; c++)
            {
                var (bytes, how) = ReaderFuzzTests.Mutate(original, text: false, rng, binaryHeader: pixelTag + 12);
                File.WriteAllBytes(path, bytes);
                var task = Task.Run(() => VolumeFile.Read(path));
                try { task.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
                string label = $"{syntax} case {c} ({how})";
                if (!task.IsCompleted) failures.Add($"{label}: no answer within 5 s");
                else if (task.IsCompletedSuccessfully) read++;
                else if (task.Exception!.InnerException is ImageFormatException e && e.Message.Contains(path, StringComparison.Ordinal)) refused++;
                else failures.Add($"{label}: {task.Exception.InnerException!.GetType().Name}: {task.Exception.InnerException.Message}");
            }
        }
        TestContext.Out.WriteLine($"DICOM reader fuzz, seed {Seed}: {2 * Cases} cases, {read} read, {refused} refused with a clear error, {failures.Count} failures");
        Assert.That(failures, Is.Empty);
        Assert.That(refused, Is.GreaterThan(2 * Cases / 4), "most mutations break the file (else they are too mild to test anything)");
    }
}
