using SlicerReg.Engine.Kernels;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// Engine/Kernels/NativeHeap: glibc accepts the raised mmap and trim thresholds from the engine's module initializer (the
/// speed-up itself is a bench number: docs/benchmark.md "Native heap").
/// </summary>
public class NativeHeapTests
{
    [Test]
    public void GlibcAcceptsTheRaisedThresholds()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("glibc only");
        if (Environment.GetEnvironmentVariable(NativeHeap.Variable) == "default") Assert.Ignore($"{NativeHeap.Variable}=default");
        ComputeDevice.EnsureLoaded();
        Assert.That(NativeHeap.Raised, Is.True, "mallopt refused M_ARENA_MAX, M_MMAP_THRESHOLD or M_TRIM_THRESHOLD");
        Assert.That(NativeHeap.Describe(), Does.Contain("1 GiB"));
    }
}
