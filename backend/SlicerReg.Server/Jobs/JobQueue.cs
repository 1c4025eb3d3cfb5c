using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SlicerReg.Client.Protocol;
using SlicerReg.Core;
using SlicerReg.Server.Domain;

namespace SlicerReg.Server.Jobs;

/// <summary>
/// The bounded FIFO job queue: <see cref="DaemonOptions.Workers"/> workers on the one compute device take jobs in
/// submission order; at most <see cref="DaemonOptions.QueueCapacity"/> jobs wait. A full queue refuses new jobs
/// (back-pressure) instead of growing. Finished jobs keep their results until all were fetched or the TTL expired.
/// It knows jobs and their states only: what it refuses it throws as <see cref="JobQueueRefusal"/>, and a job's log holds
/// <see cref="JobUpdate"/>s; the gRPC services map both to the protocol (<see cref="Services.JobWire"/>).
/// </summary>
public sealed class JobQueue : BackgroundService
{
    readonly DaemonOptions _options;
    readonly ModelCatalog _catalog;
    readonly ILogger<JobQueue> _log;
    readonly MemoryReclaimer _reclaimer;
    readonly Channel<Job> _waiting;
    readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, string> _expired = new(StringComparer.Ordinal);
    // Fires as soon as shutdown begins (SIGTERM / Ctrl-C), before Kestrel waits for open calls: cancelling the jobs then
    // ends every Watch stream at once, so the server does not sit out its shutdown timeout.
    readonly CancellationTokenSource _shutdown = new();
    int _waitingCount;

