using System.Globalization;
using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg drr`: renders a DRR of a CT (HU) for a view and writes it as a radiograph volume placed on the detector,
/// with its calibration in the metadata (docs/geometry.md); optionally projects a label map into a mask.
/// With --server the same rendering runs on a daemon (its Simulation service, docs/daemon.md): the CT is uploaded, the
/// DRR streamed back, and the same files written.
/// </summary>
public sealed class DrrCommand : ICommand
{
    public string Name => "drr";
    public string Summary => "render a digitally reconstructed radiograph (and a projected label mask) of a CT";
    public string Usage => "slicerreg drr --ct CT --view VIEW.json|ap|lateral --out DRR.nrrd [--label LABELMAP --mask-out MASK.nrrd [--label-value N]]\n" +
                           "             [--mode exact|uniform] [--step MM] [--output line-integral|intensity] [--i0 I0] [--mu-water PER_MM]\n" +
                           "             [--noise PHOTONS] [--seed S] [--threads N] [" + DaemonArguments.Usage + "]\n" +
                           "             --server renders on a running daemon (slicerreg serve) instead of here.";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string>(DaemonArguments.Flags);

    public int Run(Arguments args, TextWriter stdout)
    {
        string ct = Require(args, "ct"), viewArg = Require(args, "view"), output = Require(args, "out");
        string? label = args.Option("label");
        if (args.Positional.Count > 0) throw new UsageException($"drr takes no positional arguments (got '{args.Positional[0]}')");
        string? maskOut = args.Option("mask-out");
        var server = DaemonArguments.Read(args);
        int? labelValue = OptionalInt(args, "label-value");
        var options = new DrrOptions
        {
            Mode = args.Option("mode") switch
            {
                null or "exact" => DrrMode.Exact,
                "uniform" => DrrMode.Uniform,
                var m => throw new UsageException($"--mode '{m}': expected exact or uniform"),
            },
            Output = args.Option("output") switch
            {
                null or "line-integral" => DrrOutput.LineIntegral,
                "intensity" => DrrOutput.Intensity,
                var o => throw new UsageException($"--output '{o}': expected line-integral or intensity"),
            },
            StepMm = OptionalPositive(args, "step"),
            I0 = OptionalPositive(args, "i0") ?? 1,
            Attenuation = AttenuationModel.FromHounsfield(OptionalPositive(args, "mu-water") ?? AttenuationModel.DefaultMuWaterPerMm),
            NoisePhotons = OptionalPositive(args, "noise"),
            Seed = OptionalInt(args, "seed") ?? 0,
            Threads = OptionalInt(args, "threads"),
        };
        args.RejectUnknown();
        if ((label == null) != (maskOut == null)) throw new UsageException("--label and --mask-out go together");
        if (labelValue != null && label == null) throw new UsageException("--label-value needs --label");
        if (options.Threads is < 1) throw new UsageException("--threads must be at least 1");
        if (server != null && options.Threads != null) throw new UsageException("--threads applies to local rendering; the daemon chooses its own threads");
        if (options.StepMm != null && options.Mode != DrrMode.Uniform) throw new UsageException("--step applies to --mode uniform only");
        if (maskOut != null && Path.GetFullPath(maskOut) == Path.GetFullPath(output)) throw new UsageException("--mask-out and --out name the same file");
        if (VolumeFile.FormatFor(output) is NiftiFormat) // unknown output type: fails here, before the work
            Console.Error.WriteLine($"slicerreg drr: warning: NIfTI stores no metadata, so {output} will not carry its view; use .nrrd or .mha to keep the calibration");
        if (maskOut != null) VolumeFile.FormatFor(maskOut);

        var view = ViewFile.Load(viewArg);
        var volume = VolumeFile.Read(ct);
        if (volume.Components != 1) throw new ImageFormatException(ct, $"a CT has one component per voxel, this file has {volume.Components}");
        var labels = label is null ? null : VolumeFile.Read(label);
        if (labels != null && labels.Components != 1) throw new ImageFormatException(label!, $"a label map has one component per voxel, this file has {labels.Components}");
        var (image, maskImage, ms) = server is null ? RenderHere(volume, labels, view, options, labelValue) : RenderOnDaemon(server, volume, labels, view, options, labelValue);
        Volume? mask = null;
        if (maskImage != null)
        {
            if (maskImage.Pixels.All(p => p == 0)) stdout.WriteLine($"warning: no ray of the view crosses {(labelValue is { } lv ? $"label {lv}" : "any label")} in {label}");
            mask = new Radiograph(maskImage, view).ToVolume().ConvertTo(VoxelType.UInt8, VolumeKind.LabelMap);
        }
        var drr = new Radiograph(image, view).ToVolume();
        drr.Metadata["slicerreg_drr"] = $"mode={options.Mode.ToString().ToLowerInvariant()} output={(options.Output == DrrOutput.Intensity ? "intensity" : "line-integral")} " +
                                        $"mu_water={options.Attenuation.Intercept.ToString("R", CultureInfo.InvariantCulture)}/mm" +
                                        (options.NoisePhotons is { } n ? $" photons={n.ToString("R", CultureInfo.InvariantCulture)} seed={options.Seed}" : "");
        VolumeFile.Write(drr, output);
        if (mask != null) VolumeFile.Write(mask, maskOut!);
        stdout.WriteLine($"wrote {output} ({view.Columns}×{view.Rows}, {options.Mode.ToString().ToLowerInvariant()}, {ms:F1} ms{(server != null ? " on the daemon" : "")}){(mask != null ? $" and {maskOut}" : "")}");
        return 0;
    }

    static (Image2D Drr, Image2D? Mask, double Ms) RenderHere(Volume ct, Volume? labels, CalibratedView view, DrrOptions options, int? labelValue)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var image = DrrRenderer.Render(ct, view, options);
        double ms = started.Elapsed.TotalMilliseconds;
        return (image, labels is null ? null : LabelProjector.Project(labels, view, labelValue, threads: options.Threads), ms);
    }

    /// <summary>The same rendering on a daemon (Simulation.RenderDrr); its status and message become this command's error.</summary>
    static (Image2D Drr, Image2D? Mask, double Ms) RenderOnDaemon(DaemonEndpoint server, Volume ct, Volume? labels, CalibratedView view, DrrOptions options, int? labelValue)
    {
        using var client = SimulationClient.Connect(server);
        try
        {
            var r = client.RenderDrrAsync(ct, new[] { view }, options, labels, labelValue).GetAwaiter().GetResult()[0];
            return (SimulationClient.Pixels(r.Drr, view), r.Mask is null ? null : SimulationClient.Pixels(r.Mask, view), r.DaemonMilliseconds);
        }
        catch (RpcException e) { throw new InvalidOperationException(DaemonFailure.Describe(e, server), e); }
        catch (ProtocolException e) { throw new InvalidOperationException($"from the daemon at {server.Address}: {e.Message}", e); }
    }

    static string Require(Arguments args, string name)
        => args.Option(name) ?? throw new UsageException($"--{name} is required");

    static double? OptionalPositive(Arguments args, string name)
    {
        var s = args.Option(name);
        if (s == null) return null;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v > 0) || !double.IsFinite(v))
            throw new UsageException($"--{name} '{s}': expected a positive number");
        return v;
    }

    static int? OptionalInt(Arguments args, string name)
    {
        var s = args.Option(name);
        if (s == null) return null;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) throw new UsageException($"--{name} '{s}': expected an integer");
        return v;
    }
}
