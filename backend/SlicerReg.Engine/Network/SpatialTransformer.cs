using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Dense warp on one voxel grid (Jaderberg et al.'s spatial transformer as VoxelMorph uses it, the paper's ref. [11]):
///   out(x) = in(x + u(x))   for every voxel centre x of <see cref="Grid"/>,
/// with u (B, 3, K, J, I) a displacement field in RAS millimetres, pull-back ("from parent") direction — the convention of
/// docs/conventions.md, so a field made here can be written as an ITK/Slicer grid transform unchanged.
/// Interpolation: trilinear (grid_sample, align_corners = false, voxel centres at integer indices, so u = 0 returns the
/// input exactly). Padding: <see cref="GridSamplePaddingMode.Zeros"/> for images (masked atlases are zero outside the
/// femur), <see cref="GridSamplePaddingMode.Border"/> for warping displacement fields (scaling and squaring), where a
/// field must continue past the grid edge rather than drop to zero.
/// Also builds the displacement of an affine pull-back T and the composition Ψ of T with a local field φ.
/// </summary>
public sealed class SpatialTransformer : Module<Tensor, Tensor, Tensor>
{
    public const bool AlignCorners = false;
    public ImageGeometry Grid { get; }
    public GridSamplePaddingMode Padding { get; }

    // [0] identity grid (1, K, J, I, 3) in normalised (x, y, z) = (i, j, k); [1] RAS mm → normalised linear map (3, 3);
    // [2] voxel-centre RAS positions (3, K·J·I).
    readonly DeviceTensorCache _constants;
    readonly bool _ownsConstants;

    public SpatialTransformer(ImageGeometry grid, GridSamplePaddingMode padding = GridSamplePaddingMode.Zeros) : base(nameof(SpatialTransformer))
    {
        Grid = grid ?? throw new ArgumentNullException(nameof(grid));
        Padding = padding;
        _constants = new DeviceTensorCache(MakeConstants, nameof(SpatialTransformer));
        _ownsConstants = true;
        RegisterComponents();
    }

    /// <summary>
    /// A transformer on <paramref name="owner"/>'s grid that uses <paramref name="owner"/>'s constants (built once for
    /// both: the network's three warps share one grid, and building them was 0.69 s of the standard preset's first call).
    /// <paramref name="owner"/> keeps and disposes them, so it must outlive this one.
    /// </summary>
    public SpatialTransformer(SpatialTransformer owner, GridSamplePaddingMode padding) : base(nameof(SpatialTransformer))
    {
        ArgumentNullException.ThrowIfNull(owner);
        Grid = owner.Grid;
        Padding = padding;
        _constants = owner._constants;
        RegisterComponents();
    }

