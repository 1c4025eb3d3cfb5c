using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Engine.Evaluation;

/// <summary>Settings of a dataset evaluation (<see cref="DatasetEvaluator"/>, `slicerreg evaluate`).</summary>
public sealed record EvaluationOptions
{
    /// <summary>The dataset split scored ("train", "validation", "test").</summary>
    public string Split { get; init; } = "test";
    /// <summary>The methods scored, of <see cref="DatasetEvaluator.Methods"/>.</summary>
    public IReadOnlyList<string> Methods { get; init; } = DatasetEvaluator.DefaultMethods;
    /// <summary>
    /// Where the methods are scored: <see cref="OutputGrid.Paper"/> (every warp upsampled onto atlas/paper/ and compared with
    /// the subjects' paper-grid truth, `simulate --truth-grid paper`) or <see cref="OutputGrid.Model"/> (the model's grid,
    /// against the subjects' ct.nrrd / label.nrrd).
    /// </summary>
    public string ScoreGrid { get; init; } = OutputGrid.Model;
    /// <summary>The refine grid of the methods refined and refined-pose (standard, paper or tiny).</summary>
    public string RefineGrid { get; init; } = "standard";
    /// <summary>Refinement settings; <see cref="RefinementOptions.RefinePose"/> is set per method.</summary>
    public RefinementOptions Refinement { get; init; } = new();
    /// <summary>
    /// A calibration error put on the lateral view of every subject before it is registered, drawn from the subject's seed
    /// as `simulate --calibration-error` draws it (null: the views as the dataset states them).
    /// </summary>
    public CalibrationError? CalibrationError { get; init; }
    /// <summary>
    /// The radiographs registered: <see cref="DatasetRadiographs.Drr"/> (the clean DRRs) or <see cref="DatasetRadiographs.Realistic"/>
    /// (`simulate --realistic`'s, prepared as `register` prepares a user's, with the drawn masks; <see cref="Pipeline.RealisticPair"/>).
    /// </summary>
    public string Radiographs { get; init; } = DatasetRadiographs.Drr;
    /// <summary>
    /// Where the atlas frame is placed on each subject (<see cref="DatasetPlacement"/>): by its simulated head clicks,
    /// triangulated as `register --head` does, the results moved back onto the subject before they are scored; or none.
    /// Null: <see cref="DatasetPlacement.Default"/> of <see cref="Radiographs"/> (the clicks for realistic radiographs).
    /// </summary>
    public string? Placement { get; init; }
    public string Device { get; init; } = "cpu";
}
