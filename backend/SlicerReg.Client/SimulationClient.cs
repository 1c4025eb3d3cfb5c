using Grpc.Core;
using Grpc.Net.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;
using CalibratedView = SlicerReg.Core.Geometry.CalibratedView;

namespace SlicerReg.Client;

/// <summary>One view's result: the DRR (float32, one slice placed on the detector) and, when a label map was sent, its mask (uint8).</summary>
public sealed record RenderedView(int ViewIndex, Volume Drr, Volume? Mask, double DaemonMilliseconds);

/// <summary>
/// The client of the daemon's Simulation service: DRRs of a CT for calibrated views, rendered on the daemon exactly as
/// `slicerreg drr` renders them locally. Failures surface as <see cref="RpcException"/> or <see cref="ProtocolException"/>.
/// </summary>
public sealed class SimulationClient(GrpcChannel channel) : IDisposable
{
    readonly Simulation.SimulationClient _simulation = new(channel);

    public static SimulationClient Connect(string address, string? token = null) => Connect(new DaemonEndpoint(address, token));

    public static SimulationClient Connect(DaemonEndpoint endpoint) => new(SlicerRegChannel.Open(endpoint));

    /// <summary>Uploads the CT (HU; and the label map) and returns one <see cref="RenderedView"/> per view, in order.</summary>
    public async Task<IReadOnlyList<RenderedView>> RenderDrrAsync(Volume ct, IReadOnlyList<CalibratedView> views, DrrOptions? options = null,
                                                                  Volume? labels = null, int? labelValue = null, CancellationToken cancel = default)
    {
        var header = SimulationWire.ToWire(views, options ?? new DrrOptions(), labelValue, "SlicerReg.Client " + typeof(SimulationClient).Assembly.GetName().Version);
        using var call = _simulation.RenderDrr(cancellationToken: cancel);
        try
        {
            await call.RequestStream.WriteAsync(new SimulateRequest { Header = header }, cancel);
            foreach (var m in VolumeMessages(ct, SimulationInput.Ct)) await call.RequestStream.WriteAsync(m, cancel);
            if (labels != null) foreach (var m in VolumeMessages(labels, SimulationInput.Labels)) await call.RequestStream.WriteAsync(m, cancel);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException) { /* refused mid-upload: the status comes with the reply stream below */ }
        catch (InvalidOperationException) { /* the call already completed (refused); likewise */ }

        var drrs = new Dictionary<int, Volume>(); var masks = new Dictionary<int, Volume>(); var ms = new Dictionary<int, double>();
        VolumeReceiver? receiver = null; RenderedImage? image = null;
        await foreach (var reply in call.ResponseStream.ReadAllAsync(cancel))
        {
            switch (reply.PartCase)
            {
                case SimulateReply.PartOneofCase.Image when receiver is null || receiver.Complete:
                    image = reply.Image;
                    if (image.ViewIndex < 0 || image.ViewIndex >= views.Count || image.Name is not ("drr" or "mask"))
                        throw new ProtocolException(StatusCode.Internal, $"simulate: unexpected image '{image.Name}' of view {image.ViewIndex}");
                    receiver = new VolumeReceiver(image.Header, $"{image.Name} of view {image.ViewIndex}");
                    (image.Name == "drr" ? drrs : masks)[image.ViewIndex] = receiver.Volume;
                    if (image.Name == "drr") ms[image.ViewIndex] = image.Milliseconds;
                    break;
                case SimulateReply.PartOneofCase.Chunk when receiver != null: receiver.Add(reply.Chunk); break;
                case SimulateReply.PartOneofCase.End when receiver != null: receiver.End(reply.End); break;
                default: throw new ProtocolException(StatusCode.Internal, $"simulate: unexpected {reply.PartCase} message");
            }
        }
        receiver?.Finish();
        var result = new List<RenderedView>();
        for (int n = 0; n < views.Count; n++)
        {
            if (!drrs.TryGetValue(n, out var drr)) throw new ProtocolException(StatusCode.DataLoss, $"simulate: the daemon sent no DRR for view {n}");
            if (labels != null && !masks.ContainsKey(n)) throw new ProtocolException(StatusCode.DataLoss, $"simulate: the daemon sent no mask for view {n}");
            result.Add(new RenderedView(n, drr, masks.GetValueOrDefault(n), ms[n]));
        }
        return result;
    }

    /// <summary>The messages that upload one volume (public so tests can break them).</summary>
    public static IEnumerable<SimulateRequest> VolumeMessages(Volume volume, SimulationInput input)
        => ChunkedTransfer.Messages(new SimulateRequest { Volume = new VolumeUpload { Input = input, Header = WireConvert.Header(volume) } },
                                    WireConvert.Payload(volume), c => new SimulateRequest { Chunk = c }, e => new SimulateRequest { End = e });

    /// <summary>A rendered single-slice volume's pixels as an image with the view's pixel spacing.</summary>
    public static Image2D Pixels(Volume slice, CalibratedView view)
    {
        var pixels = new float[slice.VoxelCount];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)slice.GetElement(n);
        return new Image2D(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm, pixels);
    }

    public void Dispose() => channel.Dispose();
}
