using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Client;

/// <summary>
/// The C# client of the SlicerReg daemon: submit a biplanar pair, watch the job, fetch result volumes, list models.
/// Failures surface as <see cref="RpcException"/> (the daemon's status and message) or, for a corrupt download,
/// as <see cref="ProtocolException"/>.
/// </summary>
public sealed class RegistrationClient(GrpcChannel channel, string? address = null) : IDisposable
{
    readonly Registration.RegistrationClient _registration = new(channel);
    readonly Models.ModelsClient _models = new(channel);

    public static RegistrationClient Connect(string address, string? token = null) => Connect(new DaemonEndpoint(address, token));

    public static RegistrationClient Connect(DaemonEndpoint endpoint) => new(SlicerRegChannel.Open(endpoint), endpoint.Address);

    /// <summary>The daemon's address as given (for messages).</summary>
    public string Address => address ?? channel.Target;

    public async Task<IReadOnlyList<ModelCard>> ListModelsAsync(CancellationToken ct = default)
        => (await _models.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct)).Models;

    /// <summary>
    /// What a client calls first: the daemon's models, release and protocol revision, checked against this client's
    /// (<see cref="ProtocolRevision.Check"/>: a <see cref="ProtocolException"/> naming both versions when the daemon is too old).
    /// </summary>
    public async Task<ListModelsReply> CheckDaemonAsync(CancellationToken ct = default)
    {
        var reply = await _models.ListModelsAsync(new ListModelsRequest(), cancellationToken: ct);
        ProtocolRevision.Check(reply, Address);
        return reply;
    }

    /// <summary>Uploads the pair (each radiograph with the calibrated view it was taken with) and returns the queued job's id.</summary>
    public async Task<SubmitReply> SubmitAsync(Radiograph ap, Radiograph lateral, string model, IReadOnlyDictionary<string, string>? options = null,
                                               IEnumerable<string>? results = null, CancellationToken ct = default)
    {
        var header = new SubmitHeader { Model = model, Client = "SlicerReg.Client " + typeof(RegistrationClient).Assembly.GetName().Version };
        if (options != null) foreach (var kv in options) header.Options[kv.Key] = kv.Value;
        if (results != null) header.Results.Add(results);
        using var call = _registration.Submit(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new SubmitRequest { Header = header }, ct);
            foreach (var (image, role) in new[] { (ap, ViewRole.Ap), (lateral, ViewRole.Lat) })
                foreach (var message in ImageMessages(image, role)) await call.RequestStream.WriteAsync(message, ct);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) { /* the daemon refused mid-upload; its status comes with the response below */ }
        catch (InvalidOperationException) { /* the call already completed (refused); likewise */ }
        return await call.ResponseAsync;
    }

    /// <summary>The messages that upload one radiograph: header, chunks, checksum trailer (public so tests can break them).</summary>
    public static IEnumerable<SubmitRequest> ImageMessages(Radiograph image, ViewRole role)
        => ChunkedTransfer.Messages(new SubmitRequest { Image = WireConvert.Header(image.Image, image.View, role) }, VoxelArrayMemory.Of(image.Image.Pixels),
                                    c => new SubmitRequest { Chunk = c }, e => new SubmitRequest { End = e });

    /// <summary>Every event of the job (earlier ones replayed), ending with its result or error.</summary>
    public async IAsyncEnumerable<JobEvent> WatchAsync(string jobId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var call = _registration.Watch(new WatchRequest { JobId = jobId }, cancellationToken: ct);
        await foreach (var e in call.ResponseStream.ReadAllAsync(ct)) yield return e;
    }

    public async Task<JobState> CancelAsync(string jobId, CancellationToken ct = default)
        => (await _registration.CancelAsync(new CancelRequest { JobId = jobId }, cancellationToken: ct)).State;

    /// <summary>Downloads one named result volume, checking its declared size, chunk order and SHA-256. Returned in RAS.</summary>
    public async Task<Volume> FetchAsync(string jobId, string name, CancellationToken ct = default)
    {
        using var call = _registration.FetchResult(new FetchRequest { JobId = jobId, Name = name }, cancellationToken: ct);
        string what = $"result '{name}' of job {jobId}";
        VolumeReceiver? receiver = null;
        await foreach (var reply in call.ResponseStream.ReadAllAsync(ct))
        {
            switch (reply.PartCase)
            {
                case FetchReply.PartOneofCase.Header when receiver is null: receiver = new VolumeReceiver(reply.Header, what); break;
                case FetchReply.PartOneofCase.Chunk when receiver != null: receiver.Add(reply.Chunk); break;
                case FetchReply.PartOneofCase.End when receiver != null: receiver.End(reply.End); break;
                default: throw new ProtocolException(StatusCode.Internal, $"{what}: unexpected {reply.PartCase} message");
            }
        }
        if (receiver is null) throw new ProtocolException(StatusCode.DataLoss, $"{what}: the download ended before its header");
        return receiver.Finish();
    }

    public void Dispose() => channel.Dispose();
}
