using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SlicerReg.Client.Protocol;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Domain;
using SlicerReg.Server.Jobs;

namespace SlicerReg.Server.Services;

/// <summary>The Registration gRPC service: a thin adapter from the protocol to <see cref="JobQueue"/> and the engines.</summary>
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
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            log.LogWarning("submit from {Peer} refused: {Message}", peer, e.Status.Detail);
            throw;
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
        var job = queue.Get(request.JobId);
        var ct = context.CancellationToken;
        int sent = 0;
        while (true)
        {
            var (events, changed) = job.EventsFrom(sent);
            foreach (var e in events) await responses.WriteAsync(e, ct);
            sent += events.Count;
            if (events.Count > 0 && events[^1].State is JobState.Succeeded or JobState.Failed or JobState.Cancelled) return;
            try { await changed.WaitAsync(ct); }
            catch (OperationCanceledException) { return; } // the watcher left; the job goes on
        }
    }

    public override Task<CancelReply> Cancel(CancelRequest request, ServerCallContext context)
        => Task.FromResult(new CancelReply { State = queue.Cancel(request.JobId) });

    public override async Task FetchResult(FetchRequest request, IServerStreamWriter<FetchReply> responses, ServerCallContext context)
    {
        var job = queue.Get(request.JobId);
        var results = job.Results;
        if (results is null)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"job {job.Id} has no results: it is {job.State.ToString().ToLowerInvariant()}"));
        var entry = results[request.Name] ?? throw new RpcException(new Status(StatusCode.NotFound,
            $"job {job.Id} has no result '{request.Name}' (it has: {string.Join(", ", results.Names)})"));
        var ct = context.CancellationToken;
        await responses.WriteAsync(new FetchReply { Header = entry.Header }, ct);
        var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (entry.InMemory is { } volume)
        {
            var payload = WireConvert.Payload(volume);
            foreach (var chunk in ChunkedTransfer.Chunks(payload))
            {
                sha.AppendData(chunk.Data.Span);
                await responses.WriteAsync(new FetchReply { Chunk = chunk }, ct);
            }
        }
        else
        {
            await using var file = new FileStream(entry.SpillFile!, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
            // One buffer for every chunk of this fetch: a write has serialised its message into the response stream when it
            // returns, so the buffer can be refilled without a fresh 1 MiB array per chunk. Not from ArrayPool.Shared: the pool
            // keeps the 1 MiB arrays that concurrent fetches returned until it decides to trim (LoadTests saw +6.6 MiB of
            // managed heap after 8 concurrent clients); one array per fetch goes with the fetch.
            var buffer = new byte[WireLimits.ChunkBytes];
            long offset = 0;
            int n;
            while ((n = await file.ReadAtLeastAsync(buffer.AsMemory(0, WireLimits.ChunkBytes), WireLimits.ChunkBytes, throwOnEndOfStream: false, ct)) > 0)
            {
                sha.AppendData(buffer, 0, n);
                await responses.WriteAsync(new FetchReply { Chunk = new Chunk { Offset = offset, Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, n)) } }, ct);
                offset += n;
            }
        }
        // The trailer carries the hash of what was sent, checked against the hash taken when the result was stored.
        var sent = sha.GetHashAndReset();
        if (!sent.AsSpan().SequenceEqual(entry.Sha256))
            throw new RpcException(new Status(StatusCode.DataLoss, $"job {job.Id} result '{request.Name}': the stored copy is corrupt"));
        await responses.WriteAsync(new FetchReply { End = new TransferEnd { Sha256 = ByteString.CopyFrom(sent) } }, ct);
        log.LogInformation("job {JobId}: result {Name} fetched ({Bytes} bytes)", job.Id, request.Name, entry.Header.ByteLength);
        queue.Fetched(job, request.Name);
    }
}
