using SlicerReg.Core.Evaluation;
using SlicerReg.Plotting;

namespace SlicerReg.Engine.Evaluation;

/// <summary>The scored cases of an evaluation (<see cref="DatasetEvaluator"/>) and the refinements made for them.</summary>
public sealed record DatasetEvaluation(IReadOnlyList<EvaluatedCase> Cases, IReadOnlyList<RefinementRecord> Refinements)
{
    /// <summary>The evaluation report (<see cref="EvaluationReport"/>) and, when methods were refined, refinement.csv; returns the paths.</summary>
    public IReadOnlyList<string> Write(string dir)
    {
        var written = EvaluationReport.Write(dir, Cases).ToList();
        if (Refinements.Count > 0)
        {
            string path = Path.Combine(dir, RefinementRecord.FileName);
            RefinementRecord.WriteCsv(path, Refinements);
            written.Add(path);
        }
        return written;
    }
}
