using SlicerReg.Core.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Network;

/// <summary>The terms of the paper's Eq. 4 for one batch (scalars; <see cref="Total"/> carries the gradient).</summary>
public sealed record LossTerms(Tensor Total, Tensor NccAffine, Tensor NccLocal, Tensor Smoothness) : IDisposable
{
    public void Dispose() { Total.Dispose(); NccAffine.Dispose(); NccLocal.Dispose(); Smoothness.Dispose(); }
    public override string ToString()
        => FormattableString.Invariant($"loss {Total.item<float>():F5} (NCC affine {NccAffine.item<float>():F4}, NCC local {NccLocal.item<float>():F4}, smoothness {Smoothness.item<float>():G4})");
}

/// <summary>
/// The training loss of the paper (Eq. 4, "Semi-supervised learning"):
///   L = −NCC(V^f, V∘T) − NCC(V^f, V∘Ψ) + δ·‖∇φ‖²,   δ = 0.01,
/// between the ground-truth volume V^f and the atlas warped after the affine and after the local module. The images are
/// masked by their label maps before they enter the network (<see cref="Mask"/>), so the loss needs no labels.
/// NCC: VoxelMorph's local windowed NCC (window w³, cc = cross² / (σ_I σ_J + 10⁻⁵), averaged over all voxels) by
/// default, because the paper builds on VoxelMorph [11] and local NCC rewards aligning the cortical edges and the
/// medullary canal inside the bone, not only the bulk of the femur as global NCC does. The window is about 6 mm at every
/// preset (9 voxels at the paper's 0.66 mm). Window 0 selects global NCC per batch member (signed, exactly 1 for an
/// image with itself). Smoothness: forward differences of φ per mm along each index axis (dimensionless, so δ means
/// the same at every spacing; VoxelMorph's per-voxel differences of a field in voxels are the same quantity), squared,
/// averaged over voxels, components and the three axes.
/// </summary>
public static class RegistrationLoss
{
    public const double NccEpsilon = 1e-5;

    public static LossTerms Compute(Tensor truth, Tensor warpedAffine, Tensor warpedLocal, Tensor localDisplacement,
                                    ImageGeometry grid, int nccWindow, double smoothnessWeight)
    {
        using var scope = NewDisposeScope();
        var a = Ncc(truth, warpedAffine, nccWindow);
        var l = Ncc(truth, warpedLocal, nccWindow);
        var s = Smoothness(localDisplacement, grid.Spacing);
        var total = -a - l + smoothnessWeight * s;
        return new LossTerms(total.MoveToOuterDisposeScope(), a.detach().MoveToOuterDisposeScope(),
                             l.detach().MoveToOuterDisposeScope(), s.detach().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Mean NCC of <paramref name="a"/> and <paramref name="b"/> (B, 1, K, J, I): local (VoxelMorph, window w odd, values
    /// in [0, 1]) or global (w = 0, values in [−1, 1]).
    /// </summary>
    public static Tensor Ncc(Tensor a, Tensor b, int window)
    {
        ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 5 || a.shape[1] != 1) throw new ArgumentException($"NCC inputs must be (B, 1, K, J, I), got ({string.Join(", ", a.shape)})");
        if (!a.shape.SequenceEqual(b.shape)) throw new ArgumentException($"NCC inputs differ in shape: ({string.Join(", ", a.shape)}) and ({string.Join(", ", b.shape)})");
        if (window < 0 || (window > 0 && window % 2 == 0)) throw new ArgumentException($"NCC window must be 0 (global) or odd, got {window}");
        using var scope = NewDisposeScope();
        Tensor result;
        if (window == 0)
        {
            var x = a.flatten(1); var y = b.flatten(1);
            x = x - x.mean(new long[] { 1 }, keepdim: true); y = y - y.mean(new long[] { 1 }, keepdim: true);
            var num = (x * y).sum(1);
            var den = ((x * x).sum(1) * (y * y).sum(1) + NccEpsilon).sqrt();
            result = (num / den).mean();
        }
        else
        {
            long pad = window / 2, n = (long)window * window * window;
            // Window sums with zero padding, as VoxelMorph's conv with a ones kernel; the five maps go through one
            // average pooling (counting the padding) as channels, several times faster on the CPU than a 1-channel conv3d.
            var sums = F.avg_pool3d(cat(new[] { a, b, a * a, b * b, a * b }, 1), new long[] { window, window, window },
                                    new long[] { 1, 1, 1 }, new long[] { pad, pad, pad }, count_include_pad: true) * n;
            var parts = sums.unbind(1);
            Tensor sa = parts[0], sb = parts[1], saa = parts[2], sbb = parts[3], sab = parts[4];
            var ma = sa / n; var mb = sb / n;
            var cross = sab - mb * sa - ma * sb + ma * mb * n;
            var va = saa - 2 * ma * sa + ma * ma * n;
            var vb = sbb - 2 * mb * sb + mb * mb * n;
            result = (cross * cross / (va * vb + NccEpsilon)).mean();
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Mean squared forward-difference gradient (per mm) of a field (B, C, K, J, I); spacing is (i, j, k) mm.</summary>
    public static Tensor Smoothness(Tensor field, Vec3 spacing)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.dim() != 5) throw new ArgumentException($"smoothness needs a field (B, C, K, J, I), got ({string.Join(", ", field.shape)})");
        using var scope = NewDisposeScope();
        Tensor Term(int dim, double mm)
        {
            long n = field.shape[dim];
            if (n < 2) return zeros(1, field.dtype, field.device).squeeze();
            var d = (field.narrow(dim, 1, n - 1) - field.narrow(dim, 0, n - 1)) / mm;
            return (d * d).mean();
        }
        // Tensor dims 4, 3, 2 are the index axes i, j, k.
        var total = (Term(4, spacing.X) + Term(3, spacing.Y) + Term(2, spacing.Z)) / 3;
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>The paper's masking: the image where its label map is non-zero, 0 elsewhere (same shapes).</summary>
    public static Tensor Mask(Tensor image, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(image); ArgumentNullException.ThrowIfNull(labels);
        if (!image.shape.SequenceEqual(labels.shape)) throw new ArgumentException($"image ({string.Join(", ", image.shape)}) and label map ({string.Join(", ", labels.shape)}) differ in shape");
        using var scope = NewDisposeScope();
        return (image * labels.ne(0).to(image.dtype)).MoveToOuterDisposeScope();
    }
}
