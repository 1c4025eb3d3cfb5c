using SlicerReg.Engine;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Proves libtorch loads on this machine (the Debian 12 GLIBCXX fix works) and computes correct numbers.</summary>
public class TorchLoadsTests
{
    [Test]
    public void CpuDeviceLoadsAndMultipliesMatrices()
    {
        var device = ComputeDevice.Select("cpu");
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 }, device: device);
        var b = tensor(new float[] { 5, 6, 7, 8 }, new long[] { 2, 2 }, device: device);
        var c = a.matmul(b).data<float>().ToArray();
        Assert.That(c, Is.EqualTo(new float[] { 19, 22, 43, 50 }));
    }

    [Test]
    public void AutogradComputesTheDerivativeOfACube()
    {
        ComputeDevice.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { -1.5, 0.5, 2.0 }, requires_grad: true);
        x.pow(3).sum().backward();
        Assert.That(x.grad!.data<double>().ToArray(), Is.EqualTo(new[] { 6.75, 0.75, 12.0 }).Within(1e-12));
    }

    [Test]
    public void Conv3dRunsOnTheCpu()
    {
        ComputeDevice.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(1);
        var conv = nn.Conv3d(2, 4, 3, padding: 1);
        var y = conv.forward(ones(new long[] { 1, 2, 8, 6, 5 }));
        Assert.That(y.shape, Is.EqualTo(new long[] { 1, 4, 8, 6, 5 }));
        Assert.That(y.isfinite().all().item<bool>());
    }

    [Test]
    public void UnknownOrUnavailableDevicesGiveClearErrors()
    {
        Assert.That(() => ComputeDevice.Select("tpu"), Throws.ArgumentException.With.Message.Contains("cpu, cuda"));
        if (!cuda.is_available())
            Assert.That(() => ComputeDevice.Select("cuda"), Throws.InvalidOperationException.With.Message.Contains("--device cpu"));
    }

    [Test]
    public void OutputCarriesOnlyLinuxNatives()
    {
        string dir = TestContext.CurrentContext.TestDirectory;
        Assert.That(File.Exists(Path.Combine(dir, "libLibTorchSharp.so")), "libLibTorchSharp.so should sit beside the tests");
        Assert.That(Directory.GetFiles(dir, "*.dll").Any(f => Path.GetFileName(f).StartsWith("torch_cpu", StringComparison.OrdinalIgnoreCase)), Is.False, "Windows natives copied: RuntimeIdentifier not applied");
        Assert.That(Directory.Exists(Path.Combine(dir, "runtimes")), Is.False, "per-platform runtimes/ folder copied: RuntimeIdentifier not applied");
    }
}
