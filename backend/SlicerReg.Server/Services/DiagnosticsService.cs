using Grpc.Core;
using SlicerReg.Core;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Jobs;
using SlicerReg.Server.Simulation;

namespace SlicerReg.Server.Services;

/// <summary>
/// The Diagnostics gRPC service, mapped only with `serve --diagnostics`: the daemon's resident and managed memory as it is
/// (ReadMemory, for an operator), or after a forced compacting GC (CollectMemory, for tests and benchmarks).
/// </summary>
public sealed class DiagnosticsService(JobQueue queue, SimulationGate simulations, DaemonOptions options) : Diagnostics.DiagnosticsBase
{
    public override Task<MemoryReport> CollectMemory(CollectMemoryRequest request, ServerCallContext context)
    {
        MemoryReclaimer.Collect();
        return Task.FromResult(Report());
    }

    public override Task<MemoryReport> ReadMemory(ReadMemoryRequest request, ServerCallContext context) => Task.FromResult(Report());

    MemoryReport Report() => new()
    {
        RssBytes = ProcessMemory.ResidentBytes(),
        ManagedHeapBytes = GC.GetTotalMemory(forceFullCollection: false),
        GcCommittedBytes = GC.GetGCMemoryInfo(GCKind.Any).TotalCommittedBytes,
        JobsHeld = queue.HeldJobs,
        SimulationsInProgress = simulations.InProgress,
        SpillFiles = Directory.Exists(options.SpillFolder) ? Directory.GetFiles(options.SpillFolder, "*", SearchOption.AllDirectories).Length : 0,
    };
}
