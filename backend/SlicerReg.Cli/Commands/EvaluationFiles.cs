using SlicerReg.Core.Evaluation;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Cli.Commands;

/// <summary>The report of `slicerreg evaluate`: cases.csv, summary.json and plots (Core.Evaluation.EvaluationReport once merged).</summary>
public static class EvaluationFiles
{
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<MethodMetrics> cases)
    {
        // Until EvaluationReport (plots helper) is on this branch: one CSV + JSON per method with MetricsTable.
        var written = new List<string>();
        foreach (var group in cases.GroupBy(c => c.Method))
        {
            var metrics = group.Select(c => c.Metrics).ToList();
            string csv = Path.Combine(folder, $"cases_{group.Key}.csv"), json = Path.Combine(folder, $"summary_{group.Key}.json");
            MetricsTable.WriteCsv(csv, metrics);
            MetricsTable.WriteJson(json, metrics);
            written.Add(csv); written.Add(json);
        }
        return written;
    }
}
