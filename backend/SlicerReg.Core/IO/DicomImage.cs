using System.Buffers.Binary;
using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.IO;

/// <summary>
/// A single-frame grayscale DICOM image (a CR, DX, RF or XA radiograph) read from a Part 10 file (<see cref="DicomFile"/>)
/// into a one-slice volume of Columns × Rows × 1, column fastest, row 0 first, as the file stores it.
/// <para><b>Pixels.</b> SamplesPerPixel 1; MONOCHROME1 or MONOCHROME2; BitsAllocated 8 or 16; BitsStored ≤ BitsAllocated
/// with HighBit = BitsStored − 1 (bits above are masked off, and sign-extended for PixelRepresentation 1). Without a
/// rescale (slope 1, intercept 0) the values stay as stored (uint8, uint16, or int16 for signed); otherwise
/// RescaleSlope·v + RescaleIntercept as double. A Modality LUT sequence, more than one frame, colour and compressed
/// transfer syntaxes are refused with the reason.</para>
/// <para><b>Grid.</b> The pixel spacing is ImagerPixelSpacing (0018,1164), the spacing at the detector face that a C-arm
/// calibration measures, else PixelSpacing (0028,0030); which one is recorded under <see cref="SpacingSourceKey"/>. Both
/// are "row spacing\column spacing" (mm between rows, then between columns). A projection radiograph has no position
/// in the patient, so the grid is placed as ITK places such a file: LPS axes, origin 0 (in RAS: i toward the left, j toward posterior).</para>
/// <para><b>Metadata.</b> The attributes the radiograph model reads (Modality, PhotometricInterpretation, BitsStored:
/// <c>RadiographKinds</c>, <c>Monochrome1</c>) under their DICOM keywords, with PresentationIntentType,
/// PixelIntensityRelationship(Sign), the rescale and the geometry attributes <see cref="DicomView"/> reads when the file has them; for a MONOCHROME1
/// image whose stored range is signed or rescaled, the white level (the largest value the stored bits give, after the
/// rescale) as <see cref="RadiographKinds.WhiteLevelKey"/>, since 2^BitsStored − 1 holds only for unsigned unrescaled values.</para>
/// </summary>
public static class DicomImage
{
    public const string SpacingSourceKey = "slicerreg_pixel_spacing_source";
    public const string TransferSyntaxKey = "TransferSyntaxUID";

    /// <summary>Text attributes copied into the metadata as they are, under their DICOM keywords, when present.</summary>
    static readonly (DicomTag Tag, string Keyword)[] PassedThrough =
    {
        (DicomTag.Modality, RadiographKinds.ModalityKey), (DicomTag.PhotometricInterpretation, RadiographKinds.PhotometricKey),
        (DicomTag.PresentationIntentType, "PresentationIntentType"),
        (DicomTag.PixelIntensityRelationship, "PixelIntensityRelationship"), (DicomTag.PixelIntensityRelationshipSign, "PixelIntensityRelationshipSign"),
        (DicomTag.RescaleSlope, "RescaleSlope"), (DicomTag.RescaleIntercept, "RescaleIntercept"),
        (DicomTag.ImagerPixelSpacing, "ImagerPixelSpacing"), (DicomTag.PixelSpacing, "PixelSpacing"),
        (DicomTag.DistanceSourceToDetector, "DistanceSourceToDetector"), (DicomTag.DistanceSourceToPatient, "DistanceSourceToPatient"),
        (DicomTag.PositionerPrimaryAngle, "PositionerPrimaryAngle"), (DicomTag.PositionerSecondaryAngle, "PositionerSecondaryAngle"),
        (DicomTag.EstimatedRadiographicMagnificationFactor, "EstimatedRadiographicMagnificationFactor"),
        (DicomTag.ViewPosition, "ViewPosition"), (DicomTag.PatientOrientation, "PatientOrientation"),
    };

