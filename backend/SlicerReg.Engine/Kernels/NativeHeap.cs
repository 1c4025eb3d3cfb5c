using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SlicerReg.Engine.Kernels;

/// <summary>
/// Keeps libtorch's large tensor buffers in glibc's heap instead of a fresh mmap(2) per tensor. glibc serves every block
/// above its mmap threshold (128 KiB, raised dynamically to at most 32 MiB) with its own mapping and unmaps it on free, so
/// each 3D activation of a training step (tens of MiB at the standard preset) is faulted in page by page again on every
/// step: the step spent about a third of its time in the kernel. With the threshold at 1 GiB, freed buffers are reused.
/// Measured with <c>slicerreg bench --section train</c>, quiet AMD EPYC (docs/benchmark.md "Native heap"): standard
/// training step 5.7–6.5 s → 2.8 s. <see cref="GiveBack"/> returns the free heap to the system after a job, so a daemon
/// does not hold its peak between requests. Applied from the engine's module initializer (before libtorch allocates);
/// <c>SLICERREG_MMAP_THRESHOLD=default</c> leaves glibc's own rule in place (for comparison runs).
/// </summary>
static partial class NativeHeap
{
    public const string Variable = "SLICERREG_MMAP_THRESHOLD";
    const int M_MMAP_THRESHOLD = -3; // <malloc.h>
    const int Threshold = 1 << 30;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    /// <summary>Whether glibc accepted the raised threshold (false off glibc, or when the user kept the default).</summary>
    public static bool Raised { get; private set; }

    static bool _applied;

#pragma warning disable CA2255 // a module initializer runs before any engine code can allocate a tensor
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (_applied || !OperatingSystem.IsLinux()) return;
        _applied = true;
        if (Environment.GetEnvironmentVariable(Variable) == "default") return;
        try { Raised = MallOpt(M_MMAP_THRESHOLD, Threshold) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    /// <summary>Returns the heap's free memory to the system (malloc_trim(0)); cheap when little is free.</summary>
    public static void GiveBack()
    {
        if (!Raised) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
