using System.Numerics;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Foreground of a label map: every voxel with label &gt; 0 (binary mode, <c>label</c> null), or every voxel equal to one
/// chosen label value. Any single-component voxel type is accepted (warped label maps are sometimes stored as float).
/// </summary>
public static class BinaryMask
{
    public static bool[] From(Volume labels, int? label = null, string name = "label map")
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Components != 1) throw new ArgumentException($"{name} must have one component, got {labels.Components}");
        long n = labels.VoxelCount;
        var mask = new bool[n];
        switch (labels.VoxelType)
        {
            case VoxelType.UInt8: Fill(labels.As<byte>(), mask, label); break;
            case VoxelType.Int16: Fill(labels.As<short>(), mask, label); break;
            case VoxelType.UInt16: Fill(labels.As<ushort>(), mask, label); break;
            case VoxelType.Int32: Fill(labels.As<int>(), mask, label); break;
            case VoxelType.Float32: Fill(labels.As<float>(), mask, label); break;
            case VoxelType.Float64: Fill(labels.As<double>(), mask, label); break;
            default: throw new ArgumentException($"{name}: unsupported voxel type {labels.VoxelType}");
        }
        return mask;
    }

    static void Fill<T>(T[] data, bool[] mask, int? label) where T : unmanaged, INumber<T>
    {
        // Float label maps: a voxel belongs to label L when it equals L exactly (nearest-neighbour warps keep integers).
        if (label is int l) { double target = l; for (long n = 0; n < mask.LongLength; n++) mask[n] = double.CreateTruncating(data[n]) == target; }
        else for (long n = 0; n < mask.LongLength; n++) mask[n] = double.CreateTruncating(data[n]) > 0;
    }

    public static long Count(bool[] mask) { long c = 0; foreach (var b in mask) if (b) c++; return c; }
}
