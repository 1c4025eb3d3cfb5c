using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine;

/// <summary>
/// The runtime choice of compute device (--device cpu|cuda) and the one place that initialises libtorch,
/// so a failure to load the natives surfaces as one clear message instead of TorchSharp's misleading one.
/// </summary>
public static class ComputeDevice
{
    /// <summary>Parses "cpu", "cuda" or "cuda:N" and checks that the device is usable in this build.</summary>
    public static Device Select(string name)
    {
        string n = (name ?? "").Trim().ToLowerInvariant();
        if (n == "cpu") { EnsureLoaded(DeviceType.CPU); _ = Kernels.ConvolutionBackend.Choice; return CPU; }
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            bool usable;
            try { EnsureLoaded(DeviceType.CPU); InitializeDeviceType(DeviceType.CUDA); usable = cuda.is_available(); }
            catch (Exception e) when (e is not ArgumentException) { usable = false; }
            if (!usable)
                throw new InvalidOperationException(
                    "--device cuda: no CUDA device is available to this build. SlicerReg is built with the CPU libtorch by default; " +
                    "rebuild with -p:LibTorchPackage=TorchSharp-cuda-linux on a machine with an NVIDIA driver, or use --device cpu.");
            int index = n.Length > 5 ? int.Parse(n[5..]) : 0;
            if (index < 0 || index >= cuda.device_count())
                throw new InvalidOperationException($"--device {name}: only {cuda.device_count()} CUDA device(s) present");
            return new Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"--device '{name}': expected cpu, cuda or cuda:N");
    }

    /// <summary>Loads libtorch for <paramref name="type"/>; throws with a remedy if the native libraries cannot be loaded.</summary>
    public static void EnsureLoaded(DeviceType type = DeviceType.CPU)
    {
        Kernels.OpenMpWaitPolicy.Apply();
        try { InitializeDeviceType(type); }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"libtorch could not be loaded for {type}: {e.Message.Split('\n')[0]} " +
                "If this is Debian 12, check that the build ran the LibTorchSharp compatibility step (docs/torchsharp-on-debian12.md).", e);
        }
    }

    /// <summary>Version strings of the loaded engine, for logs and `slicerreg info --engine`.</summary>
    public static string Describe() => $"TorchSharp {typeof(torch).Assembly.GetName().Version}, libtorch {__version__}, CUDA available: {cuda.is_available()}";
}
