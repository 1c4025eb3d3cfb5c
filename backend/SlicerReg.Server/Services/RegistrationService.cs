using Grpc.Core;
using Microsoft.Extensions.Logging;
using SlicerReg.Client.Protocol;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Domain;
using SlicerReg.Server.Jobs;
using JobState = SlicerReg.Server.Jobs.JobState;

namespace SlicerReg.Server.Services;

/// <summary>
/// The Registration gRPC service: a thin adapter from the protocol to <see cref="JobQueue"/> and the engines; the queue's
/// updates and refusals become JobEvents and status codes through <see cref="JobWire"/>.
/// </summary>
public sealed class RegistrationService(JobQueue queue, ModelCatalog catalog, MemoryReclaimer reclaimer, ILogger<RegistrationService> log) : Registration.RegistrationBase
{
    public override async Task<SubmitReply> Submit(IAsyncStreamReader<SubmitRequest> requests, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var upload = new SubmitUpload(catalog);
        string peer = context.Peer;
        JobQueue.QueueSlot? slot = null;
        bool queued = false;
        try
        {
            while (await requests.MoveNext(ct))
            {
                upload.Accept(requests.Current);
                // Reserve a queue slot as soon as the header is accepted: a full queue is refused before the images travel.
                if (slot is null && upload.HasHeader)
                {
                    slot = queue.Reserve();
                    log.LogInformation("submit from {Peer}: model {Model}, queue slot reserved, receiving images", peer, upload.Model);
                }
            }
            var request = upload.Finish();
            var job = new Job(Guid.NewGuid().ToString("N"), upload.Model, request);
            int ahead = queue.Enqueue(job, slot!);
            queued = true; // the job holds the radiographs now; JobQueue reports them released when it finishes
            return new SubmitReply { JobId = job.Id, QueuePosition = ahead };
        }
        catch (ProtocolException e)
        {
            log.LogWarning("submit from {Peer} refused ({Code}): {Message}", peer, e.Code, e.Message);
            throw e.ToRpc();
        }
        catch (JobQueueRefusal e)
        {
            log.LogWarning("submit from {Peer} refused: {Message}", peer, e.Message);
            throw JobWire.Rpc(e);
        }
        catch (Exception e) when (UnparsableMessage.In(e) is { } unparsable)
        {
            var refusal = UnparsableMessage.Refusal("submit", nameof(SubmitRequest), upload.Messages, unparsable);
            log.LogWarning("submit from {Peer} refused ({Code}): {Message}", peer, refusal.StatusCode, refusal.Status.Detail);
            throw refusal;
        }
        catch (Exception e) when (ClientDeparture.Explains(e, ct))
        {
            // The client vanished (or cancelled) mid-upload: drop what arrived; nothing was queued.
            log.LogWarning("submit from {Peer} abandoned mid-upload: {Message}", peer, e.Message);
            throw new RpcException(new Status(StatusCode.Cancelled, "the upload was abandoned by the client"));
        }
        finally
        {
            slot?.Dispose(); // no-op once the job took the slot over
            reclaimer.Released(upload.ChunkBytes + (queued ? 0 : upload.PixelBytes));
        }
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<JobEvent> responses, ServerCallContext context)
    {
        var job = Get(request.JobId);
        var ct = context.CancellationToken;
        int sent = 0;
        while (true)
        {
            var (events, changed) = job.EventsFrom(sent);
            foreach (var e in events) await responses.WriteAsync(JobWire.Event(e), ct);
            sent += events.Count;
            if (events.Count > 0 && events[^1].Finishes) return;
            try { await changed.WaitAsync(ct); }
            catch (OperationCanceledException) { return; } // the watcher left; the job goes on
        }
    }

    public override Task<CancelReply> Cancel(CancelRequest request, ServerCallContext context)
    {
        try { return Task.FromResult(new CancelReply { State = JobWire.State(queue.Cancel(request.JobId)) }); }
        catch (JobQueueRefusal e) { throw JobWire.Rpc(e); }
    }

    Job Get(string jobId)
    {
        try { return queue.Get(jobId); }
        catch (JobQueueRefusal e) { throw JobWire.Rpc(e); }
    }

    public override async Task FetchResult(FetchRequest request, IServerStreamWriter<FetchReply> responses, ServerCallContext context)
    {
        var job = Get(request.JobId);
        var results = job.Results;
        if (results is null)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"job {job.Id} has no results: it is {job.State.ToString().ToLowerInvariant()}"));
        var entry = results[request.Name] ?? throw new RpcException(new Status(StatusCode.NotFound,
            $"job {job.Id} has no result '{request.Name}' (it has: {string.Join(", ", results.Names)})"));
        var ct = context.CancellationToken;
        await using var file = entry.SpillFile is null ? null
            : new FileStream(entry.SpillFile, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
        var chunks = file is null ? ChunkedTransfer.Chunks(WireConvert.Payload(entry.InMemory!)).ToAsyncEnumerable() : ChunkedTransfer.Chunks(file, ct);
        // The trailer carries the hash of what was sent, checked against the hash taken when the result was stored.
        try
        {
            await ChunkedTransfer.SendAsync(m => responses.WriteAsync(m, ct), new FetchReply { Header = entry.Header }, chunks,
                                            c => new FetchReply { Chunk = c }, e => new FetchReply { End = e }, $"job {job.Id} result '{request.Name}'", entry.Sha256);
        }
        catch (ProtocolException e) { throw e.ToRpc(); }
        log.LogInformation("job {JobId}: result {Name} fetched ({Bytes} bytes)", job.Id, request.Name, entry.Header.ByteLength);
        queue.Fetched(job, request.Name);
    }
}
