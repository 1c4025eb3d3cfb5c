using SlicerReg.Core.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Network;

/// <summary>
/// The seven regressed parameters of the affine module (paper, "Affine registration module": "regresses the seven
/// parameters of the affine transformation T") as a (B, 4, 4) RAS matrix, a similarity about the atlas centre c:
///   T(x) = s·R·(x − c) + c + t,   R = R_z(γ)·R_y(β)·R_x(α),   s = exp(σ),   t = translationScaleMm · (t₁, t₂, t₃)
/// parameters (B, 7) = (α, β, γ in radians, t₁, t₂, t₃, σ). All zero gives the identity. T is the pull-back map of the
/// atlas: the affine-warped atlas at patient point x is the atlas at T(x) (<see cref="SpatialTransformer"/>).
/// Euler angles rather than an axis–angle vector because the latter's norm has no gradient at the identity, where the
/// training starts.
/// </summary>
public static class SimilarityTransform
{
    public const int ParameterCount = 7;

    /// <summary>(B, 7) → (B, 4, 4), same dtype and device; differentiable.</summary>
    public static Tensor ToMatrix(Tensor parameters, Vec3 centre, double translationScaleMm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.dim() != 2 || parameters.shape[1] != ParameterCount)
            throw new ArgumentException($"similarity parameters must have shape (B, {ParameterCount}), got ({string.Join(", ", parameters.shape)})");
        if (!(translationScaleMm > 0)) throw new ArgumentException($"translation scale must be > 0 mm, got {translationScaleMm}");
        using var scope = NewDisposeScope();
        long b = parameters.shape[0];
        var p = parameters.unbind(1);
        Tensor ca = p[0].cos(), sa = p[0].sin(), cb = p[1].cos(), sb = p[1].sin(), cg = p[2].cos(), sg = p[2].sin();
        var scale = p[6].exp();
        // R = Rz·Ry·Rx, row by row.
        var r = stack(new[]
        {
            cg * cb, cg * sb * sa - sg * ca, cg * sb * ca + sg * sa,
            sg * cb, sg * sb * sa + cg * ca, sg * sb * ca - cg * sa,
            -sb,     cb * sa,                cb * ca,
        }, 1).view(b, 3, 3);
        var linear = r * scale.view(b, 1, 1);
        var c = tensor(centre.ToArray(), parameters.dtype, parameters.device);
        var t = stack(new[] { p[3], p[4], p[5] }, 1) * translationScaleMm;
        var offset = c.unsqueeze(0) + t - linear.matmul(c);                               // c + t − sR·c
        var top = cat(new[] { linear, offset.unsqueeze(2) }, 2);                          // (B, 3, 4)
        var bottom = tensor(new double[] { 0, 0, 0, 1 }, parameters.dtype, parameters.device).view(1, 1, 4).expand(b, 1, 4);
        return cat(new[] { top, bottom }, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The RAS centre of <paramref name="grid"/> (the centre of its middle voxel), the pivot of rotation and scaling.</summary>
    public static Vec3 GridCentre(ImageGeometry grid)
    {
        var s = grid.Size;
        return grid.IndexToRas(new Vec3((s.I - 1) / 2.0, (s.J - 1) / 2.0, (s.K - 1) / 2.0));
    }
}
