using SlicerReg.Engine.Benchmarks;

namespace SlicerReg.Engine.Tests;

/// <summary>ProstBenchmark runs and reports finite timings; the full-size run is explicit (minutes on a shared CPU).</summary>
public class ProstBenchmarkTests
{
    [Test]
    public void SmallBenchmarkReturnsPositiveTimings()
    {
        var r = ProstBenchmark.Run("cpu", 24, 16, 24, rows: 10, columns: 14, samplesPerRay: 16, batch: 2, repeats: 2);
        TestContext.Out.WriteLine(r.ToString());
        foreach (double ms in new[] { r.ProstForwardMs, r.ProstBackwardMs, r.InverseForwardMs, r.InverseBackwardMs })
            Assert.That(ms, Is.GreaterThan(0).And.LessThan(60_000));
        Assert.That((r.Rows, r.Columns, r.SamplesPerRay, r.Batch), Is.EqualTo((10, 14, 16, 2)));
    }

    /// <summary>The paper-size configuration: dotnet test --filter "Name=PaperSizeBenchmark".</summary>
    [Test, Explicit("takes minutes on the CPU; run by name")]
    public void PaperSizeBenchmark() => TestContext.Out.WriteLine(ProstBenchmark.Run("cpu", repeats: 3).ToString());
}
