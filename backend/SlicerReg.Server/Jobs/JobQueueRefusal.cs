namespace SlicerReg.Server.Jobs;

/// <summary>Why the <see cref="JobQueue"/> refused a call; the gRPC services map each reason to its status (<see cref="Services.JobWire"/>).</summary>
public enum JobQueueRefusalReason
{
    /// <summary>The daemon is shutting down: nothing new is queued.</summary>
    ShuttingDown,
    /// <summary>The waiting queue is full (back-pressure): retry later.</summary>
    QueueFull,
    /// <summary>No such job: never queued, or its results released or expired.</summary>
    UnknownJob,
}

/// <summary>A call the <see cref="JobQueue"/> refused, with the reason and a sentence for the client.</summary>
public sealed class JobQueueRefusal(JobQueueRefusalReason reason, string message) : Exception(message)
{
    public JobQueueRefusalReason Reason { get; } = reason;
}
