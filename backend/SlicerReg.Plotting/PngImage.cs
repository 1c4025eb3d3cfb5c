using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SlicerReg.Core.IO;

namespace SlicerReg.Plotting;

/// <summary>
/// PNG writer and reader for 8-bit truecolour (colour type 2), non-interlaced images (PNG spec, W3C 2003): signature,
/// IHDR, one IDAT (zlib stream, each row filtered with the cheapest of the five filters by the spec's minimum
/// sum-of-absolute-differences heuristic), IEND; every chunk with its CRC-32. Written atomically (<see cref="AtomicFile"/>).
/// The reader accepts what the writer writes (any filters, IDAT split over several chunks, ancillary chunks skipped)
/// and says what it does not support.
/// </summary>
public static class PngImage
{
    static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    public static void WriteRgb(string pngPath, int width, int height, byte[] rgb)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        if (width < 1 || height < 1) throw new ArgumentException($"PNG size must be positive, got {width}×{height}");
        if ((long)width * height * 3 != rgb.LongLength) throw new ArgumentException($"{rgb.Length} bytes of RGB do not fill {width}×{height} (need {3L * width * height})", nameof(rgb));
        byte[] bytes = Encode(width, height, rgb);
        AtomicFile.Write(pngPath, s => s.Write(bytes));
    }

    public static byte[] Encode(int width, int height, byte[] rgb)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;   // bit depth 8, truecolour; compression, filter, interlace 0

        using var ms = new MemoryStream();
        ms.Write(Signature);
        WriteChunk(ms, "IHDR", ihdr);
        WriteChunk(ms, "IDAT", Compress(Filter(width, height, rgb)));
        WriteChunk(ms, "IEND", Array.Empty<byte>());
        return ms.ToArray();
    }

    static byte[] Compress(byte[] raw)
    {
        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.SmallestSize, leaveOpen: true)) zs.Write(raw);
        return z.ToArray();
    }

    static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        s.Write(four);
        byte[] t = Encoding.ASCII.GetBytes(type);
        s.Write(t);
        s.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32.Of(t, data));
        s.Write(four);
    }

    /// <summary>Each row: the filter (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth; spec §9) whose output has the least sum of |signed bytes|.</summary>
    static byte[] Filter(int width, int height, byte[] rgb)
    {
        int stride = 3 * width;
        var raw = new byte[(long)height * (stride + 1)];
        var candidate = new byte[stride];
        var best = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            var row = rgb.AsSpan(y * stride, stride);
            var prior = y > 0 ? rgb.AsSpan((y - 1) * stride, stride) : Span<byte>.Empty;
            long bestCost = long.MaxValue; byte bestType = 0;
            for (byte type = 0; type <= 4; type++)
            {
                long cost = 0;
                for (int i = 0; i < stride; i++)
                {
                    int a = i >= 3 ? row[i - 3] : 0, b = y > 0 ? prior[i] : 0, c = i >= 3 && y > 0 ? prior[i - 3] : 0;
                    byte f = (byte)(row[i] - Predict(type, a, b, c));
                    candidate[i] = f;
                    cost += Math.Abs((int)(sbyte)f);   // (int) first: |−128| overflows sbyte
                }
                if (cost < bestCost) { bestCost = cost; bestType = type; candidate.CopyTo(best, 0); }
            }
            long o = (long)y * (stride + 1);
            raw[o] = bestType;
            best.CopyTo(raw, o + 1);
        }
        return raw;
    }

    static int Predict(int type, int a, int b, int c) => type switch
    {
        0 => 0,
        1 => a,
        2 => b,
        3 => (a + b) >> 1,
        4 => Paeth(a, b, c),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Reads an 8-bit truecolour non-interlaced PNG (what <see cref="WriteRgb"/> writes); other kinds are an <see cref="ImageFormatException"/>.</summary>
    public static (int Width, int Height, byte[] Rgb) ReadRgb(string pngPath)
    {
        byte[] file;
        try { file = File.ReadAllBytes(pngPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ImageFormatException(pngPath, $"cannot read: {e.Message}", e); }
        return Decode(file, pngPath);
    }

    public static (int Width, int Height, byte[] Rgb) Decode(byte[] file, string name = "PNG data")
    {
        ImageFormatException Bad(string problem) => new(name, problem);
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(Signature)) throw Bad("not a PNG file (bad signature)");
        int pos = 8, width = 0, height = 0;
        bool sawHeader = false, sawEnd = false;
        using var idat = new MemoryStream();
        while (!sawEnd)
        {
            if (pos + 12 > file.Length) throw Bad($"truncated at byte {pos} (no IEND chunk)");
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(pos));
            if (length < 0 || pos + 12L + length > file.Length) throw Bad($"chunk at byte {pos} claims {length} bytes, past the end of the file");
            var type = file.AsSpan(pos + 4, 4);
            var data = file.AsSpan(pos + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos + 8 + length));
            string typeName = Encoding.ASCII.GetString(type);
            if (crc != Crc32.Of(type, data)) throw Bad($"CRC mismatch in chunk {typeName} at byte {pos}");
            switch (typeName)
            {
                case "IHDR":
                    if (length != 13) throw Bad($"IHDR has {length} bytes, expected 13");
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    if (width < 1 || height < 1) throw Bad($"image size {width}×{height} is not positive");
                    if (data[8] != 8 || data[9] != 2) throw Bad($"bit depth {data[8]}, colour type {data[9]}: only 8-bit truecolour (type 2) is supported");
                    if (data[10] != 0 || data[11] != 0) throw Bad("unknown compression or filter method");
                    if (data[12] != 0) throw Bad("interlaced PNGs are not supported");
                    sawHeader = true;
                    break;
                case "IDAT":
                    if (!sawHeader) throw Bad("IDAT before IHDR");
                    idat.Write(data);
                    break;
                case "IEND": sawEnd = true; break;
                default:
                    if ((type[0] & 0x20) == 0) throw Bad($"unsupported critical chunk {typeName}");
                    break;   // ancillary: skip
            }
            pos += 12 + length;
        }
        if (!sawHeader) throw Bad("no IHDR chunk");
        int stride = 3 * width;
        long rawLength = (long)height * (stride + 1);
        var raw = new byte[rawLength];
        try
        {
            idat.Position = 0;
            using var zs = new ZLibStream(idat, CompressionMode.Decompress);
            int got = 0;
            while (got < raw.Length) { int n = zs.Read(raw, got, raw.Length - got); if (n == 0) break; got += n; }
            if (got < raw.Length) throw Bad($"image data has {got} bytes, expected {rawLength} for {width}×{height}");
        }
        catch (InvalidDataException e) { throw new ImageFormatException(name, $"corrupt zlib image data: {e.Message}", e); }

        var rgb = new byte[(long)stride * height];
        for (int y = 0; y < height; y++)
        {
            long o = (long)y * (stride + 1);
            byte type = raw[o];
            if (type > 4) throw Bad($"row {y} has unknown filter type {type}");
            for (int i = 0; i < stride; i++)
            {
                int a = i >= 3 ? rgb[y * stride + i - 3] : 0, b = y > 0 ? rgb[(y - 1) * stride + i] : 0, c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
                rgb[y * stride + i] = (byte)(raw[o + 1 + i] + Predict(type, a, b, c));
            }
        }
        return (width, height, rgb);
    }
}
