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
    public Task<SubmitReply> SubmitAsync(Radiograph ap, Radiograph lateral, string model, IReadOnlyDictionary<string, string>? options = null,
                                         IEnumerable<string>? results = null, CancellationToken ct = default)
    {
        var header = new SubmitHeader { Model = model };
        if (options != null) foreach (var kv in options) header.Options[kv.Key] = kv.Value;
        if (results != null) header.Results.Add(results);
        return SubmitAsync(header, new RadiographUpload(ap), new RadiographUpload(lateral), ct);
    }

    /// <summary>
    /// Uploads <paramref name="header"/> (model, options and the revision-5 fields of `register`: refinement, output grid,
    /// radiograph kind, I0, head, side; client and client_revision are filled in here), then each radiograph with its
    /// metadata and its femur mask when it has one. Returns the queued job's id.
    /// </summary>
    public async Task<SubmitReply> SubmitAsync(SubmitHeader header, RadiographUpload ap, RadiographUpload lateral, CancellationToken ct = default)
    {
        header = header.Clone();
        header.Client = "SlicerReg.Client " + typeof(RegistrationClient).Assembly.GetName().Version;
        header.ClientRevision = ProtocolRevision.Current;
        using var call = _registration.Submit(cancellationToken: ct);
        try
        {
            await call.RequestStream.WriteAsync(new SubmitRequest { Header = header }, ct);
            foreach (var (upload, role) in new[] { (ap, ViewRole.Ap), (lateral, ViewRole.Lat) })
            {
                foreach (var message in ImageMessages(upload.Image, role, upload.Metadata)) await call.RequestStream.WriteAsync(message, ct);
                if (upload.FemurMask is { } mask)
                    foreach (var message in MaskMessages(mask, upload.Image, role)) await call.RequestStream.WriteAsync(message, ct);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) { /* the daemon refused mid-upload; its status comes with the response below */ }
        catch (InvalidOperationException) { /* the call already completed (refused); likewise */ }
        return await call.ResponseAsync;
    }

    /// <summary>The messages that upload one radiograph: header, chunks, checksum trailer (public so tests can break them).</summary>
    public static IEnumerable<SubmitRequest> ImageMessages(Radiograph image, ViewRole role, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = WireConvert.Header(image.Image, image.View, role);
        if (metadata != null)
            foreach (var kv in metadata.Where(kv => RadiographUpload.MetadataKeys.Contains(kv.Key))) header.Metadata[kv.Key] = kv.Value;
        return ChunkedTransfer.Messages(new SubmitRequest { Image = header }, VoxelArrayMemory.Of(image.Image.Pixels),
                                        c => new SubmitRequest { Chunk = c }, e => new SubmitRequest { End = e });
    }

    /// <summary>The messages that upload the femur mask of <paramref name="radiograph"/>: one byte per pixel, 1 on the femur.</summary>
    public static IEnumerable<SubmitRequest> MaskMessages(bool[] mask, Radiograph radiograph, ViewRole role)
    {
        var bytes = mask.Select(m => m ? (byte)1 : (byte)0).ToArray();
        var header = new ImageHeader { Role = role, VoxelType = SlicerReg.Protocol.V1.VoxelType.Uint8, ByteLength = bytes.Length, FemurMask = true };
        header.Shape.Add(new[] { radiograph.View.Columns, radiograph.View.Rows });
        return ChunkedTransfer.Messages(new SubmitRequest { Image = header }, bytes, c => new SubmitRequest { Chunk = c }, e => new SubmitRequest { End = e });
    }

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
