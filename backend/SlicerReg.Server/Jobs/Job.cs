using SlicerReg.Server.Domain;

namespace SlicerReg.Server.Jobs;

/// <summary>
/// One registration job: its inputs, its state, the log of events a Watch replays and follows, its stored results.
/// Thread-safe: the worker appends events, any number of watchers read them.
/// </summary>
public sealed class Job(string id, string model, RegistrationRequest request)
{
    readonly object _lock = new();
    readonly List<JobUpdate> _events = new();
    TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;
    public string Model { get; } = model;
    /// <summary>Inputs; dropped (null) once the job finished, so the radiographs do not outlive it.</summary>
    public RegistrationRequest? Request { get; private set; } = request;
    public CancellationTokenSource Cancellation { get; } = new();
    public DateTime CreatedUtc { get; } = DateTime.UtcNow;
    public DateTime? FinishedUtc { get; private set; }
    public StoredResults? Results { get; set; }

    public JobState State { get { lock (_lock) return _state; } }
    JobState _state = JobState.Queued;

    int _slotReleased;
    /// <summary>True the first time only: the job leaves its queue slot once (taken by a worker, or cancelled while waiting).</summary>
    public bool ReleaseQueueSlot() => Interlocked.Exchange(ref _slotReleased, 1) == 0;

    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;

    /// <summary>Appends an event (setting the state); returns false when the job had already finished.</summary>
    public bool Publish(JobUpdate e)
    {
        TaskCompletionSource wake;
        lock (_lock)
        {
            if (_state is JobState.Succeeded or JobState.Failed or JobState.Cancelled) return false;
            _state = e.State;
            _events.Add(e);
            if (e.Finishes) { FinishedUtc = DateTime.UtcNow; Request = null; }
            wake = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.TrySetResult();
        return true;
    }

    /// <summary>Events from index <paramref name="from"/> on, and a task that completes when more arrive.</summary>
    public (IReadOnlyList<JobUpdate> Events, Task Changed) EventsFrom(int from)
    {
        lock (_lock) return (_events.Skip(from).ToList(), _changed.Task);
    }
}
