using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Moves a field or volume from one voxel grid to another in patient space (RAS mm): every voxel centre of the target grid
/// reads the source trilinearly at the same RAS point (grid_sample, align_corners = false, as <see cref="Network.SpatialTransformer"/>).
/// Displacements are in mm, not in voxels, so a displacement field is resampled component by component unchanged — this is
/// how Ψ of a coarse model grid becomes Ψ on the paper grid (issue 15, "outputs at any resolution"), and how the
/// refinement's control-grid field reaches the grids it warps on. Differentiable with respect to the data.
/// Padding: <see cref="GridSamplePaddingMode.Border"/> by default, because a displacement field continues past its last
/// voxel centre (zero padding would pull a fine grid's outer half-voxel shell back to the identity).
/// </summary>
public static class FieldResampler
{
    /// <summary><paramref name="data"/> (B, C, K, J, I) on <paramref name="from"/> → (B, C, K', J', I') on <paramref name="to"/>.</summary>
    public static Tensor Resample(Tensor data, ImageGeometry from, ImageGeometry to, GridSamplePaddingMode padding = GridSamplePaddingMode.Border)
    {
        ArgumentNullException.ThrowIfNull(data); ArgumentNullException.ThrowIfNull(from); ArgumentNullException.ThrowIfNull(to);
        TensorVolume.CheckShape(data, from, "resampled field", allowBatch: true);
        using var scope = NewDisposeScope();
        var grid = SamplingGrid(from, to, data.device, data.dtype);
        if (data.shape[0] != 1) grid = grid.expand(data.shape[0], -1, -1, -1, -1);
        return F.grid_sample(data, grid, GridSampleMode.Bilinear, padding, align_corners: false).MoveToOuterDisposeScope();
    }

    /// <summary>A displacement field (or any vector/scalar volume) resampled onto <paramref name="to"/>, same kind.</summary>
    public static Volume Resample(Volume volume, ImageGeometry to, GridSamplePaddingMode padding = GridSamplePaddingMode.Border)
    {
        ArgumentNullException.ThrowIfNull(volume);
        using var scope = NewDisposeScope();
        using var t = TensorVolume.FromVolume(volume);
        return TensorVolume.ToVolume(Resample(t.Data, volume.Geometry, to, padding), to, 0, volume.Kind);
    }

    /// <summary>
    /// The grid whose voxel (a, b, c) is the block of f³ voxels of <paramref name="grid"/> starting at f·(a, b, c): spacing
    /// × f, the first centre at the block's centre — so avg_pool3d with kernel f maps a volume on the fine grid onto it exactly.
    /// </summary>
    public static ImageGeometry Coarsened(ImageGeometry grid, int factor)
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (factor < 1) throw new ArgumentException($"coarsening factor must be ≥ 1, got {factor}");
        var s = grid.Size;
        if (s.I % factor != 0 || s.J % factor != 0 || s.K % factor != 0)
            throw new ArgumentException($"grid {s} cannot be coarsened by {factor} (every size must be a multiple)");
        double h = (factor - 1) / 2.0;
        return new ImageGeometry(new GridSize(s.I / factor, s.J / factor, s.K / factor), grid.Spacing * factor, grid.IndexToRas(new Vec3(h, h, h)), grid.Direction);
    }

    /// <summary>Whether <see cref="Coarsened"/> accepts <paramref name="factor"/> for <paramref name="grid"/>.</summary>
    public static bool Divides(ImageGeometry grid, int factor)
        => factor >= 1 && grid.Size.I % factor == 0 && grid.Size.J % factor == 0 && grid.Size.K % factor == 0;

    /// <summary>(1, K', J', I', 3) normalised source coordinates of every target voxel centre.</summary>
    static Tensor SamplingGrid(ImageGeometry from, ImageGeometry to, Device device, ScalarType dtype)
    {
        var f = from.Size; var s = to.Size;
        // Index → normalised for align_corners = false: x = (2i + 1)/n − 1.
        var norm = new Mat4(Mat3.Diagonal(2.0 / f.I, 2.0 / f.J, 2.0 / f.K), new Vec3(1.0 / f.I - 1, 1.0 / f.J - 1, 1.0 / f.K - 1));
        var m = norm * from.RasToIjk * to.IjkToRas;
        using var scope = NewDisposeScope();
        var i = arange(s.I, ScalarType.Float64).view(1, 1, s.I, 1).expand(s.K, s.J, s.I, 1);
        var j = arange(s.J, ScalarType.Float64).view(1, s.J, 1, 1).expand(s.K, s.J, s.I, 1);
        var k = arange(s.K, ScalarType.Float64).view(s.K, 1, 1, 1).expand(s.K, s.J, s.I, 1);
        var ijk = cat(new[] { i, j, k }, 3);                                            // (K, J, I, 3)
        var linear = tensor(m.Linear.ToRowMajor(), new long[] { 3, 3 }, ScalarType.Float64);
        var offset = tensor(m.Translation.ToArray(), new long[] { 3 }, ScalarType.Float64);
        var grid = (ijk.matmul(linear.t()) + offset).unsqueeze(0);
        return grid.to(dtype, device).MoveToOuterDisposeScope();
    }
}
