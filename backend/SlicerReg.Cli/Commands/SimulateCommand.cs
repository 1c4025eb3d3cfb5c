using SlicerReg.Plotting;
using System.Diagnostics;
using System.Globalization;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg simulate`: a synthetic DRR dataset as the paper's (docs/population.md): phantom subjects (or imported CTs
/// with --from-ct), their DRRs, projected femur masks and masked DRRs for orthogonal or generalised views, and a
/// train/validation/test manifest. Exit 0 when every subject was made, 1 when any failed (each failure is reported with
/// its file and listed in the manifest; the others are still written).
/// </summary>
public sealed class SimulateCommand : ICommand
{
    public string Name => "simulate";
    public string Summary => "simulate a DRR dataset of random phantom subjects (or imported CTs): CT, label, DRRs, masks, split manifest";
    public string Usage => "slicerreg simulate --out DIR --count N --seed S --views orthogonal|generalised|mixed [--preset paper|standard|tiny]\n" +
                           "             [--split 0.8,0.1,0.1] [--from-ct DIR [--side auto|left|right]] [--deformation MM] [--pose-range DEG]\n" +
                           "             [--left-fraction F] [--no-intensity-variation] [--quiet] [--realistic [--dose PHOTONS_PER_PIXEL]]\n" +
                           "             [--calibration-error DEG[,MM]] [--truth-grid model|paper]   (docs/refinement.md)";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "quiet", "no-intensity-variation", "realistic" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string outDir = args.Option("out") ?? throw new UsageException("--out DIR is required");
        string? fromCt = args.Option("from-ct");
        string? countText = args.Option("count");
        int seed = Int(args.Option("seed") ?? throw new UsageException("--seed S is required"), "seed", 0);
        string viewsText = args.Option("views") ?? throw new UsageException("--views orthogonal|generalised|mixed is required");
        string preset = args.Option("preset") ?? "paper";
        string split = args.Option("split") ?? "0.8,0.1,0.1";
        string? sideText = args.Option("side");
        string? deformation = args.Option("deformation"), poseRange = args.Option("pose-range"), leftFraction = args.Option("left-fraction");
        bool quiet = args.Flag("quiet"), noIntensity = args.Flag("no-intensity-variation");
        var realistic = RealisticArguments.Parse(args);
        string? calibrationError = args.Option("calibration-error"), truthGrid = args.Option("truth-grid");
        args.RejectUnknown();
        if (args.Positional.Count != 0) throw new UsageException($"simulate takes no positional arguments (got '{args.Positional[0]}')");
        if (fromCt is null && countText is null) throw new UsageException("--count N is required (or --from-ct DIR)");
        if (fromCt is not null && countText is not null) throw new UsageException("--count and --from-ct exclude each other (the CT folder sets the count)");
        if (fromCt is null && sideText is not null) throw new UsageException("--side applies to --from-ct only");
        int count = countText is null ? 0 : Int(countText, "count", 1);

        DatasetOptions options;
        try
        {
            var subjects = new SubjectOptions
            {
                Preset = NetworkPreset.Named(preset),
                DeformationAmplitudeMm = deformation is null ? 3 : Number(deformation, "deformation"),
                PoseRangeDeg = poseRange is null ? PoseVariation.PaperRangeDeg : Number(poseRange, "pose-range"),
                LeftFraction = leftFraction is null ? 0.5 : Number(leftFraction, "left-fraction"),
                IntensityVariation = !noIntensity,
            };
            subjects.Validate();
            options = new DatasetOptions
            {
                OutputFolder = outDir, Count = count, Seed = seed, Views = DatasetViews.ParseMode(viewsText), Subjects = subjects,
                SplitFractions = DatasetSplit.Parse(split), FromCtFolder = fromCt, Realistic = realistic,
                Side = sideText switch
                {
                    null or "auto" => null,
                    "left" => FemurSide.Left,
                    "right" => FemurSide.Right,
                    _ => throw new ArgumentException($"--side '{sideText}': expected auto, left or right"),
                },
                CalibrationError = calibrationError is null ? null : CalibrationError.Parse(calibrationError),
                TruthGrid = truthGrid switch
                {
                    null or "model" => null,
                    "paper" => NetworkPreset.Paper,
                    _ => throw new ArgumentException($"--truth-grid '{truthGrid}': expected model or paper"),
                },
                Command = new[] { "slicerreg", "simulate" }.Concat(Environment.GetCommandLineArgs().Skip(2)).ToArray(),
            };
        }
        catch (ArgumentException e) { throw new UsageException(e.Message); }

        var bar = new ProgressBar("subjects", quiet);
        var clock = Stopwatch.StartNew();
        var manifest = DatasetSimulator.Run(options, p =>
        {
            if (p.Failure is { } f) bar.Message($"slicerreg simulate: subject {f.Id} failed: {f.File}: {f.Problem}");
            bar.Report(p.Done, p.Total);
        });
        double seconds = clock.Elapsed.TotalSeconds;
        string counts = string.Join(", ", DatasetSplit.Names.Select(n => $"{manifest.Subjects.Count(s => s.Split == n)} {n}"));
        stdout.WriteLine(
            $"wrote {manifest.Subjects.Count} subjects ({counts}) " +
            $"to {outDir} in {seconds.ToString("F1", CultureInfo.InvariantCulture)} s; manifest {Path.Combine(outDir, DatasetManifest.FileName)}" +
            (manifest.Failures.Count > 0 ? $"; {manifest.Failures.Count} failed (see \"failed\" in the manifest)" : ""));
        return manifest.Failures.Count > 0 ? 1 : 0;
    }

    static int Int(string text, string name, int min)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min ? v
           : throw new UsageException($"--{name} '{text}': expected an integer ≥ {min}");

    static double Number(string text, string name)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
           : throw new UsageException($"--{name} '{text}': expected a number");
}
