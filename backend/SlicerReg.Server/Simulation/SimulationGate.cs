using Grpc.Core;

namespace SlicerReg.Server.Simulation;

/// <summary>
/// Bounds the Simulation calls in progress (uploading, rendering or streaming back) to --simulations. A call that finds
/// them all taken is refused with RESOURCE_EXHAUSTED at its header, before its CT travels, so at most that many CTs are
/// held in memory. Simulations do not go through the registration <see cref="Jobs.JobQueue"/>: they store nothing
/// (the DRRs stream back on the same call) and must not wait behind, nor hold up, long registration jobs.
/// </summary>
public sealed class SimulationGate(DaemonOptions options)
{
    int _inProgress;

    public int InProgress => Volatile.Read(ref _inProgress);

    public IDisposable Enter()
    {
        if (Interlocked.Increment(ref _inProgress) > options.Simulations)
        {
            Interlocked.Decrement(ref _inProgress);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"{options.Simulations} simulation(s) already in progress (--simulations {options.Simulations}); retry later"));
        }
        return new Slot(this);
    }

    sealed class Slot(SimulationGate gate) : IDisposable
    {
        int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref gate._inProgress); }
    }
}
