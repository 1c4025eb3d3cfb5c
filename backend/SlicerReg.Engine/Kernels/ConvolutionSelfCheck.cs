using System.Diagnostics;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Kernels;

/// <summary>The outcome of <see cref="ConvolutionSelfCheck.Run"/> for one path.</summary>
public sealed record ConvolutionCheckResult(ConvolutionPath Path, bool Passed, double WorstRelativeError, string WorstCase, TimeSpan Elapsed)
{
    public override string ToString()
        => $"{Path}: {(Passed ? "correct" : "WRONG")} ({(double.IsNaN(WorstRelativeError) ? "non-finite values" : $"worst relative error {WorstRelativeError:g3}")} in {WorstCase}; {Elapsed.TotalMilliseconds:F0} ms)";
}

/// <summary>
/// Checks float32 convolutions on a path against the same convolutions in float64 (which libtorch never sends to oneDNN):
/// the forward pass without gradients (inference) and the forward pass with the input, weight and bias gradients
/// (training, refinement), on the kinds of shapes the network uses — batch 2 and large batch-1 inputs (what libtorch
/// routes to oneDNN), channel counts on and off the SIMD block, 2D strided and 3D. Freed heap memory is filled with NaN
/// before every float32 call, so a kernel that reads memory it never wrote shows up as NaN instead of by luck.
/// </summary>
public static class ConvolutionSelfCheck
{
    /// <summary>
    /// A float32 sum of n products has a relative rounding error of about n·2⁻²⁴ in the worst case; n ≤ 64·27 here, so
    /// 1e-4 of the largest output is far above rounding and far below the errors of a wrong kernel (≥ 1e-2 when seen).
    /// </summary>
    public const double Tolerance = 1e-4;

    sealed record Case(string Name, long Batch, long In, long Out, long[] Size, long Stride);

    static readonly Case[] Cases =
    {
        new("2D encoder input, stride 2", 2, 2, 4, new long[] { 28, 20 }, 2),
        new("2D encoder level", 2, 8, 8, new long[] { 14, 10 }, 1),
        new("2D, 20 → 12 channels", 2, 20, 12, new long[] { 14, 10 }, 1),
        new("3D feature combiner, 20 → 8 channels", 2, 20, 8, new long[] { 6, 8, 10 }, 1),
        new("3D, 17 → 3 channels", 2, 17, 3, new long[] { 6, 6, 6 }, 1),
        new("3D, 36 → 16 channels", 2, 36, 16, new long[] { 6, 6, 6 }, 1),
        new("3D, 32 → 32 channels", 2, 32, 32, new long[] { 4, 6, 6 }, 1),
        // libtorch sends a batch of one to oneDNN once batch × channels × the first two spatial sizes exceed 20480.
        new("3D, 32 → 4 channels, batch 1, large", 1, 32, 4, new long[] { 16, 48, 3 }, 1),
    };

    /// <summary>Runs every case on <paramref name="path"/>; the caller has put libtorch's oneDNN switch where the path needs it.</summary>
    public static ConvolutionCheckResult Run(ConvolutionPath path)
    {
        var clock = Stopwatch.StartNew();
        double worst = 0; string worstCase = "none";
        using var generator = new Generator(20261202);
        foreach (var c in Cases)
            foreach (bool gradients in new[] { false, true })
            {
                double error = Compare(c, gradients, path, generator);
                string name = $"{c.Name}, {(gradients ? "with gradients" : "forward")}";
                if (double.IsNaN(error)) return new ConvolutionCheckResult(path, false, double.NaN, name, clock.Elapsed);
                if (error > worst) (worst, worstCase) = (error, name);
            }
        return new ConvolutionCheckResult(path, worst <= Tolerance, worst, worstCase, clock.Elapsed);
    }

    /// <summary>The largest error relative to the float64 result's largest magnitude, over the output and (with <paramref name="gradients"/>) every gradient; NaN for a non-finite float32 value.</summary>
    static double Compare(Case c, bool gradients, ConvolutionPath path, Generator generator)
    {
        using var scope = NewDisposeScope();
        var shape = new[] { c.Batch, c.In }.Concat(c.Size).ToArray();
        var kernel = new[] { c.Out, c.In }.Concat(Enumerable.Repeat(3L, c.Size.Length)).ToArray();
        var x = randn(shape, generator: generator);
        var w = randn(kernel, generator: generator) * (1.0 / Math.Sqrt(c.In * 9));
        var b = randn(new[] { c.Out }, generator: generator);

        var x64 = x.to(ScalarType.Float64); var w64 = w.to(ScalarType.Float64); var b64 = b.to(ScalarType.Float64);
        if (!gradients)
        {
            Tensor y32, y64;
            using (no_grad())
            {
                PoisonFreedMemory();
                y32 = CheckedConvolution.Apply(x, w, b, c.Stride, 1, path);
                y64 = CheckedConvolution.Apply(x64, w64, b64, c.Stride, 1, ConvolutionPath.Native);
            }
            return RelativeError(y32, y64);
        }
        using (enable_grad())
        {
            var (xr, wr, br) = (x.requires_grad_(true), w.requires_grad_(true), b.requires_grad_(true));
            var (xr64, wr64, br64) = (x64.requires_grad_(true), w64.requires_grad_(true), b64.requires_grad_(true));
            PoisonFreedMemory();
            var y32 = CheckedConvolution.Apply(xr, wr, br, c.Stride, 1, path);
            var upstream = randn(y32.shape, generator: generator);
            PoisonFreedMemory();
            (y32 * upstream).sum().backward();
            var y64 = CheckedConvolution.Apply(xr64, wr64, br64, c.Stride, 1, ConvolutionPath.Native);
            (y64 * upstream.to(ScalarType.Float64)).sum().backward();
            return new[]
            {
                RelativeError(y32, y64), RelativeError(xr.grad!, xr64.grad!), RelativeError(wr.grad!, wr64.grad!), RelativeError(br.grad!, br64.grad!),
            }.Aggregate((a, e) => double.IsNaN(a) || double.IsNaN(e) ? double.NaN : Math.Max(a, e));
        }
    }

    /// <summary>max |value − reference| over max |reference|, in float64; NaN when <paramref name="value"/> holds a non-finite element.</summary>
    public static double RelativeError(Tensor value, Tensor reference)
    {
        using var scope = NewDisposeScope();
        if (!value.isfinite().all().item<bool>()) return double.NaN;
        var r = reference.to(ScalarType.Float64);
        double scale = Math.Max(r.abs().max().item<double>(), 1e-12);
        return (value.to(ScalarType.Float64) - r).abs().max().item<double>() / scale;
    }

    /// <summary>Allocates blocks of a few sizes filled with NaN and frees them, so the allocator hands out poisoned memory next.</summary>
    static void PoisonFreedMemory()
    {
        foreach (long n in new long[] { 1 << 10, 1 << 14, 1 << 18 })
            using (var poison = full(new[] { n }, float.NaN)) { }
    }
}
