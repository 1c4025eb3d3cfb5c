using System.Globalization;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// The refinement and output-grid options `register` and `demo` share (docs/refinement.md): --refine, --refine-pose,
/// --refine-iterations N, --refine-pose-iterations N, --refine-grid standard|paper|tiny, --output-grid model|paper|FILE.
/// `evaluate` shares the settings (<see cref="Settings"/>); its methods say what is refined.
/// </summary>
public sealed record RefineArguments(bool Refine, string Grid, RefinementOptions Options, string? OutputGridChoice)
{
    public const string Usage = "[--refine [--refine-pose] [--refine-iterations N] [--refine-pose-iterations N] [--refine-grid standard|paper|tiny]] [--output-grid model|paper|FILE]";
    public const string SettingsUsage = "[--refine-iterations N] [--refine-pose-iterations N] [--refine-grid standard|paper|tiny]";
    public static readonly IReadOnlySet<string> Flags = new HashSet<string> { "refine", "refine-pose" };

    public static RefineArguments Parse(Arguments args)
    {
        bool refine = args.Flag("refine"), pose = args.Flag("refine-pose");
        string? output = args.Option("output-grid");
        bool given = new[] { "refine-iterations", "refine-pose-iterations", "refine-grid" }.Any(o => args.Option(o) != null);
        if (!refine && (pose || given)) throw new UsageException("--refine-pose, --refine-iterations, --refine-pose-iterations and --refine-grid need --refine");
        var (grid, options) = Settings(args);
        return new RefineArguments(refine, grid, options with { RefinePose = pose }, output);
    }

    /// <summary>The refine grid and the refinement settings: --refine-iterations, --refine-pose-iterations, --refine-grid.</summary>
    public static (string Grid, RefinementOptions Options) Settings(Arguments args)
    {
        var options = new RefinementOptions();
        int? Steps(string name)
        {
            if (args.Option(name) is not { } text) return null;
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 0 && n <= 100000 ? n
                : throw new UsageException($"--{name} '{text}': expected an integer 0 … 100000");
        }
        if (Steps("refine-iterations") is int iterations) options = options with { Iterations = iterations };
        if (Steps("refine-pose-iterations") is int poseIterations) options = options with { PoseIterations = poseIterations };
        string grid = args.Option("refine-grid") ?? "standard";
        if (!RefinedRegistration.Grids.Contains(grid)) throw new UsageException($"--refine-grid '{grid}': expected {string.Join(", ", RefinedRegistration.Grids)}");
        return (grid, options);
    }

    /// <summary>Prints every 10th step and the last one of each stage.</summary>
    public static Action<RefinementProgress> Printer(TextWriter stdout)
        => p => { if (p.Iteration % 10 == 0 || p.Iteration == p.TotalIterations) stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  refine {p.Stage,-11} level {p.Level} step {p.Iteration,4}/{p.TotalIterations}  loss {p.Loss:F5}")); };

    public static void PrintSummary(TextWriter stdout, RefinementResult r)
    {
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"refined in {r.Seconds:F1} s ({r.PoseSteps} pose + {r.DeformationSteps} deformation steps): image NCC {r.InitialNcc:F4} → {r.FinalNcc:F4}"));
        if (r.Poses.Count == 2) stdout.WriteLine($"recovered pose correction, {r.Poses[1]} (AP view: the reference frame)");
    }
}
