using SlicerReg.Core.Evaluation;

namespace SlicerReg.Engine.Ablation;

/// <summary>
/// One row of the ablation table: a variant, its trained size and budget, and its best epoch's test-set summaries
/// (full network = V∘Ψ, affine = V∘T, identity = the atlas as it is; mean ± sample sd over the test cases).
/// </summary>
public sealed record AblationResult(
    AblationVariant Variant, long Parameters, long Steps, int BestEpoch, double BestValidationDice,
    MetricSummary Dice, MetricSummary AssdMm, MetricSummary Hd95Mm, MetricSummary AffineDice, MetricSummary IdentityDice,
    double TrainSeconds, double EvaluationSeconds);
