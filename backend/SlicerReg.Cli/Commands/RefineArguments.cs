using System.Globalization;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// The refinement and output-grid options `register` and `demo` share (docs/refinement.md): --refine, --refine-pose,
/// --refine-iterations N, --refine-grid standard|paper|tiny, --output-grid model|paper|FILE.
/// </summary>
public sealed record RefineArguments(bool Refine, string Grid, RefinementOptions Options, string? OutputGridChoice)
{
    public const string Usage = "[--refine [--refine-pose] [--refine-iterations N] [--refine-grid standard|paper|tiny]] [--output-grid model|paper|FILE]";
    public static readonly IReadOnlySet<string> Flags = new HashSet<string> { "refine", "refine-pose" };

    public static RefineArguments Parse(Arguments args)
    {
        bool refine = args.Flag("refine"), pose = args.Flag("refine-pose");
        string? iterations = args.Option("refine-iterations"), grid = args.Option("refine-grid"), output = args.Option("output-grid");
        if (!refine && (pose || iterations != null || grid != null)) throw new UsageException("--refine-pose, --refine-iterations and --refine-grid need --refine");
        var options = new RefinementOptions { RefinePose = pose };
        if (iterations != null)
        {
            if (!int.TryParse(iterations, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 0 || n > 100000)
                throw new UsageException($"--refine-iterations '{iterations}': expected an integer 0 … 100000");
            options = options with { Iterations = n };
        }
        grid ??= "standard";
        if (!RefinedRegistration.Grids.Contains(grid)) throw new UsageException($"--refine-grid '{grid}': expected {string.Join(", ", RefinedRegistration.Grids)}");
        return new RefineArguments(refine, grid, options, output);
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
