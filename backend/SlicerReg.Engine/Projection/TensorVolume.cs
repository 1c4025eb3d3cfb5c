using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Projection;

/// <summary>
/// A volume as a tensor together with the RAS geometry of its grid.
/// Layout (1, C, K, J, I) — torch's (N, C, D, H, W) with D = k, H = j, W = i — so grid_sample's last grid dimension
/// (x, y, z) is the normalised (i, j, k). Converting from a <see cref="Volume"/> copies; the tensor belongs to this object.
/// </summary>
public sealed class TensorVolume : IDisposable
{
    /// <summary>Shape (1, C, K, J, I).</summary>
    public Tensor Data { get; }
    public ImageGeometry Geometry { get; }

    public TensorVolume(Tensor data, ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(geometry);
        CheckShape(data, geometry, "tensor volume");
        Data = data; Geometry = geometry;
    }

    /// <summary>Copies <paramref name="volume"/>'s voxels (any voxel type, any number of components) into a (1, C, K, J, I) tensor.</summary>
    public static TensorVolume FromVolume(Volume volume, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(volume);
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64)) throw new ArgumentException($"tensor volumes are float32 or float64, not {dtype}");
        var s = volume.Size;
        int comps = volume.Components;
        using var region = EngineProfile.Time("C#↔native copies");
        // Volume memory is (k, j, i, c) with components interleaved; torch wants channels first.
        var buffer = new float[volume.ElementCount];
        for (long n = 0; n < buffer.LongLength; n++) buffer[n] = (float)volume.GetElement(n);
        using var scope = NewDisposeScope();
        var t = tensor(buffer, new long[] { s.K, s.J, s.I, comps })
            .permute(3, 0, 1, 2).unsqueeze(0).contiguous()
            .to(dtype).to(device ?? CPU);
        return new TensorVolume(t.MoveToOuterDisposeScope(), volume.Geometry);
    }

    /// <summary>Copies sample <paramref name="batchIndex"/> of a (B, C, K, J, I) tensor on <paramref name="geometry"/> into a float32 Volume.</summary>
    public static Volume ToVolume(Tensor data, ImageGeometry geometry, int batchIndex = 0, VolumeKind kind = VolumeKind.Scalar)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(geometry);
        CheckShape(data, geometry, "tensor", allowBatch: true);
        if (batchIndex < 0 || batchIndex >= data.shape[0]) throw new ArgumentOutOfRangeException(nameof(batchIndex), $"batch index {batchIndex} outside 0..{data.shape[0] - 1}");
        int comps = (int)data.shape[1];
        using var region = EngineProfile.Time("C#↔native copies");
        using var scope = NewDisposeScope();
        var cpu = data.detach()[batchIndex].permute(1, 2, 3, 0).contiguous().to(ScalarType.Float32).cpu();
        var values = cpu.data<float>().ToArray();
        return Volume.Create(geometry, values, comps, kind);
    }

    public Volume ToVolume(VolumeKind kind = VolumeKind.Scalar) => ToVolume(Data, Geometry, 0, kind);

    /// <summary>Throws unless <paramref name="t"/> is (1 or B, C, K, J, I) floating point matching <paramref name="g"/>.</summary>
    internal static void CheckShape(Tensor t, ImageGeometry g, string what, bool allowBatch = false)
    {
        if (t.dim() != 5) throw new ArgumentException($"{what} must have shape (B, C, K, J, I), got ({string.Join(", ", t.shape)})");
        if (!allowBatch && t.shape[0] != 1) throw new ArgumentException($"{what} must have batch size 1, got {t.shape[0]}");
        if (!t.is_floating_point()) throw new ArgumentException($"{what} must be floating point, got {t.dtype}");
        var s = g.Size;
        if (t.shape[2] != s.K || t.shape[3] != s.J || t.shape[4] != s.I)
            throw new ArgumentException($"{what} has spatial shape (K, J, I) = ({t.shape[2]}, {t.shape[3]}, {t.shape[4]}) but its grid is {s} (I×J×K), i.e. expects ({s.K}, {s.J}, {s.I})");
    }

    public void Dispose() => Data.Dispose();
}
