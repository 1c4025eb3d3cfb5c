namespace SlicerReg.Server.Jobs;

/// <summary>Where a job is: waiting, running, or finished one of three ways (the protocol's JobState, mapped by <see cref="Services.JobWire"/>).</summary>
public enum JobState { Queued, Running, Succeeded, Failed, Cancelled }
