namespace SlicerReg.Core.Evaluation;

/// <summary>
/// One evaluated registration: a case, the method that produced it ("identity", "affine", "full", …), the primary
/// angles of its two views (they vary in the generalised set, the paper's Fig. 4) and its metrics.
/// </summary>
public sealed record EvaluatedCase(string CaseId, string Method, double ApPrimaryAngleDeg, double LateralPrimaryAngleDeg, CaseMetrics Metrics);
