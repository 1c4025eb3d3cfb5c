using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;

namespace SlicerReg.Engine.Ablation;

/// <summary>
/// Settings of an ablation study (`slicerreg reproduce ablations`, <see cref="AblationStudy"/>). Every variant gets the same
/// budget: the same data in the same order (seed), the same number of epochs and the same learning rate. The defaults
/// take roughly 20–30 minutes at the tiny preset on two quiet cores (a step ≈ 0.45 s: 5 × 600 steps, plus validation and
/// the test set); learning rate and global NCC are those of the shipped tiny model (docs/training.md, "Loss window").
/// </summary>
public sealed record AblationOptions
{
    /// <summary>The seed of the test set is <see cref="Seed"/> + this (as the shipped model's card: training 1, test 1001).</summary>
    public const int TestSeedOffset = 1000;

    public required string OutputFolder { get; init; }
    public string Preset { get; init; } = NetworkPreset.Tiny.Name;
    public int TrainCount { get; init; } = 60;
    public int ValidationCount { get; init; } = 10;
    public int TestCount { get; init; } = 20;
    /// <summary>The paper's ablations use its orthogonal dataset ("We used the same dataset as in Experimental results").</summary>
    public ViewMode Views { get; init; } = ViewMode.Orthogonal;
    public int Seed { get; init; } = 1;
    public int Epochs { get; init; } = 10;
    public double LearningRate { get; init; } = 3e-4;
    /// <summary>0 = global NCC; odd = local window in voxels (NetworkConfig.NccWindow).</summary>
    public int NccWindow { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>The command line, written into the tables so they can be made again.</summary>
    public IReadOnlyList<string> Command { get; init; } = Array.Empty<string>();

    public int TestSeed => Seed + TestSeedOffset;

    /// <summary>Throws with the setting named unless every value is usable.</summary>
    public AblationOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputFolder)) throw new ArgumentException("the output folder is required");
        _ = NetworkPreset.Named(Preset);
        void Require(bool ok, string problem) { if (!ok) throw new ArgumentException(problem); }
        Require(TrainCount >= 1, $"train count must be at least 1, got {TrainCount}");
        Require(ValidationCount >= 1, $"validation count must be at least 1 (the best epoch is chosen on it), got {ValidationCount}");
        Require(TestCount >= 1, $"test count must be at least 1, got {TestCount}");
        Require(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Require(Seed is >= 0 and <= int.MaxValue - TestSeedOffset, $"seed must be 0 … {int.MaxValue - TestSeedOffset}, got {Seed}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be a positive number, got {LearningRate}");
        Require(NccWindow == 0 || (NccWindow > 0 && NccWindow % 2 == 1 && NccWindow <= 31), $"NCC window must be 0 (global NCC) or an odd size ≤ 31 voxels, got {NccWindow}");
        return this;
    }
}
