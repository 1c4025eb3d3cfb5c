using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Registration;
using SlicerReg.Core.Xray;
using SlicerReg.Core.IO;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;
using SlicerReg.Engine.Refinement;
using SlicerReg.Server.Services;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg register --server ADDR --model NAME`: the same verb on a running daemon (docs/daemon.md). Uploads the pair,
/// prints the job's progress, rebuilds the <see cref="RegistrationResult"/> from what it fetches (the volumes, the affine
/// as the engine gave it, patient → atlas; the projected femur from the overlay_* label maps) and writes it with
/// <see cref="RegistrationFiles"/>, as local `register` does: both ways give the same files, byte for byte, for the same model.
/// </summary>
public static class RemoteRegistration
{
    public static IReadOnlyList<string> Run(DaemonEndpoint daemon, string model, (Radiograph Image, IReadOnlyDictionary<string, string> Metadata) ap,
        (Radiograph Image, IReadOnlyDictionary<string, string> Metadata) lateral, RegistrationInputs inputs, string outDir, TextWriter stdout)
    {
        string server = daemon.Address;
        try
        {
            using var client = RegistrationClient.Connect(daemon);
            var reply = client.CheckDaemonAsync().GetAwaiter().GetResult();
            var header = RegistrationInputsWire.ToHeader(model, inputs);
            // Prepared here as the daemon prepares them (the same code, cheap): bad inputs fail before the upload, and the
            // overlays are drawn on the radiographs `register` draws them on (line integrals, masked).
            var prepared = PreparedPair.Prepare(ap.Image, ap.Metadata, "AP radiograph", lateral.Image, lateral.Metadata, "lateral radiograph", inputs, _ => { });
            // A daemon before revision 5 would ignore the new fields: refused unless the request is what revision 4 could say.
            if (!IsRevision4Request(inputs)) ProtocolRevision.CheckFeatures(reply, server, "--refine, --output-grid paper, --radiograph-kind, --i0, masks, --head and --side");
            string job = client.SubmitAsync(header, new RadiographUpload(ap.Image, ap.Metadata, inputs.ApMask), new RadiographUpload(lateral.Image, lateral.Metadata, inputs.LateralMask))
                               .GetAwaiter().GetResult().JobId;
            ResultSummary? summary = null;
            foreach (var e in client.WatchAsync(job).ToBlockingEnumerable())
            {
                if (e.EventCase == JobEvent.EventOneofCase.Progress) stdout.WriteLine($"[{e.Progress.Fraction * 100,5:0.0}%] {e.Progress.Stage}: {e.Progress.Message}");
                else if (e.EventCase == JobEvent.EventOneofCase.Result) summary = e.Result;
                else if (e.EventCase == JobEvent.EventOneofCase.Error) throw new IOException($"daemon {server}: job {job} {e.State.ToString().ToLowerInvariant()}: {e.Error.Message}");
            }
            if (summary is null) throw new IOException($"daemon {server}: job {job}: the watch ended without a result");
            if (summary.AffineCoordinateSystem != Protocol.V1.CoordinateSystem.Ras || summary.AffinePatientToAtlas.Count != 16)
                throw new IOException($"daemon {server}: job {job}: expected a RAS 4×4 affine_patient_to_atlas, got {summary.AffinePatientToAtlas.Count} numbers in " +
                                      $"{summary.AffineCoordinateSystem} (a daemon older than protocol revision 4 sends none: update it)");
            var names = summary.Results.Select(r => r.Name).ToHashSet();
            Volume Fetch(string name) => names.Contains(name) ? client.FetchAsync(job, name).GetAwaiter().GetResult()
                : throw new IOException($"daemon {server}: model '{model}' produces no '{name}' (it produced: {string.Join(", ", names)}); is it a network model?");
            var result = new RegistrationResult
            {
                WarpedAtlas = Fetch(ResultNames.WarpedAtlas), WarpedLabel = Fetch(ResultNames.WarpedLabels), Displacement = Fetch(ResultNames.DisplacementField),
                AffinePatientToAtlas = Mat4.FromRowMajor(summary.AffinePatientToAtlas.ToArray()),
                Ap = prepared.Ap.Radiograph, Lateral = prepared.Lateral.Radiograph,
                ApProjectedLabel = RegistrationResult.ProjectedLabel(Fetch(ResultNames.OverlayAp)),
                LateralProjectedLabel = RegistrationResult.ProjectedLabel(Fetch(ResultNames.OverlayLateral)),
                Message = summary.Message,
            };
            var written = RegistrationFiles.Write(outDir, result).ToList();
            if (summary.PlacementJson.Length > 0) written.Add(PreparedPair.WriteReport(outDir, summary.PlacementJson));
            if (summary.Refinement is { } refinement)
            {
                stdout.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"refined in {refinement.Seconds:F1} s ({refinement.PoseSteps} pose + {refinement.DeformationSteps} deformation steps): image NCC {refinement.NccBefore:F4} → {refinement.NccAfter:F4}"));
                written.AddRange(WriteText(outDir, RefinedRegistration.ReportFile, refinement.Json));
                if (refinement.CorrectedLateralViewJson.Length > 0) written.AddRange(WriteText(outDir, RefinedRegistration.CorrectedLateralViewFile, refinement.CorrectedLateralViewJson));
            }
            stdout.WriteLine($"job {job} on {server}: {summary.Message} ({summary.Seconds:0.00} s)");
            return written;
        }
        catch (RpcException e) { throw new IOException(DaemonFailure.Describe(e, daemon), e); }
        catch (ProtocolException e) { throw new IOException($"daemon {server}: {e.Message}", e); }
    }

    /// <summary>Whether a daemon before revision 5 would run <paramref name="inputs"/> as asked (model grid, nothing else).</summary>
    static bool IsRevision4Request(RegistrationInputs inputs)
        => !inputs.Refine && inputs.Kind != RadiographKind.Intensity && inputs.ApI0 is null && inputs.LateralI0 is null && inputs.ApMask is null
           && inputs.Head is null && !inputs.Left && inputs.OutputGrid == OutputGrid.Model;

    static string[] WriteText(string folder, string name, string text)
    {
        string path = Path.Combine(folder, name);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        AtomicFile.Write(path, s => s.Write(bytes));
        return new[] { path };
    }
}