    public static Volume Read(string path)
    {
        InputFile.RequireRegular(path);
        var f = DicomFile.Read(path);
        int Required(DicomTag tag, string name) => f.UInt16(tag) ?? throw new ImageFormatException(path, $"the DICOM image lacks {name} {tag}");

        if (!f.Has(DicomTag.PixelData)) throw new ImageFormatException(path, $"the DICOM file holds no image: no Pixel Data {DicomTag.PixelData}");
        int samples = Required(DicomTag.SamplesPerPixel, "SamplesPerPixel");
        string photometric = f.String(DicomTag.PhotometricInterpretation) ?? throw new ImageFormatException(path, $"the DICOM image lacks PhotometricInterpretation {DicomTag.PhotometricInterpretation}");
        if (samples != 1 || photometric is not ("MONOCHROME1" or "MONOCHROME2"))
            throw new ImageFormatException(path, $"a {photometric} image with {samples} sample(s) per pixel is not a grayscale radiograph: SlicerReg reads SamplesPerPixel 1, MONOCHROME1 or MONOCHROME2");
        long frames = f.IntegerString(DicomTag.NumberOfFrames, "NumberOfFrames") ?? 1;
        if (frames != 1)
            throw new ImageFormatException(path, $"NumberOfFrames {DicomTag.NumberOfFrames} is {frames}: SlicerReg reads single-frame radiographs (export the frame you want as its own file)");
        if (f.Has(DicomTag.ModalityLutSequence))
            throw new ImageFormatException(path, $"the image has a Modality LUT Sequence {DicomTag.ModalityLutSequence}: only a linear rescale (RescaleSlope/RescaleIntercept) is applied; convert the image to its output values first");

        int rows = Required(DicomTag.Rows, "Rows"), columns = Required(DicomTag.Columns, "Columns");
        if (rows == 0 || columns == 0) throw new ImageFormatException(path, $"the image is {columns} columns × {rows} rows");
        int allocated = Required(DicomTag.BitsAllocated, "BitsAllocated");
        if (allocated is not (8 or 16)) throw new ImageFormatException(path, $"BitsAllocated {DicomTag.BitsAllocated} is {allocated}: SlicerReg reads 8 or 16");
        int stored = Required(DicomTag.BitsStored, "BitsStored");
        if (stored < 1 || stored > allocated) throw new ImageFormatException(path, $"BitsStored {DicomTag.BitsStored} is {stored}: it must lie in 1 … BitsAllocated ({allocated})");
        int highBit = f.UInt16(DicomTag.HighBit) ?? stored - 1;
        if (highBit != stored - 1) throw new ImageFormatException(path, $"HighBit {DicomTag.HighBit} is {highBit}, not BitsStored − 1 = {stored - 1}: pixel cells with the value off the low bits are not read");
        int representation = Required(DicomTag.PixelRepresentation, "PixelRepresentation");
        if (representation is not (0 or 1)) throw new ImageFormatException(path, $"PixelRepresentation {DicomTag.PixelRepresentation} is {representation}: it must be 0 (unsigned) or 1 (two's complement)");
        bool signed = representation == 1;
        double slope = f.Decimals(DicomTag.RescaleSlope, "RescaleSlope", 1)?[0] ?? 1, intercept = f.Decimals(DicomTag.RescaleIntercept, "RescaleIntercept", 1)?[0] ?? 0;
        if (slope == 0) throw new ImageFormatException(path, $"RescaleSlope {DicomTag.RescaleSlope} is 0");

        var (spacing, spacingSource) = Spacing(f);

        var pixel = f.Elements[DicomTag.PixelData];
        long needed = (long)rows * columns * (allocated / 8);
        // Part 10 values have even length: one pad byte after an odd-sized 8-bit frame.
        if (pixel.Length != needed && pixel.Length != needed + (needed & 1))
            throw new ImageFormatException(path, $"Pixel Data {DicomTag.PixelData} at byte offset {pixel.Offset} holds {pixel.Length} bytes; {columns} × {rows} pixels of {allocated} bits need {needed}" +
                                                 (pixel.Length < needed ? " (truncated?)" : ""));

        var geometry = new ImageGeometry(new GridSize(columns, rows, 1), new Vec3(spacing.Column, spacing.Row, 1), Vec3.Zero, Mat3.Diagonal(-1, -1, 1));
        var raw = f.Bytes.AsSpan(pixel.Offset, (int)needed);
        Volume volume;
        bool rescaled = slope != 1 || intercept != 0;
        if (rescaled)
        {
            var values = new double[(long)rows * columns];
            for (int n = 0; n < values.Length; n++) values[n] = slope * Stored(raw, n, allocated, stored, signed) + intercept;
            volume = Volume.Create(geometry, values);
        }
        else if (signed)
        {
            var values = new short[(long)rows * columns];
            for (int n = 0; n < values.Length; n++) values[n] = (short)Stored(raw, n, allocated, stored, signed);
            volume = Volume.Create(geometry, values);
        }
        else if (allocated == 8)
        {
            var values = new byte[(long)rows * columns];
            for (int n = 0; n < values.Length; n++) values[n] = (byte)Stored(raw, n, allocated, stored, signed);
            volume = Volume.Create(geometry, values);
        }
        else
        {
            var values = new ushort[(long)rows * columns];
            for (int n = 0; n < values.Length; n++) values[n] = (ushort)Stored(raw, n, allocated, stored, signed);
            volume = Volume.Create(geometry, values);
        }

        foreach (var (tag, keyword) in PassedThrough)
            if (f.String(tag) is { } s) volume.Metadata[keyword] = s;
        volume.Metadata[RadiographKinds.BitsStoredKey] = stored.ToString(CultureInfo.InvariantCulture);
        volume.Metadata[TransferSyntaxKey] = f.TransferSyntaxUid;
        volume.Metadata[SpacingSourceKey] = spacingSource;
        if (photometric == "MONOCHROME1" && (signed || rescaled))
        {
            double top = signed ? (1 << (stored - 1)) - 1 : (1 << stored) - 1, bottom = signed ? -(1 << (stored - 1)) : 0;
            double white = Math.Max(slope * top + intercept, slope * bottom + intercept);
            if (white > 0) volume.Metadata[RadiographKinds.WhiteLevelKey] = white.ToString("R", CultureInfo.InvariantCulture);
        }
        return volume;
    }

