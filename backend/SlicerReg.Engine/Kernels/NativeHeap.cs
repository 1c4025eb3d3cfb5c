using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SlicerReg.Engine.Kernels;

/// <summary>
/// Keeps libtorch's large tensor buffers in glibc's heap instead of a fresh mmap(2) per tensor. glibc serves every block
/// above its mmap threshold (128 KiB, raised dynamically to at most 32 MiB) with its own mapping and unmaps it on free, so
/// each 3D activation of a training step (tens of MiB at the standard preset) is faulted in page by page again on every
/// step: the step spent about a third of its time in the kernel. With the threshold at 1 GiB, freed buffers are reused
/// where they land in a heap that keeps them (reliably on the main thread, where `train` and `register` run; glibc's
/// per-thread arenas, which pool threads may already hold, still return a freed top of heap at once).
/// Measured with <c>slicerreg bench --section train</c>, quiet AMD EPYC (docs/benchmark.md "Native heap"): standard
/// training step 5.7–6.5 s → 2.8 s. The daemon gives the free heap back after each job (MemoryReclaimer.WorkFinished in the
/// server), so it does not hold its peak between requests. Applied from the engine's module initializer (before libtorch allocates);
/// <c>SLICERREG_MMAP_THRESHOLD=default</c> leaves glibc's own rule in place (for comparison runs).
/// </summary>
public static partial class NativeHeap
{
    public const string Variable = "SLICERREG_MMAP_THRESHOLD";
    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3, M_ARENA_MAX = -8; // <malloc.h>
    const int Threshold = 1 << 30;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int parameter, int value);

    /// <summary>Whether glibc accepted the raised threshold (false off glibc, or when the user kept the default).</summary>
    public static bool Raised { get; private set; }

    static bool _applied;

    /// <summary>One line for bench reports: which rule served the tensors' buffers.</summary>
    public static string Describe() => Raised
        ? "glibc heap, mmap threshold 1 GiB (large buffers reused)"
        : "allocator default (a fresh mapping per large buffer)";

#pragma warning disable CA2255 // a module initializer runs before any engine code can allocate a tensor
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (_applied || !OperatingSystem.IsLinux()) return;
        _applied = true;
        if (Environment.GetEnvironmentVariable(Variable) == "default") return;
        // One arena: the extra arenas glibc gives other threads are mmap'd heaps of at most 64 MiB, so a larger buffer
        // allocated on a pool thread (the daemon's jobs, test runners) would still get a mapping of its own. A high trim
        // threshold keeps a freed buffer at the top of the heap for the next step instead of returning it at once.
        try { Raised = MallOpt(M_ARENA_MAX, 1) == 1 && MallOpt(M_MMAP_THRESHOLD, Threshold) == 1 && MallOpt(M_TRIM_THRESHOLD, Threshold) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }
}
