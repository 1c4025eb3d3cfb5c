using System.Buffers.Binary;
using System.Text;

namespace SlicerReg.Core.IO;

/// <summary>
/// The 348-byte NIfTI-1 header (nifti1.h), the fields SlicerReg reads and writes, by name and byte offset.
/// Parsing checks only the byte-level facts (size, byte order, magic); <see cref="NiftiFormat"/> interprets the values.
/// </summary>
public sealed class NiftiHeader
{
    public const int Size = 348;
    /// <summary>Header plus the 4-byte extension flag; the smallest valid vox_offset of a single-file .nii.</summary>
    public const int SingleFileDataOffset = 352;

    // nifti1.h constants used here.
    public const short IntentNone = 0, IntentLabel = 1002, IntentDisplacementVector = 1006, IntentVector = 1007;
    public const short XformUnknown = 0, XformScannerAnat = 1;
    public const byte UnitsMeter = 1, UnitsMm = 2, UnitsMicron = 3;

    public bool BigEndian { get; set; }
    public short[] Dim { get; } = new short[8];
    public float IntentP1 { get; set; }
    public float IntentP2 { get; set; }
    public float IntentP3 { get; set; }
    public short IntentCode { get; set; }
    public short Datatype { get; set; }
    public short Bitpix { get; set; }
    public float[] Pixdim { get; } = new float[8];
    public float VoxOffset { get; set; }
    public float SclSlope { get; set; }
    public float SclInter { get; set; }
    public byte XyztUnits { get; set; }
    public string Descrip { get; set; } = "";
    public short QformCode { get; set; }
    public short SformCode { get; set; }
    public float QuaternB { get; set; }
    public float QuaternC { get; set; }
    public float QuaternD { get; set; }
    public float QoffsetX { get; set; }
    public float QoffsetY { get; set; }
    public float QoffsetZ { get; set; }
    /// <summary>srow_x, srow_y, srow_z: the three first rows of the sform, 12 values row-major.</summary>
    public float[] Srow { get; } = new float[12];
    public string IntentName { get; set; } = "";
    public string Magic { get; set; } = "n+1";

    /// <summary>Spatial units code: the low 3 bits of xyzt_units (§ "UNITS OF SPATIAL AND TEMPORAL DIMENSIONS").</summary>
    public int SpatialUnits => XyztUnits & 0x07;

    /// <summary>Parses the first 348 bytes of a file; byte order is detected from sizeof_hdr (348 in either order).</summary>
    public static NiftiHeader Parse(ReadOnlySpan<byte> b, string path)
    {
        if (b.Length < Size) throw new ImageFormatException(path, $"file ends inside the NIfTI header: {b.Length} of {Size} bytes");
        int le = BinaryPrimitives.ReadInt32LittleEndian(b);
        int be = BinaryPrimitives.ReadInt32BigEndian(b);
        var h = new NiftiHeader();
        if (le == Size) h.BigEndian = false;
        else if (be == Size) h.BigEndian = true;
        else if (le == 540 || be == 540) throw new ImageFormatException(path, "this is a NIfTI-2 file (sizeof_hdr 540); only NIfTI-1 is supported");
        else throw new ImageFormatException(path, $"not a NIfTI-1 file: sizeof_hdr is {le}, expected 348");

        string magic = Encoding.ASCII.GetString(b.Slice(344, 4)).TrimEnd('\0');
        if (magic == "ni1") throw new ImageFormatException(path, "two-file NIfTI-1 (.hdr/.img pair, magic \"ni1\") is not supported; convert it to a single .nii");
        if (magic != "n+1" || b[347] != 0)
            throw new ImageFormatException(path, $"not a single-file NIfTI-1 file: magic is \"{Printable(b.Slice(344, 4))}\", expected \"n+1\\0\" (Analyze 7.5 files are not supported)");
        h.Magic = magic;

        var r = new Reader(b, h.BigEndian);
        for (int n = 0; n < 8; n++) h.Dim[n] = r.Int16(40 + 2 * n);
        h.IntentP1 = r.Float(56); h.IntentP2 = r.Float(60); h.IntentP3 = r.Float(64);
        h.IntentCode = r.Int16(68);
        h.Datatype = r.Int16(70);
        h.Bitpix = r.Int16(72);
        for (int n = 0; n < 8; n++) h.Pixdim[n] = r.Float(76 + 4 * n);
        h.VoxOffset = r.Float(108);
        h.SclSlope = r.Float(112);
        h.SclInter = r.Float(116);
        h.XyztUnits = b[123];
        h.Descrip = CString(b.Slice(148, 80));
        h.QformCode = r.Int16(252);
        h.SformCode = r.Int16(254);
        h.QuaternB = r.Float(256); h.QuaternC = r.Float(260); h.QuaternD = r.Float(264);
        h.QoffsetX = r.Float(268); h.QoffsetY = r.Float(272); h.QoffsetZ = r.Float(276);
        for (int n = 0; n < 12; n++) h.Srow[n] = r.Float(280 + 4 * n);
        h.IntentName = CString(b.Slice(328, 16));
        return h;
    }