    /// <summary>Stored value <paramref name="n"/>: the low <paramref name="stored"/> bits, sign-extended when signed (bits above them may hold overlays or noise).</summary>
    static int Stored(ReadOnlySpan<byte> raw, int n, int allocated, int stored, bool signed)
    {
        int cell = allocated == 8 ? raw[n] : BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * n)..]);
        int value = cell & ((1 << stored) - 1);
        return signed && (value & (1 << (stored - 1))) != 0 ? value - (1 << stored) : value;
    }

    /// <summary>(mm between columns, mm between rows) and which attribute gave them.</summary>
    static ((double Column, double Row), string Source) Spacing(DicomFile f)
    {
        foreach (var (tag, keyword) in new[] { (DicomTag.ImagerPixelSpacing, "ImagerPixelSpacing"), (DicomTag.PixelSpacing, "PixelSpacing") })
        {
            if (f.Decimals(tag, keyword, 2) is not { } rc) continue;
            if (!(rc[0] > 0) || !(rc[1] > 0)) throw new ImageFormatException(f.Path, $"{keyword} {tag} \"{f.String(tag)}\" must be two positive spacings (mm)");
            return ((rc[1], rc[0]), $"{keyword} {tag}");
        }
        throw new ImageFormatException(f.Path, $"the image has neither ImagerPixelSpacing {DicomTag.ImagerPixelSpacing} nor PixelSpacing {DicomTag.PixelSpacing}: " +
                                               "its pixel size is unknown (a radiograph's calibration needs it)");
    }
}
