using System.Globalization;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Ablation;
using SlicerReg.Plotting;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg reproduce EXPERIMENT`: re-runs one of the paper's experiments end to end and writes its table. Experiments:
/// <c>ablations</c> (paper Table 2, <see cref="AblationStudy"/>; docs/training.md "Ablations (paper Table 2)"). Re-running
/// the same command resumes; Ctrl-C stops after a checkpoint.
/// </summary>
public sealed class ReproduceCommand : ICommand
{
    public const string Ablations = "ablations";

    public string Name => "reproduce";
    public string Summary => "re-run a paper experiment end to end: ablations (Table 2: the full network and its four ablations, equal budgets)";
    public string Usage => "slicerreg reproduce ablations --out DIR [--preset tiny|standard|paper] [--train-count 60] [--validation-count 10] [--test-count 20]\n" +
                           "             [--views orthogonal|generalised|mixed] [--seed 1] [--epochs 10] [--lr 3e-4] [--ncc-window 0] [--device cpu|cuda] [--quiet]";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "quiet" };

    public int Run(Arguments args, TextWriter stdout)
    {
        if (args.Positional.Count == 0) throw new UsageException($"which experiment? (expected: {Ablations})");
        if (args.Positional[0] != Ablations) throw new UsageException($"unknown experiment '{args.Positional[0]}' (expected: {Ablations})");
        if (args.Positional.Count > 1) throw new UsageException($"reproduce {Ablations} takes no further positional arguments (got '{args.Positional[1]}')");
        var defaults = new AblationOptions { OutputFolder = "." };
        string outDir = args.Option("out") ?? throw new UsageException("--out DIR is required");
        string preset = args.Option("preset") ?? defaults.Preset;
        int train = Int(args.Option("train-count"), "train-count", 1, defaults.TrainCount);
        int validation = Int(args.Option("validation-count"), "validation-count", 1, defaults.ValidationCount);
        int test = Int(args.Option("test-count"), "test-count", 1, defaults.TestCount);
        string views = args.Option("views") ?? DatasetViews.Name(defaults.Views);
        int seed = Int(args.Option("seed"), "seed", 0, defaults.Seed);
        int epochs = Int(args.Option("epochs"), "epochs", 1, defaults.Epochs);
        string? lrText = args.Option("lr"), nccText = args.Option("ncc-window");
        string device = args.Option("device") ?? defaults.Device;
        bool quiet = args.Flag("quiet");
        args.RejectUnknown();
        double lr = lrText is null ? defaults.LearningRate
                    : double.TryParse(lrText, NumberStyles.Float, CultureInfo.InvariantCulture, out double l) && l > 0 && double.IsFinite(l) ? l
                    : throw new UsageException($"--lr '{lrText}': expected a positive number");
        int ncc = nccText is null ? defaults.NccWindow
                  : int.TryParse(nccText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) && (w == 0 || (w > 0 && w % 2 == 1 && w <= 31)) ? w
                  : throw new UsageException($"--ncc-window '{nccText}': expected 0 (global NCC) or an odd window ≤ 31 voxels");
        AblationOptions options;
        try
        {
            options = new AblationOptions
            {
                OutputFolder = outDir, Preset = NetworkPreset.Named(preset).Name, TrainCount = train, ValidationCount = validation, TestCount = test,
                Views = DatasetViews.ParseMode(views), Seed = seed, Epochs = epochs, LearningRate = lr, NccWindow = ncc, Device = device,
                Command = new[] { "slicerreg" }.Concat(Environment.GetCommandLineArgs().Skip(1)).ToArray(),
            }.Validate();
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, ev) => { ev.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        var bar = new ProgressBar("steps", quiet);
        try
        {
            // One line per event on stderr whatever the terminal (the step bar only on one).
            var results = AblationStudy.Run(options, message => bar.Message($"slicerreg reproduce: {message}"), (variant, p) =>
            {
                if (p.ValidationDice is null)
                    bar.Report(p.Epoch * p.StepsPerEpoch + p.StepInEpoch, p.Epochs * p.StepsPerEpoch,
                               string.Create(CultureInfo.InvariantCulture, $"{variant.Name} epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:F5}"));
            }, cancel.Token);
            foreach (var r in results)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.Variant.Name,-30} Dice {r.Dice.Mean:F4} ± {r.Dice.StandardDeviation:F4}  ASSD {r.AssdMm.Mean:F2} ± {r.AssdMm.StandardDeviation:F2} mm  HD95 {r.Hd95Mm.Mean:F2} ± {r.Hd95Mm.StandardDeviation:F2} mm"));
            stdout.WriteLine($"wrote {Path.Combine(outDir, AblationTable.MarkdownFileName)} and {Path.Combine(outDir, AblationTable.CsvFileName)}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("slicerreg reproduce: interrupted; checkpoint written (run the same command again to continue)");
            return 1;
        }
        finally { Console.CancelKeyPress -= onCancel; }
    }

    static int Int(string? text, string name, int min, int fallback)
        => text is null ? fallback
           : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min ? v
           : throw new UsageException($"--{name} '{text}': expected an integer ≥ {min}");
}
