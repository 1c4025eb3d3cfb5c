using SlicerReg.Plotting;
using System.Globalization;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Evaluation;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg evaluate`: registers every subject of a dataset split with a model and writes per-case metrics for the
/// unregistered atlas, the affine module, the full network and the test-time refinements, their summary and plots
/// (docs/training.md, docs/refinement.md), from the clean DRRs or the realistic radiographs (--radiographs), the atlas frame placed by the subjects' simulated head clicks
/// or not (--placement); with --calibration-sweep, once per size of lateral-view calibration error.
/// </summary>
public sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";
    public string Summary => "score a trained model on a dataset split against the CT ground truth (Dice, Jaccard, ASSD, HD95, SSIM)";
    public string Usage => "slicerreg evaluate --data DIR --model MODEL --out DIR [--split test] [--methods identity,affine,full,refined,refined-pose]\n" +
                           $"             [--output-grid model|paper] {RefineArguments.SettingsUsage} [--calibration-sweep 0,2,5,10]\n" +
                           "             [--radiographs drr|realistic] [--placement head-clicks|none] [--atlas CT [--atlas-label LABEL]] [--device cpu|cuda] [--quiet]\n" +
                           "             --output-grid: the grid scored on; default paper when the dataset has paper-grid truth (simulate --truth-grid paper), else model\n" +
                           "             --placement: head-clicks places the atlas frame on each subject's simulated head clicks (simulate --realistic) as register --head\n" +
                           "             does and writes placement.csv; none keeps the dataset's frame; default head-clicks with --radiographs realistic, else none";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "quiet" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string data = args.Option("data") ?? throw new UsageException("--data DIR is required");
        string model = args.Option("model") ?? throw new UsageException("--model MODEL is required");
        string outDir = args.Option("out") ?? throw new UsageException("--out DIR is required");
        string split = args.Option("split") ?? "test";
        string methodsText = args.Option("methods") ?? string.Join(",", DatasetEvaluator.DefaultMethods);
        string? atlas = args.Option("atlas"), atlasLabel = args.Option("atlas-label");
        string device = args.Option("device") ?? "cpu";
        string? gridChoice = args.Option("output-grid"), sweepText = args.Option("calibration-sweep");
        string radiographs = args.Option("radiographs") ?? DatasetRadiographs.Drr;
        string? placement = args.Option("placement");
        var (refineGrid, refinement) = RefineArguments.Settings(args);
        bool quiet = args.Flag("quiet");
        args.RejectUnknown();
        if (args.Positional.Count != 0) throw new UsageException($"evaluate takes no positional arguments (got '{args.Positional[0]}')");
        if (!DatasetSplit.Names.Contains(split)) throw new UsageException($"--split '{split}': expected {string.Join(", ", DatasetSplit.Names)}");
        var methods = methodsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (methods.Length == 0) throw new UsageException("--methods is empty");
        foreach (var m in methods)
            if (!DatasetEvaluator.Methods.Contains(m)) throw new UsageException($"--methods: unknown method '{m}' (expected {string.Join(", ", DatasetEvaluator.Methods)})");
        if (gridChoice is not (null or OutputGrid.Model or OutputGrid.Paper)) throw new UsageException($"--output-grid '{gridChoice}': evaluate scores on model or paper (the grids with ground truth)");
        IReadOnlyList<double>? sweep;
        try { sweep = sweepText is null ? null : CalibrationSweep.Parse(sweepText); }
        catch (ArgumentException e) { throw new UsageException($"--calibration-sweep: {e.Message}"); }
        if (radiographs is not (DatasetRadiographs.Drr or DatasetRadiographs.Realistic))
            throw new UsageException($"--radiographs '{radiographs}': evaluate takes {DatasetRadiographs.Drr} or {DatasetRadiographs.Realistic} ({DatasetRadiographs.Mixed} is a training choice)");
        if (placement is not null && !DatasetPlacement.Names.Contains(placement))
            throw new UsageException($"--placement '{placement}': expected {string.Join(", ", DatasetPlacement.Names)}");
        placement ??= DatasetPlacement.Default(radiographs);
        if (atlasLabel is not null && atlas is null) throw new UsageException("--atlas-label needs --atlas");
        if (atlas is not null) atlasLabel ??= TrainCommand.LabelBeside(atlas);

        // atlas/paper/ is the shipped atlas at paper resolution: another atlas has no paper-grid twin to warp.
        if (atlas is not null && gridChoice == OutputGrid.Paper) throw new UsageException("--output-grid paper warps the shipped paper atlas; with --atlas score on the model grid");
        if (atlas is not null && methods.Any(m => m is DatasetEvaluator.Refined or DatasetEvaluator.RefinedPose))
            throw new UsageException("the refined methods refine the shipped atlas of the refine grid, not --atlas");

        var manifest = DatasetManifest.Read(data);
        DatasetPlacement.Require(placement, manifest, manifest.Split(split)); // before anything is written
        // Default: the paper grid, as register writes its results, where the dataset has the truth to score it.
        bool paperTruth = manifest.Split(split).All(s => s.PaperLabel is not null);
        string scoreGrid = gridChoice ?? (paperTruth && atlas is null ? OutputGrid.Paper : OutputGrid.Model);
        if (gridChoice is null && scoreGrid == OutputGrid.Model)
            stdout.WriteLine(atlas is not null ? "scoring on the model's grid (--atlas has no paper-grid twin)"
                             : "scoring on the model's grid: the dataset has no ground truth on the paper grid (simulate --truth-grid paper writes it)");
        using var registrar = Registrar.Load(model, device, atlas, atlasLabel);
        var options = new EvaluationOptions { Split = split, Methods = methods, ScoreGrid = scoreGrid, RefineGrid = refineGrid, Refinement = refinement, Device = device,
                                           Radiographs = radiographs, Placement = placement };
        var bar = new ProgressBar("cases", quiet);
        Directory.CreateDirectory(outDir);
        IReadOnlyList<string> written;
        if (sweep is null)
        {
            var evaluation = DatasetEvaluator.Run(manifest, registrar, options, (done, total, _) => bar.Report(done, total));
            written = evaluation.Write(outDir);
            PrintDice(stdout, methods, evaluation, "");
            if (evaluation.Placements.Count > 0) stdout.WriteLine(PlacementRecord.Summary(evaluation.Placements));
        }
        else
        {
            var levels = CalibrationSweep.Run(manifest, registrar, options, sweep, (done, total, _) => bar.Report(done, total));
            written = CalibrationSweep.Write(outDir, levels);
            foreach (var level in levels)
            {
                string prefix = string.Create(CultureInfo.InvariantCulture, $"{level.ErrorDeg,4:0.#}° ");
                PrintDice(stdout, methods, level.Evaluation, prefix);
                if (level.Evaluation.Placements.Count > 0) stdout.WriteLine(prefix + PlacementRecord.Summary(level.Evaluation.Placements));
            }
        }
        string from = (radiographs == DatasetRadiographs.Realistic ? ", from the realistic radiographs with the drawn masks" : "")
                      + (placement == DatasetPlacement.HeadClicks ? ", placed by the head clicks" : "");
        stdout.WriteLine($"scored on the {scoreGrid} grid{from}; wrote {string.Join(", ", written.Select(f => Path.GetRelativePath(outDir, f)))} to {outDir}");
        return 0;
    }

    static void PrintDice(TextWriter stdout, IEnumerable<string> methods, DatasetEvaluation evaluation, string prefix)
    {
        foreach (var m in methods)
        {
            var dice = MetricSummary.Of(evaluation.Cases.Where(c => c.Method == m).Select(c => c.Metrics.Dice));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{prefix}{m,-12} Dice {dice.Mean:F4} ± {dice.StandardDeviation:F4} (median {dice.Median:F4}, n = {dice.Count})"));
        }
        foreach (var r in evaluation.Refinements) stdout.WriteLine($"{prefix}  {r}");
    }
}
