using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// NetworkBenchmark runs at the tiny preset; the larger presets are explicit, one per process so the peak working set is
/// that preset's: dotnet test tests/SlicerReg.Engine.Tests --filter "Name=StandardPresetBenchmark" --logger "console;verbosity=detailed".
/// </summary>
public class NetworkBenchmarkTests
{
    [Test]
    public void TinyPresetBenchmarkReportsPositiveTimings()
    {
        var r = NetworkBenchmark.Run("tiny", repeats: 2);
        TestContext.Out.WriteLine(r.ToString());
        foreach (double ms in new[] { r.ForwardMs, r.BackwardMs, r.OptimiserMs, r.InferenceMs })
            Assert.That(ms, Is.GreaterThan(0).And.LessThan(60_000));
        Assert.That(r.PeakWorkingSetMiB, Is.GreaterThan(r.WorkingSetBeforeMiB * 0.5));
        Assert.That(r.Weights, Is.GreaterThan(100_000));
    }

    [Test, Explicit("tens of seconds on a shared CPU; run by name")]
    public void StandardPresetBenchmark() => TestContext.Out.WriteLine(NetworkBenchmark.Run("standard", repeats: 3).ToString());

    [Test, Explicit("minutes and about 20 GiB on the CPU; run by name")]
    public void PaperPresetBenchmark() => TestContext.Out.WriteLine(NetworkBenchmark.Run("paper", repeats: 1).ToString());

    [Test, Explicit("a minute and several GiB on the CPU; run by name")]
    public void PaperPresetInferenceBenchmark() => TestContext.Out.WriteLine(NetworkBenchmark.Run("paper", repeats: 2, training: false).ToString());
}
