using SlicerReg.Core.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Integrates a stationary velocity field v into a diffeomorphic displacement φ = exp(v) by scaling and squaring
/// (Arsigny et al., MICCAI 2006; as VoxelMorph's VecInt, the paper's refs. [11, 12]):
///   u ← v / 2^n,   then n times   u ← u + u∘(id + u)      (u∘(id + u) = u warped by itself, <see cref="SpatialTransformer"/>)
/// n = <see cref="Steps"/> (VoxelMorph's default 7: the initial step v/128 is small enough to be a valid first-order
/// exponential). Unlike VoxelMorph, integration runs at full resolution (no half-resolution shortcut) and the self-warp
/// pads with the border value, so a field does not collapse to zero at the grid edge. v, φ: (B, 3, K, J, I) RAS mm.
/// </summary>
public sealed class VelocityIntegrator : Module<Tensor, Tensor>
{
    readonly SpatialTransformer warp;
    public int Steps { get; }

    /// <param name="constantsOf">a transformer on the same grid whose constants the self-warp shares (it must outlive this).</param>
    public VelocityIntegrator(ImageGeometry grid, int steps = 7, SpatialTransformer? constantsOf = null) : base(nameof(VelocityIntegrator))
    {
        if (steps is < 0 or > 20) throw new ArgumentException($"scaling and squaring steps must be 0 … 20, got {steps}");
        if (constantsOf is not null && !constantsOf.Grid.ApproximatelyEquals(grid)) throw new ArgumentException("the transformer whose constants are shared lies on another grid");
        Steps = steps;
        warp = constantsOf is null ? new SpatialTransformer(grid, GridSamplePaddingMode.Border) : new SpatialTransformer(constantsOf, GridSamplePaddingMode.Border);
        RegisterComponents();
    }

    public override Tensor forward(Tensor velocity)
    {
        ArgumentNullException.ThrowIfNull(velocity);
        if (velocity.dim() != 5 || velocity.shape[1] != 3)
            throw new ArgumentException($"velocity field must be (B, 3, K, J, I), got ({string.Join(", ", velocity.shape)})");
        using var region = EngineProfile.Time("scaling and squaring");
        using var scope = NewDisposeScope();
        var u = velocity / Math.Pow(2, Steps);
        // Without gradients nothing keeps the intermediate fields, so each step adds into u and frees its warp at once
        // (the scope would otherwise hold all 2·Steps full-size fields until the end: 0.8 GB at the paper preset).
        bool inPlace = !u.requires_grad;
        for (int s = 0; s < Steps; s++)
        {
            if (!inPlace) { u = u + warp.forward(u, u); continue; }
            using var selfWarp = warp.forward(u, u);
            u.add_(selfWarp);
        }
        return u.MoveToOuterDisposeScope();
    }
}
