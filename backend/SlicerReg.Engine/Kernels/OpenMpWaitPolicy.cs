using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SlicerReg.Engine.Kernels;

/// <summary>
/// Makes libtorch's OpenMP threads sleep, not spin, between parallel regions (OMP_WAIT_POLICY=PASSIVE) unless the user
/// set a policy. libgomp's default spin-waits after every region; where the cores are shared (Slicer's own threads, other
/// processes) the spinning threads take the cores the working ones need. Measured with `slicerreg bench --section
/// inference` at load 8–10 on 2 cores (docs/benchmark.md "Threads"): CPU per registration tiny 1079 → 374 ms, standard
/// 5723 → 4186 ms; the main-thread slowdown of the earlier runs came from the same spinning.
/// libgomp reads the variable once, when it is loaded with libtorch, and .NET's Environment.SetEnvironmentVariable does
/// not reach the native environment, so this calls setenv(3) from the engine assembly's module initializer and again
/// before <see cref="ComputeDevice"/> loads libtorch.
/// </summary>
static partial class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    static bool _applied;

#pragma warning disable CA2255 // a module initializer is the one place that runs before any engine code can load libtorch
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (_applied || !OperatingSystem.IsLinux()) return;
        _applied = true;
        if (Environment.GetEnvironmentVariable(Variable) is not null) return; // the user's choice
        try { SetEnv(Variable, "PASSIVE", overwrite: 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
