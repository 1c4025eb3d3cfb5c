using System.Diagnostics;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using static SlicerReg.Core.Tests.MetricTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Timings at the paper's volume size (192×128×192), not run by default; each is the best of 5 runs after a warm-up
/// (the machine may be shared):
/// dotnet test tests/SlicerReg.Core.Tests -c Release --filter "FullyQualifiedName~MetricTiming" --logger "console;verbosity=detailed"
/// </summary>
[Explicit("timing report, not a check")]
public class MetricTimingTests
{
    static readonly ImageGeometry Grid = ImageGeometry.Axial(new GridSize(192, 128, 192), new Vec3(0.8, 0.8, 1.0));

    static double BestMs(Action run, int repeats = 5)
    {
        run();   // warm-up (JIT)
        double best = double.PositiveInfinity;
        for (int r = 0; r < repeats; r++) { var sw = Stopwatch.StartNew(); run(); best = Math.Min(best, sw.Elapsed.TotalMilliseconds); }
        return best;
    }

    [Test]
    public void Surface_distances_at_192x128x192()
    {
        // A femur-sized pair: big ellipsoid unions, the test one perturbed.
        var r = Blobs(Grid, seed: 61, count: 6, margin: 10);
        var t = Blobs(Grid, seed: 61, count: 6, margin: 10, jitter: 3);
        SurfaceDistanceResult s = null!;
        double ms = BestMs(() => s = SurfaceDistance.Compute(r, t));
        OverlapResult o = default;
        double overlapMs = BestMs(() => o = Overlap.Compute(r, t));
        TestContext.Out.WriteLine($"192×128×192, {Environment.ProcessorCount} cores: ASSD/HD95/HD {ms:F0} ms " +
            $"({s.ReferenceToTest.Length} + {s.TestToReference.Length} surface voxels; ASSD {s.Assd:F3} mm, HD95 {s.Hd95:F3} mm, HD {s.Hausdorff:F3} mm); " +
            $"Dice/Jaccard {overlapMs:F0} ms (Dice {o.Dice:F4})");
        // Worst case for the EDT box: surfaces spanning the whole grid.
        var full = Labels(Grid); FillBox(full, 0, 192, 0, 128, 0, 192);
        var inner = Labels(Grid); FillBox(inner, 1, 191, 1, 127, 1, 191);
        TestContext.Out.WriteLine($"  surfaces spanning the whole grid: {BestMs(() => SurfaceDistance.Compute(full, inner)):F0} ms");
    }

    [Test]
    public void Ssim_at_192x128x192()
    {
        var x = SmoothRandom(Grid.Size, 62);
        var y = SmoothRandom(Grid.Size, 63).Select((v, n) => 0.5 * (v + x[n])).ToArray();
        var vx = Volume.Create(Grid, x); var vy = Volume.Create(Grid, y);
        foreach (var w in new[] { SsimWindow.Uniform7, SsimWindow.Gaussian15 })
        {
            double s = 0;
            double ms = BestMs(() => s = StructuralSimilarity.Compute(vx, vy, new SsimOptions(1000, w)));
            TestContext.Out.WriteLine($"192×128×192, {Environment.ProcessorCount} cores: SSIM {w} {ms:F0} ms (SSIM {s:F4})");
        }
    }
}
