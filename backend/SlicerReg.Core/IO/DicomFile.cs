using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace SlicerReg.Core.IO;

/// <summary>
/// A DICOM Part 10 file (PS3.10 §7.1) parsed as far as an image reader needs: the transfer syntax from the file meta
/// group (always Explicit VR Little Endian), then the top-level data elements of the data set (tag, VR where the
/// encoding states it, where the value lies). Nested data (sequences, defined or undefined length, items, delimiters;
/// PS3.5 §7.5) is walked only to find where it ends. The data set is parsed in Implicit or Explicit VR Little Endian; any
/// other transfer syntax is refused before the data set is touched (<see cref="DicomTransferSyntax"/>).
/// <para>Every length is checked against the bytes left, so a truncated or damaged file gives an
/// <see cref="ImageFormatException"/> naming the tag and the byte offset, never a read past the end or a loop that
/// does not advance (each step consumes at least one 8-byte header; nesting is limited to <see cref="MaxDepth"/>).</para>
/// </summary>
public sealed class DicomFile
{
    /// <summary>Where a top-level element's value lies in <see cref="Bytes"/>; <see cref="Length"/> −1 for an undefined-length sequence.</summary>
    public readonly record struct Element(DicomTag Tag, string? Vr, int Offset, long Length);

    const int PreambleLength = 128;
    const uint UndefinedLength = 0xFFFFFFFF;
    public const int MaxDepth = 64;
    /// <summary>The whole file is held in memory; a radiograph is tens of MB, this bounds the array.</summary>
    public const long MaxFileBytes = int.MaxValue;

    // Explicit VR encodings with a 2-byte reserved field and a 4-byte length (PS3.5 §7.1.2, table 7.1-1).
    static readonly HashSet<string> LongVrs = new() { "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV" };

    public string Path { get; }
    public string TransferSyntaxUid { get; }
    public byte[] Bytes { get; }
    public IReadOnlyDictionary<DicomTag, Element> Elements => _elements;
    readonly Dictionary<DicomTag, Element> _elements = new();

    DicomFile(string path, byte[] bytes, string transferSyntaxUid) { Path = path; Bytes = bytes; TransferSyntaxUid = transferSyntaxUid; }

