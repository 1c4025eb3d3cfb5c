using SlicerReg.Engine.Network;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Refinement;

/// <summary>
/// The image term of the refinement: how well a ProST projection (B, 1, rows, columns) matches its radiograph. Multiscale
/// global NCC (the detector as it is and block-averaged by 2, so both the outline and the coarse intensity profile count)
/// plus, weighted by w, gradient NCC (NCC of the horizontal and of the vertical finite differences — the edge term xvr and
/// PolyPose add, insensitive to the smooth soft-tissue offset a masked radiograph carries and the masked atlas does not).
/// Returned normalised to [−1, 1] (1: identical up to a positive gain and an offset). Without weights NCC is the engine's
/// own (<see cref="RegistrationLoss.Ncc"/>, global). With a weight map (the radiograph's outline) the statistics are taken
/// over the pixels inside it only: two images cut out by the same outline correlate through the outline alone (≈ 0.96
/// whatever the pose, measured), which would leave nothing for the pose or the deformation to improve.
/// </summary>
public static class ProjectionSimilarity
{
    public static Tensor Compute(Tensor projection, Tensor target, double gradientWeight, Tensor? weights = null)
    {
        Check(projection, target);
        using var scope = NewDisposeScope();
        Tensor total = zeros(1, projection.dtype, projection.device).squeeze();
        int scales = 0;
        for (var (a, b, w) = (projection, target, weights); ; (a, b, w) = (F.avg_pool2d(a, 2), F.avg_pool2d(b, 2), w is null ? null : F.avg_pool2d(w, 2)))
        {
            total = total + Ncc(a, b, w);
            if (gradientWeight > 0) total = total + gradientWeight * GradientNcc(a, b, w);
            scales++;
            if (scales == 2 || a.shape[2] < 16 || a.shape[3] < 16) break;
        }
        return (total / (scales * (1 + gradientWeight))).MoveToOuterDisposeScope();
    }

    /// <summary>Global NCC of two images (B, 1, rows, columns), averaged over the batch; weighted by <paramref name="weights"/> when given.</summary>
    public static Tensor Ncc(Tensor a, Tensor b, Tensor? weights = null)
    {
        Check(a, b);
        if (weights is null) return RegistrationLoss.Ncc(a.unsqueeze(2), b.unsqueeze(2), 0);
        using var scope = NewDisposeScope();
        var dims = new long[] { 1, 2, 3 };
        var w = weights / (weights.sum(dims, keepdim: true) + 1e-12);
        var x = a - (w * a).sum(dims, keepdim: true);
        var y = b - (w * b).sum(dims, keepdim: true);
        var cov = (w * x * y).sum(dims);
        var r = cov / ((w * x * x).sum(dims) * (w * y * y).sum(dims) + 1e-12).sqrt();
        return r.mean().MoveToOuterDisposeScope();
    }

    /// <summary>Mean of the NCC of the column-direction and of the row-direction differences.</summary>
    public static Tensor GradientNcc(Tensor a, Tensor b, Tensor? weights = null)
    {
        using var scope = NewDisposeScope();
        Tensor Dx(Tensor t) { long n = t.shape[3]; return t.narrow(3, 1, n - 1) - t.narrow(3, 0, n - 1); }
        Tensor Dy(Tensor t) { long n = t.shape[2]; return t.narrow(2, 1, n - 1) - t.narrow(2, 0, n - 1); }
        // A difference counts where either of its two pixels is inside the outline (the outline's own edge included).
        Tensor? Wx(Tensor? w) { if (w is null) return null; long n = w.shape[3]; return maximum(w.narrow(3, 1, n - 1), w.narrow(3, 0, n - 1)); }
        Tensor? Wy(Tensor? w) { if (w is null) return null; long n = w.shape[2]; return maximum(w.narrow(2, 1, n - 1), w.narrow(2, 0, n - 1)); }
        return ((Ncc(Dx(a), Dx(b), Wx(weights)) + Ncc(Dy(a), Dy(b), Wy(weights))) / 2).MoveToOuterDisposeScope();
    }

    static void Check(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(b);
        if (a.dim() != 4 || a.shape[1] != 1 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"projection and radiograph must both be (B, 1, rows, columns), got ({string.Join(", ", a.shape)}) and ({string.Join(", ", b.shape)})");
        if (a.shape[2] < 2 || a.shape[3] < 2) throw new ArgumentException($"images of {a.shape[3]} × {a.shape[2]} pixels are too small to compare");
    }
}
