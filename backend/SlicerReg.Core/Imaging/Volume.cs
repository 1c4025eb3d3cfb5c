using System.Runtime.InteropServices;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Imaging;

/// <summary>
/// A 3D image: a voxel grid with its RAS geometry and a typed voxel buffer.
/// Layout: index i fastest, then j, then k; the components of a vector voxel are interleaved
/// (element [(k·J + j)·I + i]·Components + c), exactly as NRRD, NIfTI and MetaImage store them.
/// </summary>
public sealed class Volume
{
    /// <summary>Largest buffer we allocate (elements); guards against absurd headers before allocation.</summary>
    public const long MaxElements = 1L << 31;

    public ImageGeometry Geometry { get; private set; }
    public VoxelType VoxelType { get; }
    public int Components { get; }
    public VolumeKind Kind { get; set; }
    /// <summary>byte[], short[], ushort[], int[], float[] or double[], matching <see cref="VoxelType"/>.</summary>
    public Array Data { get; }
    /// <summary>Free-form key/value pairs carried through files that can store them (NRRD key:=value, MetaImage extra fields).</summary>
    public Dictionary<string, string> Metadata { get; } = new();

    public GridSize Size => Geometry.Size;
    public long VoxelCount => Geometry.Size.VoxelCount;
    public long ElementCount => VoxelCount * Components;

    public Volume(ImageGeometry geometry, VoxelType voxelType, int components = 1, VolumeKind kind = VolumeKind.Scalar, Array? data = null)
    {
        if (components < 1 || components > 64) throw new ArgumentException($"components must be 1..64, got {components}");
        long n = geometry.Size.VoxelCount * components;
        if (n > MaxElements) throw new ArgumentException($"volume of {geometry.Size}×{components} elements exceeds the limit of {MaxElements}");
        if (kind == VolumeKind.DisplacementField && components != 3) throw new ArgumentException("a displacement field has 3 components");
        if (kind == VolumeKind.LabelMap && (components != 1 || !voxelType.IsInteger())) throw new ArgumentException("a label map has one integer component");
        if (data is null) data = VoxelTypes.Allocate(voxelType, n);
        else
        {
            if (data.GetType().GetElementType() != voxelType.ClrType()) throw new ArgumentException($"data is {data.GetType().Name}, voxel type is {voxelType}");
            if (data.LongLength != n) throw new ArgumentException($"data has {data.LongLength} elements, geometry needs {n}");
        }
        Geometry = geometry; VoxelType = voxelType; Components = components; Kind = kind; Data = data;
    }

    public static Volume Create<T>(ImageGeometry geometry, T[] data, int components = 1, VolumeKind kind = VolumeKind.Scalar) where T : unmanaged
        => new(geometry, VoxelTypes.Of<T>(), components, kind, data);

    /// <summary>Replaces the geometry with one of the same size (resampling is not done here).</summary>
    public void SetGeometry(ImageGeometry g)
    {
        if (g.Size != Geometry.Size) throw new ArgumentException($"new geometry has size {g.Size}, volume has {Geometry.Size}");
        Geometry = g;
    }

    public T[] As<T>() where T : unmanaged
        => Data as T[] ?? throw new InvalidOperationException($"volume holds {VoxelType}, not {typeof(T).Name}");

    /// <summary>The voxel buffer as raw bytes in machine (little-endian) order, without copying.</summary>
    public Span<byte> Bytes => VoxelType switch
    {
        VoxelType.UInt8 => ((byte[])Data).AsSpan(),
        VoxelType.Int16 => MemoryMarshal.AsBytes(((short[])Data).AsSpan()),
        VoxelType.UInt16 => MemoryMarshal.AsBytes(((ushort[])Data).AsSpan()),
        VoxelType.Int32 => MemoryMarshal.AsBytes(((int[])Data).AsSpan()),
        VoxelType.Float32 => MemoryMarshal.AsBytes(((float[])Data).AsSpan()),
        VoxelType.Float64 => MemoryMarshal.AsBytes(((double[])Data).AsSpan()),
        _ => throw new InvalidOperationException(),
    };

    // Switch on VoxelType, not on the array's runtime type: the CLR lets a ushort[] pass as a short[] (and byte[] as sbyte[]).
    public double GetElement(long index) => VoxelType switch
    {
        VoxelType.UInt8 => ((byte[])Data)[index], VoxelType.Int16 => ((short[])Data)[index], VoxelType.UInt16 => ((ushort[])Data)[index],
        VoxelType.Int32 => ((int[])Data)[index], VoxelType.Float32 => ((float[])Data)[index], VoxelType.Float64 => ((double[])Data)[index],
        _ => throw new InvalidOperationException(),
    };

    /// <summary>Sets an element, rounding and clamping to the voxel type's range for integer types.</summary>
    public void SetElement(long index, double value)
    {
        switch (VoxelType)
        {
            case VoxelType.UInt8: ((byte[])Data)[index] = (byte)Math.Clamp(Math.Round(value), byte.MinValue, byte.MaxValue); break;
            case VoxelType.Int16: ((short[])Data)[index] = (short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue); break;
            case VoxelType.UInt16: ((ushort[])Data)[index] = (ushort)Math.Clamp(Math.Round(value), ushort.MinValue, ushort.MaxValue); break;
            case VoxelType.Int32: ((int[])Data)[index] = (int)Math.Clamp(Math.Round(value), int.MinValue, int.MaxValue); break;
            case VoxelType.Float32: ((float[])Data)[index] = (float)value; break;
            case VoxelType.Float64: ((double[])Data)[index] = value; break;
        }
    }

    public long LinearIndex(int i, int j, int k) => ((long)k * Size.J + j) * Size.I + i;
    public double this[int i, int j, int k, int c = 0]
    {
        get => GetElement(LinearIndex(i, j, k) * Components + c);
        set => SetElement(LinearIndex(i, j, k) * Components + c, value);
    }

    /// <summary>A copy with another voxel type (rounded and clamped for integer targets).</summary>
    public Volume ConvertTo(VoxelType target, VolumeKind? kind = null)
    {
        var v = new Volume(Geometry, target, Components, kind ?? (target.IsInteger() || Kind != VolumeKind.LabelMap ? Kind : VolumeKind.Scalar));
        for (long n = 0; n < ElementCount; n++) v.SetElement(n, GetElement(n));
        foreach (var kv in Metadata) v.Metadata[kv.Key] = kv.Value;
        return v;
    }

    public Volume Clone()
    {
        var v = new Volume(Geometry, VoxelType, Components, Kind, (Array)Data.Clone());
        foreach (var kv in Metadata) v.Metadata[kv.Key] = kv.Value;
        return v;
    }

    public override string ToString() => $"{Kind} volume {VoxelType}×{Components}, {Geometry}";
}
