using System.Buffers.Binary;
using System.IO.Compression;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>Shared raw-voxel reading and writing for every format: endianness, gzip, and size checks before allocation.</summary>
public static class VoxelCodec
{
    /// <summary>
    /// Reads exactly <paramref name="elements"/> voxel components of <paramref name="type"/> from <paramref name="stream"/>
    /// (optionally gzip-compressed) into a new typed array. Throws <see cref="ImageFormatException"/> naming <paramref name="path"/>
    /// when the data ends early or the gzip stream is corrupt.
    /// </summary>
    public static Array ReadElements(Stream stream, VoxelType type, long elements, bool bigEndian, bool gzip, string path)
    {
        if (elements < 0 || elements > Volume.MaxElements)
            throw new ImageFormatException(path, $"declared {elements} voxel components, more than the limit of {Volume.MaxElements}");
        long bytes = elements * type.SizeOf();
        if (!gzip && stream.CanSeek && stream.Length - stream.Position < bytes)
            throw new ImageFormatException(path, $"data is truncated: header declares {bytes} bytes of voxels, file holds {stream.Length - stream.Position}");
        var data = VoxelTypes.Allocate(type, elements);
        var span = ByteView(data);
        Stream src = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        try
        {
            int read = 0;
            while (read < span.Length)
            {
                int n = src.Read(span[read..]);
                if (n == 0) throw new ImageFormatException(path, gzip
                    ? $"compressed data ends early: got {read} of {span.Length} bytes of voxels"
                    : $"data is truncated: got {read} of {span.Length} bytes of voxels");
                read += n;
            }
        }
        catch (InvalidDataException e) { throw new ImageFormatException(path, $"corrupt gzip data: {e.Message}", e); }
        catch (EndOfStreamException e) { throw new ImageFormatException(path, "compressed data ends early", e); }
        finally { if (gzip) src.Dispose(); }
        if (bigEndian != !BitConverter.IsLittleEndian) SwapInPlace(data);
        return data;
    }

    /// <summary>Writes the voxel buffer in little-endian order, optionally gzip-compressed.</summary>
    public static void WriteElements(Stream stream, Volume volume, bool gzip)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        if (gzip)
        {
            using var z = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
            z.Write(volume.Bytes);
        }
        else stream.Write(volume.Bytes);
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
