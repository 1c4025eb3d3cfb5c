using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Writes per-case metrics as CSV or JSON, atomically (<see cref="AtomicFile"/>). Numbers use invariant culture and
/// round-trip precision; an undefined (NaN) value is an empty CSV field and a JSON null.
/// </summary>
public static class MetricsTable
{
    public static void WriteCsv(string path, IReadOnlyList<CaseMetrics> cases)
    {
        var sb = new StringBuilder();
        sb.Append("case,").AppendJoin(',', CaseMetrics.MetricNames).Append('\n');
        foreach (var c in cases)
        {
            sb.Append(CsvField(c.CaseId));
            foreach (var v in c.Values) sb.Append(',').Append(CsvNumber(v));
            sb.Append('\n');
        }
        var bytes = new UTF8Encoding(false).GetBytes(sb.ToString());
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>{"cases": [{"case": id, "dice": …}, …], "summary": {"dice": {"mean", "sd", "median", "min", "max", "n", "undefined"}, …}}.</summary>
    public static void WriteJson(string path, IReadOnlyList<CaseMetrics> cases)
    {
        var rows = new JArray();
        foreach (var c in cases)
        {
            var o = new JObject { ["case"] = c.CaseId };
            for (int m = 0; m < CaseMetrics.MetricNames.Count; m++) o[CaseMetrics.MetricNames[m]] = Number(c.Values[m]);
            rows.Add(o);
        }
        var summary = new JObject();
        foreach (var (name, s) in MetricSummary.Of(cases)) summary[name] = SummaryJson(s);
        var root = new JObject { ["definitions"] = JObject.FromObject(Definitions), ["cases"] = rows, ["summary"] = summary };
        var bytes = new UTF8Encoding(false).GetBytes(root.ToString(Formatting.Indented) + "\n");
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>One line per metric, written into the JSON so a results file says what its numbers mean.</summary>
    public static readonly IReadOnlyDictionary<string, string> Definitions = new Dictionary<string, string>
    {
        ["dice"] = "2|R∩T|/(|R|+|T|) over voxels (label > 0 or the chosen label); NaN if both empty",
        ["jaccard"] = "|R∩T|/|R∪T|",
        ["assd_mm"] = "mean of the pooled distances from each surface voxel (6-connected boundary) to the other surface, exact EDT (MONAI symmetric ASD)",
        ["hd95_mm"] = "max of the two directed 95th percentiles, linear interpolation (MONAI compute_hausdorff_distance, percentile=95)",
        ["hausdorff_mm"] = "max surface-to-surface distance",
        ["ssim"] = "mean SSIM, scikit-image structural_similarity conventions (window in voxels), study-wide data range",
        ["summary"] = "mean, sample sd (n-1), median over cases with a defined value; n = cases used, undefined = NaN cases left out",
    };

    /// <summary>{"mean", "sd", "median", "min", "max", "n", "undefined"} of one metric; NaN statistics are null.</summary>
    public static JObject SummaryJson(MetricSummary s) => new()
    {
        ["mean"] = Number(s.Mean), ["sd"] = Number(s.StandardDeviation), ["median"] = Number(s.Median),
        ["min"] = Number(s.Min), ["max"] = Number(s.Max), ["n"] = s.Count, ["undefined"] = s.Excluded,
    };

    public static JToken Number(double v) => double.IsFinite(v) ? new JValue(v) : JValue.CreateNull();

    /// <summary>Round-trip invariant text; empty for NaN / infinity.</summary>
    public static string CsvNumber(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";

    public static string CsvField(string s)
        => s.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
