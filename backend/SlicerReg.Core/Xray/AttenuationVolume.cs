using System.Numerics;
using System.Runtime.CompilerServices;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// A CT converted once to linear attenuation μ (1/mm, float, same grid): what the ray caster reads. Registration renders
/// the same CT many times, so the HU→μ conversion is done here and not per ray.
/// </summary>
public sealed class AttenuationVolume
{
    public ImageGeometry Geometry { get; }
    /// <summary>μ per voxel, i fastest (the <see cref="Volume"/> layout). Do not change it after construction: <see cref="Support"/> is computed once.</summary>
    public float[] Mu { get; }
    /// <summary>Smallest index box holding every voxel with μ ≠ 0 (null when there is none): rays are clipped to it.</summary>
    public VoxelBox? Support { get; }

    public AttenuationVolume(ImageGeometry geometry, float[] mu)
    {
        if (mu.LongLength != geometry.Size.VoxelCount) throw new ArgumentException($"{mu.Length} values do not fill a {geometry.Size} grid");
        Geometry = geometry; Mu = mu;
        Support = VoxelBox.NonZero(mu, geometry.Size);
    }

    public static AttenuationVolume FromCt(Volume ct, AttenuationModel model)
    {
        if (ct.Components != 1) throw new ArgumentException($"a CT has one component per voxel, this volume has {ct.Components}");
        var mu = GC.AllocateUninitializedArray<float>(checked((int)ct.VoxelCount)); // every element is written below
        float a = (float)model.Slope, b = (float)model.Intercept;
        // Switch on the declared type, not the array: a ushort[] also passes `is short[]` at run time (CLR array variance).
        switch (ct.VoxelType)
        {
            case VoxelType.UInt8: Map((byte[])ct.Data, mu, a, b); break;
            case VoxelType.Int16: MapInt16((short[])ct.Data, mu, a, b); break;
            case VoxelType.UInt16: Map((ushort[])ct.Data, mu, a, b); break;
            case VoxelType.Int32: Map((int[])ct.Data, mu, a, b); break;
            case VoxelType.Float32: Map((float[])ct.Data, mu, a, b); break;
            case VoxelType.Float64: Map((double[])ct.Data, mu, a, b); break;
            default: throw new ArgumentException($"unsupported voxel type {ct.VoxelType}");
        }
        return new AttenuationVolume(ct.Geometry, mu);
    }

    /// <summary>1 where the label map equals <paramref name="label"/> (or is &gt; 0 when null), else 0: projecting it gives the label's thickness in mm.</summary>
    public static AttenuationVolume Indicator(Volume labels, int? label = null)
    {
        if (labels.Components != 1) throw new ArgumentException($"a label map has one component per voxel, this volume has {labels.Components}");
        var mu = new float[labels.VoxelCount];
        Parallel.For(0, labels.Size.K, k =>
        {
            long start = (long)k * labels.Size.I * labels.Size.J, end = start + (long)labels.Size.I * labels.Size.J;
            for (long n = start; n < end; n++)
            {
                double v = labels.GetElement(n);
                mu[n] = (label is { } l ? v == l : v > 0) ? 1f : 0f;
            }
        });
        return new AttenuationVolume(labels.Geometry, mu);
    }

    const int Chunk = 1 << 16;

    /// <summary>The common CT case (int16 HU), vectorised: widen to int, convert to float, affine, clamp.</summary>
    static void MapInt16(short[] src, float[] dst, float slope, float intercept)
        => Parallel.For(0, (src.Length + Chunk - 1) / Chunk, c => MapInt16Chunk(src, dst, slope, intercept, c * Chunk, Math.Min(src.Length, c * Chunk + Chunk)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per CT: tier-0 code would be what we time
    static void MapInt16Chunk(short[] src, float[] dst, float slope, float intercept, int start, int end)
    {
        var vSlope = new Vector<float>(slope); var vIntercept = new Vector<float>(intercept);
        int n = start, w = Vector<short>.Count;
        for (; n + w <= end; n += w)
        {
            Vector.Widen(new Vector<short>(src, n), out Vector<int> lo, out Vector<int> hi);
            Vector.Max(Vector<float>.Zero, Vector.ConvertToSingle(lo) * vSlope + vIntercept).CopyTo(dst, n);
            Vector.Max(Vector<float>.Zero, Vector.ConvertToSingle(hi) * vSlope + vIntercept).CopyTo(dst, n + Vector<int>.Count);
        }
        for (; n < end; n++) dst[n] = MathF.Max(0f, slope * src[n] + intercept);
    }

    static void Map<T>(T[] src, float[] dst, float slope, float intercept) where T : unmanaged, INumberBase<T>
        => Parallel.For(0, (int)((src.LongLength + Chunk - 1) / Chunk), c => MapChunk(src, dst, slope, intercept, c * Chunk, (int)Math.Min(src.LongLength, (long)c * Chunk + Chunk)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MapChunk<T>(T[] src, float[] dst, float slope, float intercept, int start, int end) where T : unmanaged, INumberBase<T>
    {
        for (int n = start; n < end; n++) dst[n] = MathF.Max(0f, slope * float.CreateTruncating(src[n]) + intercept);
    }
}
