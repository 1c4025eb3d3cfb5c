using SlicerReg.Core.Evaluation;
using SlicerReg.Plotting;

namespace SlicerReg.Engine.Evaluation;

/// <summary>
/// The scored cases of an evaluation (<see cref="DatasetEvaluator"/>), the refinements made for them and, when it placed
/// the atlas frame by the head clicks, each subject's placement.
/// </summary>
public sealed record DatasetEvaluation(IReadOnlyList<EvaluatedCase> Cases, IReadOnlyList<RefinementRecord> Refinements, IReadOnlyList<PlacementRecord> Placements)
{
    /// <summary>The evaluation report (<see cref="EvaluationReport"/>), refinement.csv when methods were refined, placement.csv when placed by the clicks; returns the paths.</summary>
    public IReadOnlyList<string> Write(string dir)
    {
        var written = EvaluationReport.Write(dir, Cases).ToList();
        if (Refinements.Count > 0)
        {
            string path = Path.Combine(dir, RefinementRecord.FileName);
            RefinementRecord.WriteCsv(path, Refinements);
            written.Add(path);
        }
        if (Placements.Count > 0)
        {
            string path = Path.Combine(dir, PlacementRecord.FileName);
            PlacementRecord.WriteCsv(path, Placements);
            written.Add(path);
        }
        return written;
    }
}
