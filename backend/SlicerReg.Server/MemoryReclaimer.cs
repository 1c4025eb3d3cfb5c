using System.Runtime;
using Microsoft.Extensions.Logging;
using SlicerReg.Core;

namespace SlicerReg.Server;

/// <summary>
/// Gives the memory of finished, failed and cancelled work back to the system. Radiographs, CT uploads, received chunks
/// and result volumes are large managed arrays: the runtime frees them only at a full collection, which an idle daemon
/// never triggers, so without this a burst of abandoned uploads stays resident for good (issue 21: 1.2 GB after eight
/// cancelled 256 MiB uploads, 25 s later). Services report the bytes they stop holding (<see cref="Released"/>); once
/// <see cref="ThresholdBytes"/> have accumulated and the daemon has been quiet for <see cref="Quiet"/>, one compacting
/// collection of every generation and the large-object heap returns the pages to the system (GC Aggressive mode
/// decommits what it freed), then glibc's malloc_trim does the same for native heaps. Measured alternatives (pooled
/// arrays, spill files) are compared in docs/daemon.md, "Memory".
/// </summary>
public sealed class MemoryReclaimer(ILogger<MemoryReclaimer> log)
{
    /// <summary>Released bytes that make a collection worth its pause (tens of ms for the daemon's small live heap).</summary>
    public const long ThresholdBytes = 32L * 1024 * 1024;
    /// <summary>How long no release must have come before collecting: a burst (eight cancelled uploads) costs one collection.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    long _pending, _lastReleaseTicks;
    int _scheduled;

    /// <summary>Bytes of managed buffers the caller no longer references (an upload's, a job's inputs, a job's results).</summary>
    public void Released(long bytes)
    {
        if (bytes <= 0) return;
        Interlocked.Exchange(ref _lastReleaseTicks, Environment.TickCount64);
        if (Interlocked.Add(ref _pending, bytes) >= ThresholdBytes && Interlocked.Exchange(ref _scheduled, 1) == 0)
            _ = Task.Run(ReclaimWhenQuietAsync);
    }

    /// <summary>
    /// A job's end: its managed buffers are reported as <see cref="Released"/>, and the native heap is trimmed at once — the
    /// engine's tensors were freed into glibc's heap, which keeps large buffers since Engine/Kernels/NativeHeap raised its
    /// trim threshold, and a trim costs only the pages it returns.
    /// </summary>
    public void WorkFinished(long managedBytes)
    {
        Released(managedBytes);
        ProcessMemory.TrimNativeHeap();
    }

    async Task ReclaimWhenQuietAsync()
    {
        try
        {
            long wait;
            while ((wait = (long)Quiet.TotalMilliseconds - (Environment.TickCount64 - Interlocked.Read(ref _lastReleaseTicks))) > 0)
                await Task.Delay(TimeSpan.FromMilliseconds(wait));
            Interlocked.Exchange(ref _scheduled, 0);
            long released = Interlocked.Exchange(ref _pending, 0);
            long before = ProcessMemory.ResidentBytes();
            Collect();
            const double MiB = 1024 * 1024;
            log.LogInformation("memory: {Released:0} MiB of finished work released; resident {Before:0} → {After:0} MiB, managed heap {Heap:0.0} MiB",
                released / MiB, before / MiB, ProcessMemory.ResidentBytes() / MiB, GC.GetTotalMemory(false) / MiB);
        }
        catch (Exception e) { log.LogError(e, "memory: reclaiming failed"); Interlocked.Exchange(ref _scheduled, 0); }
    }

    /// <summary>A blocking, compacting collection of everything, large-object heap included, that decommits what it frees; then malloc_trim.</summary>
    public static void Collect()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        ProcessMemory.TrimNativeHeap();
    }
}
