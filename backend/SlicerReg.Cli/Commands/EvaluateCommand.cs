using SlicerReg.Plotting;
using System.Globalization;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg evaluate`: registers every subject of a dataset split with a model and writes per-case metrics for the
/// unregistered atlas, the affine module and the full network, their summary and plots (docs/training.md).
/// </summary>
public sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";
    public string Summary => "score a trained model on a dataset split against the CT ground truth (Dice, Jaccard, ASSD, HD95, SSIM)";
    public string Usage => "slicerreg evaluate --data DIR --model MODEL --out DIR [--split test] [--methods identity,affine,full]\n" +
                           "             [--atlas CT [--atlas-label LABEL]] [--device cpu|cuda] [--quiet]";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "quiet" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string data = args.Option("data") ?? throw new UsageException("--data DIR is required");
        string model = args.Option("model") ?? throw new UsageException("--model MODEL is required");
        string outDir = args.Option("out") ?? throw new UsageException("--out DIR is required");
        string split = args.Option("split") ?? "test";
        string methodsText = args.Option("methods") ?? string.Join(",", DatasetEvaluator.Methods);
        string? atlas = args.Option("atlas"), atlasLabel = args.Option("atlas-label");
        string device = args.Option("device") ?? "cpu";
        bool quiet = args.Flag("quiet");
        args.RejectUnknown();
        if (args.Positional.Count != 0) throw new UsageException($"evaluate takes no positional arguments (got '{args.Positional[0]}')");
        if (!DatasetSplit.Names.Contains(split)) throw new UsageException($"--split '{split}': expected {string.Join(", ", DatasetSplit.Names)}");
        var methods = methodsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (methods.Length == 0) throw new UsageException("--methods is empty");
        foreach (var m in methods)
            if (!DatasetEvaluator.Methods.Contains(m)) throw new UsageException($"--methods: unknown method '{m}' (expected {string.Join(", ", DatasetEvaluator.Methods)})");
        if (atlasLabel is not null && atlas is null) throw new UsageException("--atlas-label needs --atlas");
        if (atlas is not null) atlasLabel ??= TrainCommand.LabelBeside(atlas);

        var manifest = DatasetManifest.Read(data);
        using var registrar = Registrar.Load(model, device, atlas, atlasLabel);
        var bar = new ProgressBar("cases", quiet);
        var cases = DatasetEvaluator.Run(manifest, registrar, split, methods, (done, total, _) => bar.Report(done, total));
        Directory.CreateDirectory(outDir);
        var written = EvaluationReport.Write(outDir, cases);
        foreach (var m in methods)
        {
            var dice = MetricSummary.Of(cases.Where(c => c.Method == m).Select(c => c.Metrics.Dice));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m,-9} Dice {dice.Mean:F4} ± {dice.StandardDeviation:F4} (median {dice.Median:F4}, n = {dice.Count})"));
        }
        stdout.WriteLine($"wrote {string.Join(", ", written.Select(Path.GetFileName))} to {outDir}");
        return 0;
    }
}
