using System.Buffers;
using System.Runtime.InteropServices;

namespace SlicerReg.Client.Protocol;

/// <summary>A typed voxel array viewed as bytes without a copy (so a 1 GB volume is not duplicated to be sent).</summary>
sealed class VoxelArrayMemory<T>(T[] array) : MemoryManager<byte> where T : unmanaged
{
    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());
    public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();
    public override void Unpin() { }
    protected override void Dispose(bool disposing) { }
}

public static class VoxelArrayMemory
{
    public static Memory<byte> Of(Array data) => data switch
    {
        byte[] a => a,
        short[] a => new VoxelArrayMemory<short>(a).Memory,
        ushort[] a => new VoxelArrayMemory<ushort>(a).Memory,
        int[] a => new VoxelArrayMemory<int>(a).Memory,
        float[] a => new VoxelArrayMemory<float>(a).Memory,
        double[] a => new VoxelArrayMemory<double>(a).Memory,
        _ => throw new ArgumentException($"unsupported buffer {data.GetType().Name}"),
    };
}
