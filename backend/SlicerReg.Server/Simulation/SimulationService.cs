using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Services;
using VoxelType = SlicerReg.Core.Imaging.VoxelType;
using VolumeKind = SlicerReg.Core.Imaging.VolumeKind;

namespace SlicerReg.Server.Simulation;

/// <summary>
/// The Simulation gRPC service: DRRs (and projected label masks) of an uploaded CT for calibrated views, rendered by
/// Core/Xray exactly as `slicerreg drr` renders them (HU→μ once, then <see cref="DrrRenderer"/> per view;
/// <see cref="LabelProjector"/> for masks) and streamed back as single-slice volumes on the detector.
/// Cancellation (the client cancels or vanishes, or the daemon stops) is observed between views: the call ends at once,
/// the view being rendered finishes in the background and only then gives its <see cref="SimulationGate"/> slot back.
/// </summary>
public sealed class SimulationService(SimulationGate gate, IHostApplicationLifetime lifetime, MemoryReclaimer reclaimer, ILogger<SimulationService> log) : Protocol.V1.Simulation.SimulationBase
{
    public override async Task RenderDrr(IAsyncStreamReader<SimulateRequest> requests, IServerStreamWriter<SimulateReply> responses, ServerCallContext context)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var ct = linked.Token;
        string peer = context.Peer;
        var upload = new SimulationUpload();
        IDisposable? slot = null;
        Task? rendering = null;
        var clock = Stopwatch.StartNew();
        try
        {
            while (await requests.MoveNext(ct))
            {
                upload.Accept(requests.Current);
                if (slot is null && upload.HasHeader)
                {
                    slot = gate.Enter();
                    log.LogInformation("simulate from {Peer}: {Views} view(s), receiving the CT", peer, upload.Settings.Views.Count);
                }
            }
            var (volume, labels) = upload.Finish();
            var settings = upload.Settings;
            log.LogInformation("simulate from {Peer}: CT {Size} {Type} received in {Ms:0} ms{Labels}; rendering", peer, volume.Size, volume.VoxelType,
                               clock.Elapsed.TotalMilliseconds, labels is null ? "" : $", label map {labels.Size}");
            AttenuationVolume? mu = null;
            // One core is left to the daemon's I/O (cancels, other clients, health); rows are independent, so the DRR is
            // bit for bit the same with any number of threads.
            var drrOptions = settings.Options with { Threads = Math.Max(1, Environment.ProcessorCount - 1) };
            for (int n = 0; n < settings.Views.Count; n++)
            {
                var view = settings.Views[n];
                var started = Stopwatch.StartNew();
                var render = Task.Run(() =>
                {
                    mu ??= AttenuationVolume.FromCt(volume, settings.Options.Attenuation); // once per CT, as DrrRenderer.Render(ct) does
                    var drr = new Radiograph(DrrRenderer.Render(mu, view, drrOptions), view).ToVolume();
                    var mask = labels is null ? null
                        : new Radiograph(LabelProjector.Project(labels, view, settings.LabelValue, threads: drrOptions.Threads), view).ToVolume().ConvertTo(VoxelType.UInt8, VolumeKind.LabelMap);
                    return (drr, mask);
                }, CancellationToken.None);
                rendering = render;
                var (drrVolume, maskVolume) = await render.WaitAsync(ct);
                rendering = null;
                double ms = started.Elapsed.TotalMilliseconds;
                await Send(responses, n, "drr", drrVolume, ms, ct);
                if (maskVolume != null) await Send(responses, n, "mask", maskVolume, ms, ct);
            }
            log.LogInformation("simulate from {Peer}: {Views} view(s) rendered and sent in {Ms:0} ms", peer, settings.Views.Count, clock.Elapsed.TotalMilliseconds);
        }
        catch (ProtocolException e)
        {
            log.LogWarning("simulate from {Peer} refused ({Code}): {Message}", peer, e.Code, e.Message);
            throw e.ToRpc();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            log.LogWarning("simulate from {Peer} refused: {Message}", peer, e.Status.Detail);
            throw;
        }
        catch (Exception e) when (UnparsableMessage.In(e) is { } unparsable)
        {
            var refusal = UnparsableMessage.Refusal("simulate", nameof(SimulateRequest), upload.Messages, unparsable);
            log.LogWarning("simulate from {Peer} refused ({Code}): {Message}", peer, refusal.StatusCode, refusal.Status.Detail);
            throw refusal;
        }
        catch (Exception e) when (ClientDeparture.Explains(e, ct))
        {
            bool stopping = lifetime.ApplicationStopping.IsCancellationRequested;
            log.LogWarning("simulate from {Peer} {What} after {Ms:0} ms: {Message}", peer, stopping ? "cancelled by shutdown" : "cancelled or abandoned by the client",
                           clock.Elapsed.TotalMilliseconds, e.Message);
            throw new RpcException(new Status(StatusCode.Cancelled, stopping ? "the daemon is shutting down" : "the simulation was cancelled by the client"));
        }
        catch (ArgumentException e)
        {
            // Core/Xray refusing a view or volume it cannot render (e.g. a detector too large to render).
            log.LogWarning("simulate from {Peer} failed: {Message}", peer, e.Message);
            throw new RpcException(new Status(StatusCode.InvalidArgument, "simulate: " + e.Message));
        }
        finally
        {
            // A view still rendering keeps its slot (its CPU and memory are still in use) until it is done.
            if (slot != null)
            {
                if (rendering is { IsCompleted: false } r) _ = r.ContinueWith(_ => slot.Dispose(), TaskScheduler.Default);
                else slot.Dispose();
            }
            // The CT, its chunks and the rendered images are garbage now (a view still rendering is counted all the same).
            reclaimer.Released(upload.ChunkBytes + upload.VolumeBytes);
        }
    }

    static async Task Send(IServerStreamWriter<SimulateReply> responses, int viewIndex, string name, Volume volume, double ms, CancellationToken ct)
    {
        var image = new RenderedImage { ViewIndex = viewIndex, Name = name, Header = WireConvert.Header(volume), Milliseconds = ms };
        // WaitAsync: a write waiting for the client's flow-control window was seen to outlive a cancel by up to ~0.9 s.
        await ChunkedTransfer.SendAsync(m => responses.WriteAsync(m, ct).WaitAsync(ct), new SimulateReply { Image = image },
                                        ChunkedTransfer.Chunks(WireConvert.Payload(volume)).ToAsyncEnumerable(),
                                        c => new SimulateReply { Chunk = c }, e => new SimulateReply { End = e }, $"simulated {name} of view {viewIndex}");
    }
}
