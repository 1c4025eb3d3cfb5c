using System.Buffers.Binary;
using System.IO.Compression;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>How voxel bytes are compressed in a file.</summary>
public enum VoxelCompression
{
    None,
    /// <summary>gzip container (RFC 1952): NRRD "encoding: gzip", .nii.gz.</summary>
    Gzip,
    /// <summary>zlib container (RFC 1950): MetaImage "CompressedData = True" (MetaIO uses zlib's compress2).</summary>
    Zlib,
}

/// <summary>Shared raw-voxel reading and writing for every format: endianness, gzip, and size checks before allocation.</summary>
public static class VoxelCodec
{
    /// <summary>
    /// Reads exactly <paramref name="elements"/> voxel components of <paramref name="type"/> from <paramref name="stream"/>
    /// (optionally gzip-compressed) into a new typed array. Throws <see cref="ImageFormatException"/> naming <paramref name="path"/>
    /// when the data ends early or the gzip stream is corrupt.
    /// </summary>
    public static Array ReadElements(Stream stream, VoxelType type, long elements, bool bigEndian, bool gzip, string path)
        => ReadElements(stream, type, elements, bigEndian, gzip ? VoxelCompression.Gzip : VoxelCompression.None, path);

    /// <summary>
    /// As above, with the compression named: gzip (RFC 1952; NRRD, .nii.gz) or zlib (RFC 1950; MetaImage CompressedData).
    /// </summary>
    public static Array ReadElements(Stream stream, VoxelType type, long elements, bool bigEndian, VoxelCompression compression, string path)
    {
        bool compressed = compression != VoxelCompression.None;
        string codec = compression == VoxelCompression.Zlib ? "zlib" : "gzip";
        if (elements < 0 || elements > Volume.MaxElements)
            throw new ImageFormatException(path, $"declared {elements} voxel components, more than the limit of {Volume.MaxElements}");
        long bytes = elements * type.SizeOf();
        if (!compressed && stream.CanSeek && stream.Length - stream.Position < bytes)
            throw new ImageFormatException(path, $"data is truncated: header declares {bytes} bytes of voxels, file holds {stream.Length - stream.Position}");
        var data = VoxelTypes.Allocate(type, elements);
        var span = ByteView(data);
        Stream src = compression switch
        {
            VoxelCompression.Gzip => new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true),
            VoxelCompression.Zlib => new ZLibStream(stream, CompressionMode.Decompress, leaveOpen: true),
            _ => stream,
        };
        try
        {
            int read = 0;
            while (read < span.Length)
            {
                int n = src.Read(span[read..]);
                if (n == 0) throw new ImageFormatException(path, compressed
                    ? $"compressed data ends early: got {read} of {span.Length} bytes of voxels"
                    : $"data is truncated: got {read} of {span.Length} bytes of voxels");
                read += n;
            }
        }
        catch (InvalidDataException e) { throw new ImageFormatException(path, $"corrupt {codec} data: {e.Message}", e); }
        catch (EndOfStreamException e) { throw new ImageFormatException(path, "compressed data ends early", e); }
        finally { if (compressed) src.Dispose(); }
        if (bigEndian != !BitConverter.IsLittleEndian) SwapInPlace(data);
        return data;
    }

    /// <summary>Writes the voxel buffer in little-endian order, optionally gzip-compressed.</summary>
    public static void WriteElements(Stream stream, Volume volume, bool gzip)
        => WriteElements(stream, volume, gzip ? VoxelCompression.Gzip : VoxelCompression.None);

    /// <summary>Writes the voxel buffer in little-endian order, uncompressed, gzip- or zlib-compressed.</summary>
    public static void WriteElements(Stream stream, Volume volume, VoxelCompression compression)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        switch (compression)
        {
            case VoxelCompression.Gzip: { using var z = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true); z.Write(volume.Bytes); break; }
            case VoxelCompression.Zlib: { using var z = new ZLibStream(stream, CompressionLevel.Fastest, leaveOpen: true); z.Write(volume.Bytes); break; }
            default: stream.Write(volume.Bytes); break;
        }
    }

    public static Span<byte> ByteView(Array data) => data switch
    {
        byte[] a => a.AsSpan(),
        short[] a => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
        ushort[] a => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
        float[] a => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new ArgumentException($"unsupported buffer {data.GetType().Name}"),
    };

    static void SwapInPlace(Array data)
    {
        switch (data)
        {
            case short[] a: BinaryPrimitives.ReverseEndianness(a, a); break;
            case ushort[] a: BinaryPrimitives.ReverseEndianness(a, a); break;
            case int[] a: BinaryPrimitives.ReverseEndianness(a, a); break;
            case float[] a: { var s = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(a.AsSpan()); BinaryPrimitives.ReverseEndianness(s, s); break; }
            case double[] a: { var s = System.Runtime.InteropServices.MemoryMarshal.Cast<double, long>(a.AsSpan()); BinaryPrimitives.ReverseEndianness(s, s); break; }
        }
    }
}
