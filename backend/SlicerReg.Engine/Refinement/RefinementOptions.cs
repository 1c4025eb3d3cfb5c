namespace SlicerReg.Engine.Refinement;

/// <summary>
/// Settings of a test-time refinement (<see cref="DeformationRefiner"/>, docs/refinement.md). Defaults are the ones the CLI
/// uses; tests shrink the iteration counts.
/// </summary>
public sealed record RefinementOptions
{
    /// <summary>
    /// Adam steps of the deformation stage, all pyramid levels together (0: no deformation refinement). 60 (20 a level):
    /// 120 gave no better Dice on four synthetic patients (tiny refine grid: 0.9353 at 120, 0.9368 at 60) in twice the time.
    /// </summary>
    public int Iterations { get; init; } = 60;
    /// <summary>Whether to run the pose stage (a rigid correction per view) before the deformation.</summary>
    public bool RefinePose { get; init; }
    /// <summary>Adam steps of the pose stage, all levels together.</summary>
    public int PoseIterations { get; init; } = 90;
    /// <summary>Adam step size of the velocity field (mm per step, roughly).</summary>
    public double VelocityStepMm { get; init; } = 0.4;
    /// <summary>Adam step sizes of the pose: rotation vector (radians) and translation (mm).</summary>
    public double RotationStepRad { get; init; } = 0.004;
    public double TranslationStepMm { get; init; } = 0.4;
    /// <summary>
    /// Weight λ of the prior λ·|ω|² (radians) that keeps each view near its stated calibration where the images barely
    /// constrain it (a rotation about an axis across the ray foreshortens the femur by under 1% at 5°): Adam takes full-size
    /// steps along such flat directions and drifts without it (measured: 2.5° in a view that had no error).
    /// </summary>
    public double PosePrior { get; init; } = 0.02;
    /// <summary>
    /// Weight δ of the paper's smoothness term (Eq. 4, per mm, on the control grid), taken on the change φ − φ₀ the refinement
    /// makes. Far larger than the paper's 0.01 because two projections constrain a volume far less than the ground-truth
    /// volume the paper's loss compares with: on four synthetic patients (tiny refine grid, from the network's start,
    /// network alone Dice 0.913) δ = 1 / 5 / 10 / 15 / 30 gave Dice 0.913 / 0.938 / 0.938 / 0.935 / 0.930.
    /// </summary>
    public double SmoothnessWeight { get; init; } = 10;
    /// <summary>Weight of gradient NCC next to intensity NCC (0: intensity NCC alone).</summary>
    public double GradientNccWeight { get; init; } = 0.5;
    /// <summary>Weight σ of the outline term (NCC of the projected femur's soft outline with the radiograph's outline); 0: off.</summary>
    public double OutlineWeight { get; init; } = 1;
    /// <summary>Pyramid levels, coarse to fine: the detector and the volume are block-averaged by each factor.</summary>
    public IReadOnlyList<int> Levels { get; init; } = new[] { 4, 2, 1 };
    /// <summary>Pyramid levels of the pose stage: the coarsest level of <see cref="Levels"/> (10 mm voxels on the tiny grid) biased the pose by about a degree in trials.</summary>
    public IReadOnlyList<int> PoseLevels { get; init; } = new[] { 2, 1 };
    /// <summary>The velocity field lives on the refine grid coarsened by this factor (the control grid).</summary>
    public int ControlGridFactor { get; init; } = 2;
    /// <summary>A level ends when its loss has not improved by <see cref="PlateauTolerance"/> (relative) for this many steps.</summary>
    public int Patience { get; init; } = 12;
    public double PlateauTolerance { get; init; } = 1e-4;
    /// <summary>Seeds torch's generator before the refinement (it draws nothing today; seeded so that stays repeatable if it ever does).</summary>
    public int Seed { get; init; }

    public RefinementOptions Validate()
    {
        if (Iterations < 0 || PoseIterations < 0) throw new ArgumentException($"refinement iterations must be ≥ 0 (got {Iterations}, pose {PoseIterations})");
        if (Levels.Count == 0 || Levels.Any(l => l < 1) || PoseLevels.Count == 0 || PoseLevels.Any(l => l < 1)) throw new ArgumentException("refinement levels must be factors ≥ 1");
        if (ControlGridFactor < 1) throw new ArgumentException($"control grid factor must be ≥ 1, got {ControlGridFactor}");
        if (!(VelocityStepMm > 0) || !(RotationStepRad > 0) || !(TranslationStepMm > 0)) throw new ArgumentException("refinement step sizes must be > 0");
        if (!(SmoothnessWeight >= 0) || !(GradientNccWeight >= 0) || !(OutlineWeight >= 0) || !(PosePrior >= 0)) throw new ArgumentException("refinement weights must be ≥ 0");
        return this;
    }
}

/// <summary>One refinement step: stage ("pose" or "deformation"), pyramid factor, step number (1-based, all stages), loss and image NCC.</summary>
public readonly record struct RefinementProgress(string Stage, int Level, int Iteration, int TotalIterations, double Loss, double ImageNcc);
