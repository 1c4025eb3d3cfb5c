using System.Runtime.InteropServices;
using SlicerReg.Engine.Network;
using SlicerReg.Plotting;
using System.Globalization;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Training;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg train`: trains the registration network on a simulated dataset (docs/training.md). Ctrl-C stops after
/// writing a checkpoint; --resume continues it exactly.
/// </summary>
public sealed class TrainCommand : ICommand
{
    public string Name => "train";
    public string Summary => "train the registration network on a dataset made by `slicerreg simulate`";
    public string Usage => "slicerreg train --data DIR --preset paper|standard|tiny --out MODEL [--epochs N] [--resume] [--lr X] [--seed S]\n" +
                           "             [--input masked|unmasked] [--radiographs drr|realistic|mixed] [--ncc-window W] [--atlas CT [--atlas-label LABEL]] [--device cpu|cuda] [--quiet]";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "resume", "quiet" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string data = args.Option("data") ?? throw new UsageException("--data DIR is required");
        string model = args.Option("out") ?? throw new UsageException("--out MODEL is required");
        string? preset = args.Option("preset");
        string? epochsText = args.Option("epochs"), lrText = args.Option("lr"), seedText = args.Option("seed"), input = args.Option("input"),
                radiographs = args.Option("radiographs");
        string? atlas = args.Option("atlas"), atlasLabel = args.Option("atlas-label"), nccText = args.Option("ncc-window");
        string device = args.Option("device") ?? "cpu";
        bool resume = args.Flag("resume"), quiet = args.Flag("quiet");
        args.RejectUnknown();
        if (args.Positional.Count != 0) throw new UsageException($"train takes no positional arguments (got '{args.Positional[0]}')");
        if (!resume && preset is null) throw new UsageException("--preset is required (paper, standard or tiny)");
        if (atlasLabel is not null && atlas is null) throw new UsageException("--atlas-label needs --atlas");
        int epochs = epochsText is null ? 1 : int.TryParse(epochsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int e) && e >= 1 ? e
                     : throw new UsageException($"--epochs '{epochsText}': expected an integer ≥ 1");
        double? lr = lrText is null ? null : double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out double l) && l > 0 && double.IsFinite(l) ? l
                     : throw new UsageException($"--lr '{lrText}': expected a positive number");
        long? seed = seedText is null ? null : long.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s
                     : throw new UsageException($"--seed '{seedText}': expected an integer");
        int? ncc = nccText is null ? null : int.TryParse(nccText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) && (w == 0 || (w > 0 && w % 2 == 1 && w <= 31)) ? w
                   : throw new UsageException($"--ncc-window '{nccText}': expected 0 (global NCC) or an odd window ≤ 31 voxels");
        if (resume && ncc is not null) throw new UsageException("--ncc-window is part of the network configuration; a resumed run keeps the checkpoint's");
        if (input is not (null or NetworkConfig.Masked or NetworkConfig.Unmasked)) throw new UsageException($"--input '{input}': expected masked or unmasked");
        if (radiographs is not null && !DatasetRadiographs.Names.Contains(radiographs))
            throw new UsageException($"--radiographs '{radiographs}': expected {string.Join(", ", DatasetRadiographs.Names)}");

        string? atlasCt = null;
        if (!resume)
        {
            try { _ = NetworkPreset.Named(preset!); }
            catch (ArgumentException ex) { throw new UsageException(ex.Message); }
            if (atlas is null) (atlasCt, atlasLabel) = ShippedAtlas.Find(preset!.ToLowerInvariant());
            else { atlasCt = atlas; atlasLabel ??= LabelBeside(atlas); }
        }
        var options = new TrainingOptions
        {
            DataFolder = data, ModelFolder = model, Preset = preset, Epochs = epochs, LearningRate = lr, Seed = seed, Input = input, Radiographs = radiographs,
            Resume = resume, AtlasCt = atlasCt, AtlasLabel = atlasLabel, Device = device,
            Network = ncc is { } window ? Engine.Network.NetworkConfig.For(NetworkPreset.Named(preset!)) with { NccWindow = window } : null,
        };

        using var cancel = new CancellationTokenSource();
        // Ctrl-C (SIGINT) and SIGTERM (a batch system's or a service manager's stop) both end the run with a checkpoint. SIGTERM
        // also reaches a run started in the background of a non-interactive shell, where SIGINT is ignored from the start.
        using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Checkpoint);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Checkpoint);
        void Checkpoint(PosixSignalContext ctx) { ctx.Cancel = true; cancel.Cancel(); }
        var bar = new ProgressBar("steps", quiet);
        try
        {
            int? first = null; // steps done before this process (a resumed run): left out of the bar so its ETA is this run's pace
            var state = Trainer.Run(options, p =>
            {
                int total = p.Epochs * p.StepsPerEpoch, done = p.Epoch * p.StepsPerEpoch + p.StepInEpoch;
                first ??= done - 1;
                total -= first.Value; done -= first.Value;
                if (p.ValidationDice is { } d)
                    bar.Message(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch + 1}/{p.Epochs}: mean loss {p.Loss:F5}, validation Dice {d:F4}"));
                else
                    bar.Report(done, total, string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:F5}"));
            }, cancel.Token);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {state.EpochsDone} epochs ({state.Step} steps); best validation Dice {state.BestDice:F4} at epoch {state.BestEpoch + 1}; model in {model} (best: {Path.Combine(model, ModelFolder.BestFolder)})"));
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"slicerreg train: interrupted; checkpoint written to {model} (continue with --resume)");
            return 1;
        }
    }

    /// <summary>NAME_label.EXT beside NAME.EXT (the convention of `slicerreg phantom` and `simulate --from-ct`).</summary>
    public static string LabelBeside(string ct)
    {
        string dir = Path.GetDirectoryName(ct) ?? ".", file = Path.GetFileName(ct);
        foreach (var ext in new[] { ".nii.gz", ".nrrd", ".nhdr", ".nii", ".mha", ".mhd" })
            if (file.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
                return Path.Combine(dir, file[..^ext.Length] + "_label" + file[^ext.Length..]);
        throw new UsageException($"--atlas {ct}: unknown extension; give --atlas-label");
    }
}
