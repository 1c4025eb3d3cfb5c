using SlicerReg.Core.Geometry;
using SlicerReg.Server.Domain;

namespace SlicerReg.Server.Jobs;

/// <summary>
/// One entry of a job's log, which Watch replays and follows: the state it puts the job in, and the progress made, or how
/// the job failed, or what it produced (the last entry of a finished job). <see cref="Services.JobWire"/> turns it into
/// the protocol's JobEvent.
/// </summary>
public sealed record JobUpdate(JobState State, RegistrationProgress? Progress = null, JobFailure? Failure = null, JobOutcome? Outcome = null)
{
    public bool Finishes => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}

/// <summary>Why a job ended without results.</summary>
public enum JobFailureKind
{
    /// <summary>Cancelled by its client, or by the daemon shutting down.</summary>
    Cancelled,
    /// <summary>The engine refused the inputs (an ArgumentException, …): the client's to fix.</summary>
    Refused,
    /// <summary>An unexpected error in the daemon.</summary>
    Crashed,
}

public sealed record JobFailure(JobFailureKind Kind, string Message);

/// <summary>
/// What a succeeded job produced: its results are held in <see cref="Job.Results"/> (until fetched or expired); this keeps
/// what its summary says after they are gone (the results as they travel: name and header, <see cref="StoredResults"/>).
/// </summary>
public sealed record JobOutcome(string Model, string Message, double Seconds, Mat4 AffinePatientToAtlas, IReadOnlyList<(string Name, Protocol.V1.VolumeHeader Header)> Results,
    Engine.Pipeline.RegistrationReport? Report = null);
