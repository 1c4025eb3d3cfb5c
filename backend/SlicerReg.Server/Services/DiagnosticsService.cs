using System.Runtime;
using Grpc.Core;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Jobs;
using SlicerReg.Server.Simulation;

namespace SlicerReg.Server.Services;

/// <summary>
/// The Diagnostics gRPC service, mapped only with `serve --diagnostics` (tests, benchmarks): a forced compacting GC and the
/// memory left afterwards, so a load test can check that the daemon's memory returns to its baseline.
/// </summary>
public sealed class DiagnosticsService(JobQueue queue, SimulationGate simulations, DaemonOptions options) : Diagnostics.DiagnosticsBase
{
    public override Task<MemoryReport> CollectMemory(CollectMemoryRequest request, ServerCallContext context)
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        // Aggressive: compacts everything and gives the freed memory back to the OS (so RSS can fall, not only the heap).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        return Task.FromResult(new MemoryReport
        {
            RssBytes = ResidentBytes(),
            ManagedHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
            GcCommittedBytes = info.TotalCommittedBytes,
            JobsHeld = queue.HeldJobs,
            SimulationsInProgress = simulations.InProgress,
            SpillFiles = Directory.Exists(options.SpillFolder) ? Directory.GetFiles(options.SpillFolder, "*", SearchOption.AllDirectories).Length : 0,
        });
    }

    /// <summary>VmRSS from /proc/self/status (kB), in bytes; the working set elsewhere.</summary>
    static long ResidentBytes()
    {
        if (File.Exists("/proc/self/status"))
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return 1024 * long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return Environment.WorkingSet;
    }
}