    /// <summary>
    /// Linear warp: <paramref name="input"/> (B or 1, C, K, J, I) sampled at x + u(x), u = <paramref name="displacement"/>
    /// (B or 1, 3, K, J, I) RAS mm → (max B, C, K, J, I). Any number of channels (an image, a velocity, auxiliary volumes)
    /// shares the one field.
    /// </summary>
    public override Tensor forward(Tensor input, Tensor displacement)
    {
        long batch = CheckPair(input, displacement);
        using var region = EngineProfile.Time("warp");
        using var scope = NewDisposeScope();
        var grid = SamplingGrid(displacement);
        if (grid.shape[0] != batch) grid = grid.expand(batch, -1, -1, -1, -1);
        var source = input.shape[0] == batch ? input : input.expand(batch, -1, -1, -1, -1);
        return F.grid_sample(source, grid, GridSampleMode.Bilinear, Padding, AlignCorners).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Warps a label map (B or 1, 1, K, J, I) of integer labels 0 … <paramref name="labelCount"/> − 1 (any dtype holding
    /// integral values). Each label's indicator is warped linearly and every voxel takes the label of the largest
    /// interpolated indicator: for a binary map this is linear interpolation thresholded at ½. Chosen over nearest
    /// neighbour because the surface then moves by sub-voxel amounts with the field (nearest snaps it to the input grid,
    /// a visible staircase and up to half a voxel of surface error, which the paper's ASSD of 0.84 mm at 0.66 mm voxels
    /// cannot afford). Not differentiable (argmax); the loss uses the images.
    /// </summary>
    public Tensor WarpLabels(Tensor labels, Tensor displacement, int labelCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        CheckField(displacement, "displacement field");
        var s = Grid.Size;
        if (labels.dim() != 5 || labels.shape[1] != 1 || labels.shape[2] != s.K || labels.shape[3] != s.J || labels.shape[4] != s.I)
            throw new ArgumentException($"label map must be (B, 1, {s.K}, {s.J}, {s.I}), got ({string.Join(", ", labels.shape)})");
        if (labels.shape[0] != displacement.shape[0] && labels.shape[0] != 1 && displacement.shape[0] != 1)
            throw new ArgumentException($"warp batch mismatch: label map {labels.shape[0]}, field {displacement.shape[0]}");
        if (labelCount < 2) throw new ArgumentException($"label count must be at least 2 (background and one structure), got {labelCount}");
        using var region = EngineProfile.Time("label warp (one-hot, argmax)");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = labels.to(ScalarType.Int64).squeeze(1);
        if (ids.min().item<long>() < 0 || ids.max().item<long>() >= labelCount)
            throw new ArgumentException($"label map holds values outside 0 … {labelCount - 1}");
        var dtype = displacement.dtype;
        var indicators = F.one_hot(ids, labelCount).permute(0, 4, 1, 2, 3).to(dtype);  // (B, L, K, J, I)
        var warped = forward(indicators, displacement);
        return warped.argmax(1, keepdim: true).to(labels.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>grid_sample grid (B, K, J, I, 3) of the points x + u(x) in normalised input coordinates.</summary>
    public Tensor SamplingGrid(Tensor displacement)
    {
        using var scope = NewDisposeScope();
        var c = _constants.Get(displacement.device, displacement.dtype);
        var step = displacement.permute(0, 2, 3, 4, 1).matmul(c[1].t());   // (B, K, J, I, 3) normalised offsets
        return (c[0] + step).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Displacement (B, 3, K, J, I) of an affine pull-back <paramref name="transform"/> T (B, 4, 4) RAS: u_T(x) = T·x − x.
    /// </summary>
    public Tensor AffineDisplacement(Tensor transform)
    {
        CheckTransform(transform);
        using var region = EngineProfile.Time("affine field");
        using var scope = NewDisposeScope();
        var x = _constants.Get(transform.device, transform.dtype)[2];      // (3, N)
        var linear = transform.narrow(1, 0, 3).narrow(2, 0, 3);           // (B, 3, 3)
        var offset = transform.narrow(1, 0, 3).narrow(2, 3, 1);           // (B, 3, 1)
        var u = linear.matmul(x) + offset - x;                            // (B, 3, N)
        return Shape(u).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The total field of the paper's "Overview of network", Ψ = φ + T∘φ, as one pull-back displacement:
    ///   u_Ψ(x) = T(x + φ(x)) − x = φ(x) + u_T(x + φ(x)).
    /// Order: the local field is applied first in the patient frame and the affine after it, because the local module
    /// registers the affine-warped atlas A(y) = V(T·y) to the radiographs, so the final image is
    /// A(x + φ(x)) = V(T(x + φ(x))) = V∘Ψ(x). u_T is affine, so T∘(id + φ) is exact (no interpolation), and the atlas is
    /// resampled once with u_Ψ instead of twice. <paramref name="transform"/> (B, 4, 4), <paramref name="local"/> φ (B, 3, K, J, I) mm.
    /// </summary>
    public Tensor ComposeAffine(Tensor transform, Tensor local)
    {
        CheckTransform(transform);
        CheckField(local, "local displacement φ");
        using var region = EngineProfile.Time("compose Ψ");
        using var scope = NewDisposeScope();
        long b = Math.Max(transform.shape[0], local.shape[0]);
        var linear = transform.narrow(1, 0, 3).narrow(2, 0, 3).expand(b, 3, 3);
        var phi = local.expand(b, -1, -1, -1, -1).reshape(b, 3, -1);
        var u = AffineDisplacement(transform).expand(b, -1, -1, -1, -1) + Shape(linear.matmul(phi));
        return u.MoveToOuterDisposeScope();
    }

    Tensor Shape(Tensor flat) { var s = Grid.Size; return flat.view(flat.shape[0], 3, s.K, s.J, s.I); }

    long CheckPair(Tensor input, Tensor displacement)
    {
        ArgumentNullException.ThrowIfNull(input);
        TensorVolume.CheckShape(input, Grid, "warp input", allowBatch: true);
        CheckField(displacement, "displacement field");
        if (input.device_type != displacement.device_type || input.device_index != displacement.device_index)
            throw new ArgumentException($"warp input is on {input.device} but the displacement field is on {displacement.device}");
        if (input.is_floating_point() && input.dtype != displacement.dtype)
            throw new ArgumentException($"warp input is {input.dtype} but the displacement field is {displacement.dtype}");
        long a = input.shape[0], b = displacement.shape[0];
        if (a != b && a != 1 && b != 1) throw new ArgumentException($"warp batch mismatch: input {a}, field {b} (equal or one of them 1)");
        return Math.Max(a, b);
    }

    void CheckField(Tensor field, string what)
    {
        ArgumentNullException.ThrowIfNull(field);
        TensorVolume.CheckShape(field, Grid, what, allowBatch: true);
        if (field.shape[1] != 3) throw new ArgumentException($"{what} must have 3 channels (RAS mm), got {field.shape[1]}");
    }

    static void CheckTransform(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 3 || t.shape[1] != 4 || t.shape[2] != 4)
            throw new ArgumentException($"affine transform must have shape (B, 4, 4), got ({string.Join(", ", t.shape)})");
        if (!t.is_floating_point()) throw new ArgumentException($"affine transform must be floating point, got {t.dtype}");
    }

    Tensor[] MakeConstants()
    {
        var s = Grid.Size;
        long n = s.VoxelCount;
        var ident = new double[n * 3];
        var pos = new double[3 * n];
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    long v = ((long)k * s.J + j) * s.I + i;
                    // align_corners = false: voxel centre index i ↦ (2i + 1)/n − 1.
                    ident[3 * v] = (2.0 * i + 1) / s.I - 1; ident[3 * v + 1] = (2.0 * j + 1) / s.J - 1; ident[3 * v + 2] = (2.0 * k + 1) / s.K - 1;
                    var x = Grid.IndexToRas(new Vec3(i, j, k));
                    pos[v] = x.X; pos[n + v] = x.Y; pos[2 * n + v] = x.Z;
                }
        var toNorm = Mat3.Diagonal(2.0 / s.I, 2.0 / s.J, 2.0 / s.K) * Grid.RasToIjk.Linear;
        return new[]
        {
            tensor(ident, new long[] { 1, s.K, s.J, s.I, 3 }, ScalarType.Float64),
            tensor(toNorm.ToRowMajor(), new long[] { 3, 3 }, ScalarType.Float64),
            tensor(pos, new long[] { 3, n }, ScalarType.Float64),
        };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsConstants) _constants.Dispose();
        base.Dispose(disposing);
    }
}
