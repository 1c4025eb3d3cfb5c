namespace SlicerReg.Core.IO;

/// <summary>A DICOM data element tag (group, element), written (gggg,eeee) as the standard does; the few the radiograph reader reads.</summary>
public readonly record struct DicomTag(ushort Group, ushort Element)
{
    public override string ToString() => $"({Group:X4},{Element:X4})";

    // File meta information (PS3.10 7.1).
    public static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);
    // Sequence delimiters (PS3.5 7.5): they carry no VR in either encoding.
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    public static readonly DicomTag ItemDelimitation = new(0xFFFE, 0xE00D);
    public static readonly DicomTag SequenceDelimitation = new(0xFFFE, 0xE0DD);

    public static readonly DicomTag Modality = new(0x0008, 0x0060);
    public static readonly DicomTag PresentationIntentType = new(0x0008, 0x0068);
    public static readonly DicomTag DistanceSourceToDetector = new(0x0018, 0x1110);
    public static readonly DicomTag DistanceSourceToPatient = new(0x0018, 0x1111);
    public static readonly DicomTag EstimatedRadiographicMagnificationFactor = new(0x0018, 0x1114);
    public static readonly DicomTag ImagerPixelSpacing = new(0x0018, 0x1164);
    public static readonly DicomTag PositionerPrimaryAngle = new(0x0018, 0x1510);
    public static readonly DicomTag PositionerSecondaryAngle = new(0x0018, 0x1511);
    public static readonly DicomTag ViewPosition = new(0x0018, 0x5101);
    public static readonly DicomTag PatientOrientation = new(0x0020, 0x0020);
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    public static readonly DicomTag NumberOfFrames = new(0x0028, 0x0008);
    public static readonly DicomTag Rows = new(0x0028, 0x0010);
    public static readonly DicomTag Columns = new(0x0028, 0x0011);
    public static readonly DicomTag PixelSpacing = new(0x0028, 0x0030);
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    public static readonly DicomTag PixelIntensityRelationship = new(0x0028, 0x1040);
    public static readonly DicomTag PixelIntensityRelationshipSign = new(0x0028, 0x1041);
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    public static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    public static readonly DicomTag ModalityLutSequence = new(0x0028, 0x3000);
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
}
