using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Protocol.V1;
using ResultNames = SlicerReg.Server.Domain.ResultNames;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg register --server ADDR --model NAME`: the same verb on a running daemon (docs/daemon.md). Uploads the pair,
/// prints the job's progress, and writes the files local `register` writes (<see cref="RegistrationFiles"/>) from the
/// daemon's results: the volumes as fetched, affine.tfm from the result's affine (inverted back to the pull-back T), the
/// overlay PNGs drawn from the overlay_* masks over the radiographs given — so both ways give the same files for the same
/// model (affine.tfm equal to rounding: T is inverted twice).
/// </summary>
public static class RemoteRegistration
{
    public static IReadOnlyList<string> Run(DaemonEndpoint daemon, string model, Radiograph ap, Radiograph lateral, string outDir, TextWriter stdout)
    {
        string server = daemon.Address;
        try
        {
            using var client = RegistrationClient.Connect(daemon);
            client.CheckDaemonAsync().GetAwaiter().GetResult();
            string job = client.SubmitAsync(new ViewImage(ap.Image, ap.View), new ViewImage(lateral.Image, lateral.View), model).GetAwaiter().GetResult().JobId;
            ResultSummary? summary = null;
            foreach (var e in client.WatchAsync(job).ToBlockingEnumerable())
            {
                if (e.EventCase == JobEvent.EventOneofCase.Progress) stdout.WriteLine($"[{e.Progress.Fraction * 100,5:0.0}%] {e.Progress.Stage}: {e.Progress.Message}");
                else if (e.EventCase == JobEvent.EventOneofCase.Result) summary = e.Result;
                else if (e.EventCase == JobEvent.EventOneofCase.Error) throw new IOException($"daemon {server}: job {job} {e.State.ToString().ToLowerInvariant()}: {e.Error.Message}");
            }
            if (summary is null) throw new IOException($"daemon {server}: job {job}: the watch ended without a result");
            if (summary.AffineCoordinateSystem != Protocol.V1.CoordinateSystem.Ras || summary.Affine.Count != 16)
                throw new IOException($"daemon {server}: job {job}: expected a RAS 4×4 affine, got {summary.Affine.Count} numbers in {summary.AffineCoordinateSystem}");
            var names = summary.Results.Select(r => r.Name).ToHashSet();
            Volume Fetch(string name) => names.Contains(name) ? client.FetchAsync(job, name).GetAwaiter().GetResult()
                : throw new IOException($"daemon {server}: model '{model}' produces no '{name}' (it produced: {string.Join(", ", names)}); is it a network model?");
            Directory.CreateDirectory(outDir);
            var written = new List<string>();
            string P(string file) { var p = Path.Combine(outDir, file); written.Add(p); return p; }
            VolumeFile.Write(Fetch(ResultNames.WarpedAtlas), P(RegistrationFiles.WarpedAtlas));
            VolumeFile.Write(Fetch(ResultNames.WarpedLabels), P(RegistrationFiles.WarpedLabel));
            VolumeFile.Write(Fetch(ResultNames.DisplacementField), P(RegistrationFiles.Displacement));
            // The protocol's affine is atlas → patient; affine.tfm holds the pull-back T (its inverse), as `register` writes it.
            ItkTransformFile.Write(P(RegistrationFiles.Affine), Mat4.FromRowMajor(summary.Affine.ToArray()).Inverse());
            RegistrationFiles.WriteOverlay(P(RegistrationFiles.OverlayAp), ap.Image, Mask(Fetch(ResultNames.OverlayAp)), "AP");
            RegistrationFiles.WriteOverlay(P(RegistrationFiles.OverlayLateral), lateral.Image, Mask(Fetch(ResultNames.OverlayLateral)), "lateral");
            stdout.WriteLine($"job {job} on {server}: {summary.Message} ({summary.Seconds:0.00} s)");
            return written;
        }
        catch (RpcException e) { throw new IOException(DaemonFailure.Describe(e, daemon), e); }
        catch (ProtocolException e) { throw new IOException($"daemon {server}: {e.Message}", e); }
    }

    /// <summary>An overlay_* label map (on the detector grid, row-major, column fastest) as the 0/1 image the overlay is drawn from.</summary>
    static Image2D Mask(Volume overlay)
    {
        var s = overlay.Size;
        var pixels = new float[overlay.VoxelCount];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)overlay.GetElement(n);
        return new Image2D(s.I, s.J, overlay.Geometry.Spacing.X, overlay.Geometry.Spacing.Y, pixels);
    }
}
