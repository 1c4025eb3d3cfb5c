using System.Runtime.InteropServices;

namespace SlicerReg.Engine.Kernels;

/// <summary>
/// The few process-wide switches of libtorch's global context that TorchSharp 0.107 does not bind (Python's
/// torch.backends.mkldnn.enabled and torch.backends.nnpack.enabled), called through their exported C++ symbols.
/// </summary>
static partial class LibTorchSwitches
{
    const string Library = "libtorch_cpu";

    [LibraryImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static partial void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static partial void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    /// <summary>Turns oneDNN convolutions on or off for the whole process; false when this libtorch lacks the switch.</summary>
    public static bool TrySetOneDnn(bool enabled) => TryCall(() => SetUserEnabledMkldnn(GlobalContext(), enabled));

    /// <summary>
    /// NNPACK is never faster than oneDNN here, and on CPUs it does not support libtorch prints "Could not initialize
    /// NNPACK! Reason: Unsupported hardware." at every convolution it considers; turning it off keeps output clean.
    /// </summary>
    public static bool TryDisableNnpack() => TryCall(() => SetUserEnabledNnpack(GlobalContext(), false));

    static bool TryCall(Action call)
    {
        try { call(); return true; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }
}