    /// <summary>The 348 header bytes, little-endian.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[Size];
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s, Size);
        b[38] = (byte)'r'; // "regular": Analyze legacy, set by niftilib and ITK
        for (int n = 0; n < 8; n++) BinaryPrimitives.WriteInt16LittleEndian(s[(40 + 2 * n)..], Dim[n]);
        BinaryPrimitives.WriteSingleLittleEndian(s[56..], IntentP1);
        BinaryPrimitives.WriteSingleLittleEndian(s[60..], IntentP2);
        BinaryPrimitives.WriteSingleLittleEndian(s[64..], IntentP3);
        BinaryPrimitives.WriteInt16LittleEndian(s[68..], IntentCode);
        BinaryPrimitives.WriteInt16LittleEndian(s[70..], Datatype);
        BinaryPrimitives.WriteInt16LittleEndian(s[72..], Bitpix);
        for (int n = 0; n < 8; n++) BinaryPrimitives.WriteSingleLittleEndian(s[(76 + 4 * n)..], Pixdim[n]);
        BinaryPrimitives.WriteSingleLittleEndian(s[108..], VoxOffset);
        BinaryPrimitives.WriteSingleLittleEndian(s[112..], SclSlope);
        BinaryPrimitives.WriteSingleLittleEndian(s[116..], SclInter);
        b[123] = XyztUnits;
        WriteCString(s.Slice(148, 80), Descrip);
        BinaryPrimitives.WriteInt16LittleEndian(s[252..], QformCode);
        BinaryPrimitives.WriteInt16LittleEndian(s[254..], SformCode);
        BinaryPrimitives.WriteSingleLittleEndian(s[256..], QuaternB);
        BinaryPrimitives.WriteSingleLittleEndian(s[260..], QuaternC);
        BinaryPrimitives.WriteSingleLittleEndian(s[264..], QuaternD);
        BinaryPrimitives.WriteSingleLittleEndian(s[268..], QoffsetX);
        BinaryPrimitives.WriteSingleLittleEndian(s[272..], QoffsetY);
        BinaryPrimitives.WriteSingleLittleEndian(s[276..], QoffsetZ);
        for (int n = 0; n < 12; n++) BinaryPrimitives.WriteSingleLittleEndian(s[(280 + 4 * n)..], Srow[n]);
        WriteCString(s.Slice(328, 16), IntentName);
        WriteCString(s.Slice(344, 4), Magic);
        return b;
    }

    static string CString(ReadOnlySpan<byte> s)
    {
        int end = s.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? s : s[..end]);
    }

    static void WriteCString(Span<byte> dest, string value)
    {
        var bytes = Encoding.ASCII.GetBytes(value);
        bytes.AsSpan(0, Math.Min(bytes.Length, dest.Length - 1)).CopyTo(dest); // keep a terminating NUL
    }

    static string Printable(ReadOnlySpan<byte> s)
    {
        var sb = new StringBuilder();
        foreach (var c in s) sb.Append(c is >= 32 and < 127 ? ((char)c).ToString() : $"\\x{c:x2}");
        return sb.ToString();
    }

    readonly ref struct Reader(ReadOnlySpan<byte> b, bool bigEndian)
    {
        readonly ReadOnlySpan<byte> _b = b;
        public short Int16(int at) => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(_b[at..]) : BinaryPrimitives.ReadInt16LittleEndian(_b[at..]);
        public float Float(int at) => bigEndian ? BinaryPrimitives.ReadSingleBigEndian(_b[at..]) : BinaryPrimitives.ReadSingleLittleEndian(_b[at..]);
    }
}