    /// <summary>True when the file starts with a 128-byte preamble and "DICM" (PS3.10 §7.1): how a DICOM file is known by its content.</summary>
    public static bool HasPart10Header(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
            Span<byte> head = stackalloc byte[PreambleLength + 4];
            int n = 0;
            while (n < head.Length) { int r = s.Read(head[n..]); if (r == 0) break; n += r; }
            return n == head.Length && head[PreambleLength..].SequenceEqual("DICM"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>A name DICOM files are given (.dcm, .dicom); many have none, and are known by <see cref="HasPart10Header"/>.</summary>
    public static bool HasDicomName(string path)
        => path.EndsWith(".dcm", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".dicom", StringComparison.OrdinalIgnoreCase);

    public static DicomFile Read(string path)
    {
        byte[] bytes;
        using (var s = InputFile.OpenRead(path))
        {
            if (s.Length > MaxFileBytes) throw new ImageFormatException(path, $"DICOM file of {s.Length} bytes is larger than the {MaxFileBytes} bytes read into memory");
            bytes = new byte[s.Length];
            s.ReadExactly(bytes);
        }
        if (bytes.Length < PreambleLength + 4 || !bytes.AsSpan(PreambleLength, 4).SequenceEqual("DICM"u8))
            throw new ImageFormatException(path, bytes.Length < PreambleLength + 4
                ? $"not a DICOM Part 10 file: {bytes.Length} bytes, shorter than the 128-byte preamble and \"DICM\""
                : "not a DICOM Part 10 file: no \"DICM\" after the 128-byte preamble (a bare data set without file meta information is not read)");

        // File meta information: group 0002, always Explicit VR Little Endian.
        var meta = new Dictionary<DicomTag, Element>();
        int pos = PreambleLength + 4;
        while (pos + 4 <= bytes.Length && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(pos)) == 0x0002)
            pos = ReadElement(path, bytes, pos, explicitVr: true, depth: 0, meta);
        if (!meta.TryGetValue(DicomTag.TransferSyntaxUid, out var tsElement))
            throw new ImageFormatException(path, $"the file meta information (group 0002) lacks the Transfer Syntax UID {DicomTag.TransferSyntaxUid}");
        string ts = Text(bytes, tsElement).TrimEnd('\0', ' ');
        if (!DicomTransferSyntax.IsReadable(ts))
            throw new ImageFormatException(path, $"transfer syntax {ts} ({DicomTransferSyntax.Name(ts)}) is not read: SlicerReg reads uncompressed " +
                                                 $"Implicit VR Little Endian ({DicomTransferSyntax.ImplicitVrLittleEndian}) and Explicit VR Little Endian " +
                                                 $"({DicomTransferSyntax.ExplicitVrLittleEndian}); {DicomTransferSyntax.ConversionAdvice}");

        var file = new DicomFile(path, bytes, ts);
        bool explicitVr = ts == DicomTransferSyntax.ExplicitVrLittleEndian;
        while (pos < bytes.Length)
            pos = ReadElement(path, bytes, pos, explicitVr, depth: 0, file._elements);
        return file;
    }

    /// <summary>
    /// Reads the element at <paramref name="pos"/> and returns where the next one starts; records it in
    /// <paramref name="into"/> when given (top level). An undefined-length sequence is walked to its delimiter.
    /// </summary>
    static int ReadElement(string path, byte[] b, int pos, bool explicitVr, int depth, Dictionary<DicomTag, Element>? into)
    {
        var tag = ReadTag(path, b, pos, "a data element");
        if (tag.Group == 0xFFFE)
            throw new ImageFormatException(path, $"unexpected {tag} (an item or delimiter outside a sequence) at byte offset {pos}");
        string? vr = null;
        int valuePos;
        uint length;
        if (explicitVr)
        {
            Need(path, b, pos, 8, tag);
            vr = Encoding.ASCII.GetString(b, pos + 4, 2);
            if (vr[0] is < 'A' or > 'Z' || vr[1] is < 'A' or > 'Z')
                throw new ImageFormatException(path, $"element {tag} at byte offset {pos}: \"{Printable(vr)}\" is not a value representation (is the data set really Explicit VR, as its transfer syntax says?)");
            if (LongVrs.Contains(vr))
            {
                Need(path, b, pos, 12, tag);
                length = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos + 8));
                valuePos = pos + 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(pos + 6));
                valuePos = pos + 8;
            }
        }
        else
        {
            Need(path, b, pos, 8, tag);
            length = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos + 4));
            valuePos = pos + 8;
        }

        if (length == UndefinedLength)
        {
            if (tag == DicomTag.PixelData)
                throw new ImageFormatException(path, $"pixel data {tag} at byte offset {pos} has undefined length (encapsulated, i.e. compressed) in the uncompressed transfer syntax {DicomTransferSyntax.Name(TsOf(explicitVr))}");
            // Explicit VR: only SQ, or UN holding a sequence in Implicit VR (PS3.5 §6.2.2, CP-246), may be undefined; Implicit VR: a sequence.
            if (vr is not (null or "SQ" or "UN"))
                throw new ImageFormatException(path, $"element {tag} (VR {vr}) at byte offset {pos} has undefined length, which only a sequence may have");
            int end = SkipSequence(path, b, valuePos, tag, explicitVr && vr != "UN", depth + 1);
            into?.TryAdd(tag, new Element(tag, vr, valuePos, -1));
            return end;
        }
        if (length > (ulong)(b.Length - valuePos))
            throw new ImageFormatException(path, $"element {tag}{(vr is null ? "" : $" (VR {vr})")} at byte offset {pos} declares {length} bytes but only {b.Length - valuePos} remain: the file is truncated or damaged");
        into?.TryAdd(tag, new Element(tag, vr, valuePos, length));
        return valuePos + (int)length;
    }

    /// <summary>Walks an undefined-length sequence from its first item to past its sequence delimiter; returns that position.</summary>
    static int SkipSequence(string path, byte[] b, int pos, DicomTag sequence, bool explicitVr, int depth)
    {
        if (depth > MaxDepth) throw new ImageFormatException(path, $"sequence {sequence} at byte offset {pos} is nested more than {MaxDepth} deep");
        while (true)
        {
            if (b.Length - pos < 8)
                throw new ImageFormatException(path, $"the file ends at byte offset {b.Length} inside the undefined-length sequence {sequence} (no sequence delimiter {DicomTag.SequenceDelimitation}): truncated");
            var tag = ReadTag(path, b, pos, "an item");
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(pos + 4));
            if (tag == DicomTag.SequenceDelimitation) return pos + 8;
            if (tag != DicomTag.Item)
                throw new ImageFormatException(path, $"sequence {sequence}: expected an item {DicomTag.Item} or the sequence delimiter at byte offset {pos}, found {tag}");
            pos += 8;
            if (length != UndefinedLength)
            {
                if (length > (ulong)(b.Length - pos))
                    throw new ImageFormatException(path, $"an item of sequence {sequence} at byte offset {pos - 8} declares {length} bytes but only {b.Length - pos} remain: the file is truncated or damaged");
                pos += (int)length;
                continue;
            }
            // An undefined-length item: its elements up to the item delimiter.
            while (true)
            {
                if (b.Length - pos < 8)
                    throw new ImageFormatException(path, $"the file ends at byte offset {b.Length} inside an undefined-length item of sequence {sequence} (no item delimiter {DicomTag.ItemDelimitation}): truncated");
                if (ReadTag(path, b, pos, "an element") == DicomTag.ItemDelimitation) { pos += 8; break; }
                pos = ReadElement(path, b, pos, explicitVr, depth, into: null);
            }
        }
    }

    static DicomTag ReadTag(string path, byte[] b, int pos, string what)
    {
        if (b.Length - pos < 4) throw new ImageFormatException(path, $"the file ends at byte offset {b.Length} in the middle of {what}'s tag: truncated");
        return new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(pos)), BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(pos + 2)));
    }

    static void Need(string path, byte[] b, int pos, int bytes, DicomTag tag)
    {
        if (b.Length - pos < bytes) throw new ImageFormatException(path, $"the file ends at byte offset {b.Length} inside the header of element {tag} (which starts at {pos}): truncated");
    }

    static string TsOf(bool explicitVr) => explicitVr ? DicomTransferSyntax.ExplicitVrLittleEndian : DicomTransferSyntax.ImplicitVrLittleEndian;

    static string Text(byte[] b, Element e) => e.Length <= 0 ? "" : Encoding.ASCII.GetString(b, e.Offset, (int)e.Length);

    static string Printable(string s) => new(s.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    // ---- values of top-level elements ----------------------------------------------------------------------------

    public bool Has(DicomTag tag) => _elements.ContainsKey(tag);

    /// <summary>A text value (CS, DS, IS, LO, UI …), padding removed; null when the element is absent or empty.</summary>
    public string? String(DicomTag tag)
    {
        if (!_elements.TryGetValue(tag, out var e) || e.Length < 0) return null;
        if (e.Vr is "SQ") throw new ImageFormatException(Path, $"element {tag} is a sequence, not a text value");
        string s = Printable(Text(Bytes, e).TrimEnd('\0', ' ').TrimStart(' '));
        return s.Length == 0 ? null : s;
    }

    /// <summary>An unsigned short (US), or null when absent.</summary>
    public int? UInt16(DicomTag tag)
    {
        if (!_elements.TryGetValue(tag, out var e)) return null;
        if (e.Length != 2 || e.Vr is not (null or "US"))
            throw new ImageFormatException(Path, $"element {tag} must be one unsigned short (VR US, 2 bytes), got {(e.Vr is null ? "" : $"VR {e.Vr}, ")}{e.Length} bytes");
        return BinaryPrimitives.ReadUInt16LittleEndian(Bytes.AsSpan(e.Offset));
    }

    /// <summary>The numbers of a decimal string (DS, backslash-separated), or null when absent; <paramref name="count"/> of them when given.</summary>
    public double[]? Decimals(DicomTag tag, string name, int? count = null)
    {
        if (String(tag) is not { } s) return null;
        var parts = s.Split('\\');
        var values = new double[parts.Length];
        for (int n = 0; n < parts.Length; n++)
            if (!double.TryParse(parts[n].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[n]) || !double.IsFinite(values[n]))
                throw new ImageFormatException(Path, $"{name} {tag} \"{s}\" is not a list of finite decimal numbers");
        if (count is { } c && values.Length != c) throw new ImageFormatException(Path, $"{name} {tag} \"{s}\" must hold {c} value(s), it holds {values.Length}");
        return values;
    }

    /// <summary>An integer string (IS), or null when absent.</summary>
    public long? IntegerString(DicomTag tag, string name)
    {
        if (String(tag) is not { } s) return null;
        return long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v
            : throw new ImageFormatException(Path, $"{name} {tag} \"{s}\" is not an integer");
    }
}