    public JobQueue(DaemonOptions options, ModelCatalog catalog, ILogger<JobQueue> log, IHostApplicationLifetime lifetime, MemoryReclaimer reclaimer)
    {
        _options = options; _catalog = catalog; _log = log; _reclaimer = reclaimer;
        lifetime.ApplicationStopping.Register(_shutdown.Cancel);
        // Capacity is enforced by _waitingCount (so the check and the message are ours); the channel itself is unbounded.
        _waiting = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = false });
        RemoveStaleSpillFolders();
    }

    /// <summary>
    /// A daemon that was killed (SIGKILL, power loss) could not delete its spill folder; the next one removes the folders
    /// "slicerreg-daemon-PID" next to its own whose PID is no longer running. (The spill folder itself is created on first use.)
    /// </summary>
    void RemoveStaleSpillFolders()
    {
        string? parent = Path.GetDirectoryName(Path.GetFullPath(_options.SpillFolder));
        if (parent is null || !Directory.Exists(parent)) return;
        foreach (var dir in Directory.EnumerateDirectories(parent, "slicerreg-daemon-*"))
        {
            if (!int.TryParse(Path.GetFileName(dir)["slicerreg-daemon-".Length..], out int pid) || pid == Environment.ProcessId) continue;
            try { using var p = System.Diagnostics.Process.GetProcessById(pid); continue; } // alive (or its PID reused): leave it
            catch (ArgumentException) { }
            try { Directory.Delete(dir, recursive: true); _log.LogInformation("removed the spill folder {Folder} of a daemon that is gone", dir); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Reserves a waiting slot for an upload that is about to start, or refuses (queue full, shutting down). Uploads in progress
    /// hold slots, so at most --queue (+ --workers running) pairs of radiographs are held in memory, however many clients connect.
    /// Dispose the reservation when the upload fails; <see cref="Enqueue"/> turns it into the queued job's slot.
    /// </summary>
    public QueueSlot Reserve()
    {
        if (_shutdown.IsCancellationRequested) throw ShuttingDown();
        if (Interlocked.Increment(ref _waitingCount) > _options.QueueCapacity)
        {
            Interlocked.Decrement(ref _waitingCount);
            throw new JobQueueRefusal(JobQueueRefusalReason.QueueFull,
                $"the job queue is full ({_options.QueueCapacity} waiting, {_options.Workers} running on {_options.Device}); retry later");
        }
        return new QueueSlot(this);
    }

    /// <summary>A waiting slot held by an upload; given back on Dispose unless a job took it over.</summary>
    public sealed class QueueSlot(JobQueue queue) : IDisposable
    {
        int _done;
        internal bool TakeOver() => Interlocked.Exchange(ref _done, 1) == 0;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref queue._waitingCount); }
    }

    /// <summary>Queues a job in the slot its upload reserved; returns the number of jobs waiting ahead of it.</summary>
    public int Enqueue(Job job, QueueSlot slot)
    {
        if (!slot.TakeOver()) throw new InvalidOperationException("queue slot already used");
        if (_shutdown.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _waitingCount);
            throw ShuttingDown();
        }
        int ahead = _waiting.Reader.Count;
        _jobs[job.Id] = job;
        job.Publish(new JobUpdate(JobState.Queued, new RegistrationProgress("queued", 0, $"{ahead} job(s) ahead")));
        if (!_waiting.Writer.TryWrite(job)) throw ShuttingDown();
        _log.LogInformation("job {JobId} queued: model {Model}, {Ahead} ahead", job.Id, job.Model, ahead);
        return ahead;
    }

    /// <summary>Jobs whose events or results are still held (queued, running, or finished and not yet released).</summary>
    public int HeldJobs => _jobs.Count;

    static JobQueueRefusal ShuttingDown() => new(JobQueueRefusalReason.ShuttingDown, "the daemon is shutting down");

    /// <summary>The job, or a refusal naming why there is none (unknown, or its results expired).</summary>
    public Job Get(string jobId)
    {
        if (_jobs.TryGetValue(jobId, out var job)) return job;
        if (_expired.TryGetValue(jobId, out var why)) throw new JobQueueRefusal(JobQueueRefusalReason.UnknownJob, $"job {jobId}: {why}");
        throw new JobQueueRefusal(JobQueueRefusalReason.UnknownJob, $"unknown job id '{jobId}'");
    }

    public JobState Cancel(string jobId)
    {
        var job = Get(jobId);
        if (!job.IsFinished)
        {
            _log.LogInformation("job {JobId}: cancel requested", jobId);
            job.Cancellation.Cancel();
            // A queued job is finished here at once; a running one when its engine observes the token.
            if (job.State == JobState.Queued && job.ReleaseQueueSlot())
            {
                Interlocked.Decrement(ref _waitingCount);
                _reclaimer.Released(Bytes(job.Request));
                FinishCancelled(job, "cancelled by the client while queued");
            }
        }
        return job.State;
    }

    /// <summary>Called after a result was streamed completely; a job whose results were all fetched is released.</summary>
    public void Fetched(Job job, string name)
    {
        var results = job.Results;
        if (results is null) return;
        results.MarkFetched(name);
        if (results.AllFetched) Release(job, "its results were all fetched and released");
    }

    void Release(Job job, string why)
    {
        if (_jobs.TryRemove(job.Id, out _))
        {
            _expired[job.Id] = why;
            _reclaimer.Released(job.Results?.InMemoryBytes ?? 0);
            job.Results?.Dispose();
            job.Results = null;
            _log.LogInformation("job {JobId} released: {Why}", job.Id, why);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken hostStopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(hostStopping, _shutdown.Token);
        var stopping = linked.Token;
        _log.LogInformation("job queue: {Workers} worker(s) on {Device}, {Capacity} waiting at most, results kept {Ttl} s, spill folder {Spill}",
            _options.Workers, _options.Device, _options.QueueCapacity, _options.ResultTtl.TotalSeconds, _options.SpillFolder);
        var workers = Enumerable.Range(0, _options.Workers).Select(w => Task.Run(() => WorkerAsync(w, stopping))).ToList();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, Math.Max(0.2, _options.ResultTtl.TotalSeconds / 4))), stopping);
                foreach (var job in _jobs.Values)
                    if (job.FinishedUtc is { } t && DateTime.UtcNow - t > _options.ResultTtl)
                        Release(job, $"its results expired {_options.ResultTtl.TotalSeconds:0} s after it finished");
            }
        }
        catch (OperationCanceledException) { }
        // Shutdown: cancel everything, wait for the workers, delete every result.
        _waiting.Writer.TryComplete();
        // Running jobs see `stopping` through their linked token; queued ones are finished here.
        foreach (var job in _jobs.Values) if (job.State == JobState.Queued) FinishCancelled(job, "the daemon is shutting down");
        await Task.WhenAll(workers);
        foreach (var job in _jobs.Values) Release(job, "the daemon shut down");
        try { Directory.Delete(_options.SpillFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _log.LogInformation("job queue stopped");
    }

    static void FinishCancelled(Job job, string why) => job.Publish(new JobUpdate(JobState.Cancelled, Failure: new JobFailure(JobFailureKind.Cancelled, why)));
    static void FinishFailed(Job job, JobFailureKind kind, string why) => job.Publish(new JobUpdate(JobState.Failed, Failure: new JobFailure(kind, why)));

    async Task WorkerAsync(int worker, CancellationToken stopping)
    {
        try
        {
            await foreach (var job in _waiting.Reader.ReadAllAsync(stopping))
            {
                if (job.ReleaseQueueSlot()) Interlocked.Decrement(ref _waitingCount);
                if (job.IsFinished) continue; // cancelled while queued
                await RunAsync(job, worker, stopping);
            }
        }
        catch (OperationCanceledException) { }
    }

    async Task RunAsync(Job job, int worker, CancellationToken stopping)
    {
        var request = job.Request;
        if (request is null) return;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(job.Cancellation.Token, stopping);
        var engine = _catalog.Engines[job.Model];
        var started = DateTime.UtcNow;
        _log.LogInformation("job {JobId} running on worker {Worker} ({Device})", job.Id, worker, _options.Device);
        job.Publish(new JobUpdate(JobState.Running, new RegistrationProgress("started", 0, $"worker {worker} on {_options.Device}")));
        var progress = new SynchronousProgress(p => job.Publish(new JobUpdate(JobState.Running, p with { Fraction = Math.Clamp(p.Fraction, 0, 1) })));
        try
        {
            // The engine runs off the request thread; Task.Run keeps a CPU-bound engine from blocking this worker's loop.
            var (result, report) = await Task.Run(() => engine.RegisterAsync(request, progress, linked.Token), linked.Token);
            linked.Token.ThrowIfCancellationRequested();
            var stored = new StoredResults(result.NamedVolumes(request.Results), _options.SpillFolder, job.Id, _options.SpillAboveBytes);
            job.Results = stored;
            var outcome = new JobOutcome(job.Model, result.Message, (DateTime.UtcNow - started).TotalSeconds, result.AffinePatientToAtlas, stored.Headers.ToList(), report);
            _log.LogInformation("job {JobId} succeeded in {Seconds:0.00} s: {Results} ({Spilled} spilled to disk)",
                job.Id, outcome.Seconds, string.Join(", ", stored.Names), stored.SpilledCount);
            job.Publish(new JobUpdate(JobState.Succeeded, Outcome: outcome));
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            string why = job.Cancellation.IsCancellationRequested ? "cancelled by the client while running" : "the daemon is shutting down";
            _log.LogInformation("job {JobId} cancelled after {Seconds:0.00} s: {Why}", job.Id, (DateTime.UtcNow - started).TotalSeconds, why);
            FinishCancelled(job, why);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ProtocolException)
        {
            _log.LogWarning("job {JobId} failed: {Message}", job.Id, e.Message);
            FinishFailed(job, JobFailureKind.Refused, e.Message);
        }
        catch (Exception e)
        {
            _log.LogError(e, "job {JobId} crashed", job.Id);
            FinishFailed(job, JobFailureKind.Crashed, $"internal error: {e.GetType().Name}: {e.Message}");
        }
        // The job dropped its radiographs when it finished; what the engine allocated and did not keep is garbage too.
        finally { _reclaimer.WorkFinished(Bytes(request) + (job.Results?.SpilledBytes ?? 0)); }
    }

    static long Bytes(RegistrationRequest? r) => r is null ? 0 : sizeof(float) * (r.Ap.Image.Pixels.LongLength + r.Lateral.Image.Pixels.LongLength);

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder events).</summary>
    sealed class SynchronousProgress(Action<RegistrationProgress> report) : IProgress<RegistrationProgress>
    {
        public void Report(RegistrationProgress value) => report(value);
    }
}
