namespace SlicerReg.Core.Imaging;

/// <summary>The voxel component types SlicerReg reads and writes.</summary>
public enum VoxelType { UInt8, Int16, UInt16, Int32, Float32, Float64 }

public static class VoxelTypes
{
    public static readonly IReadOnlyList<VoxelType> All = Enum.GetValues<VoxelType>();

    public static int SizeOf(this VoxelType t) => t switch
    {
        VoxelType.UInt8 => 1, VoxelType.Int16 => 2, VoxelType.UInt16 => 2,
        VoxelType.Int32 => 4, VoxelType.Float32 => 4, VoxelType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static Type ClrType(this VoxelType t) => t switch
    {
        VoxelType.UInt8 => typeof(byte), VoxelType.Int16 => typeof(short), VoxelType.UInt16 => typeof(ushort),
        VoxelType.Int32 => typeof(int), VoxelType.Float32 => typeof(float), VoxelType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static VoxelType Of<T>() where T : unmanaged
        => typeof(T) == typeof(byte) ? VoxelType.UInt8 : typeof(T) == typeof(short) ? VoxelType.Int16
         : typeof(T) == typeof(ushort) ? VoxelType.UInt16 : typeof(T) == typeof(int) ? VoxelType.Int32
         : typeof(T) == typeof(float) ? VoxelType.Float32 : typeof(T) == typeof(double) ? VoxelType.Float64
         : throw new NotSupportedException($"voxel type {typeof(T).Name} is not supported");

    public static bool IsInteger(this VoxelType t) => t is VoxelType.UInt8 or VoxelType.Int16 or VoxelType.UInt16 or VoxelType.Int32;

    internal static Array Allocate(VoxelType t, long length) => t switch
    {
        VoxelType.UInt8 => new byte[length], VoxelType.Int16 => new short[length], VoxelType.UInt16 => new ushort[length],
        VoxelType.Int32 => new int[length], VoxelType.Float32 => new float[length], VoxelType.Float64 => new double[length],
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };
}
