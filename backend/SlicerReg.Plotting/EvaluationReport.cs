using SlicerReg.Core.Evaluation;
using System.Globalization;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Plotting;

/// <summary>
/// The evaluation of one or more methods over a validation set, as files: a table, a summary and the figures the paper
/// shows (box plots per metric; for the generalised set, median Dice over binned primary-angle offsets, Fig. 4).
/// Every file is written atomically.
/// </summary>
public static class EvaluationReport
{
    /// <summary>Metrics that get a box plot: column name, file stem, axis label.</summary>
    public static readonly IReadOnlyList<(string Metric, string File, string Label)> BoxPlotMetrics = new[]
    {
        ("dice", "dice", "Dice"), ("jaccard", "jaccard", "Jaccard"), ("assd_mm", "assd", "ASSD (mm)"),
        ("hd95_mm", "hd95", "HD95 (mm)"), ("ssim", "ssim", "SSIM"),
    };

    public const double AngleBinDeg = 10;

    /// <summary>
    /// Writes into <paramref name="dir"/> (created if missing): cases.csv (one row per case and method: case, method,
    /// angles, every metric; NaN empty), summary.json (per method and metric n, undefined, mean, sd, median, min, max via
    /// <see cref="MetricSummary"/>, plus the definitions), boxplot_&lt;metric&gt;.png for dice, jaccard, assd, hd95, ssim
    /// (one box per method; skipped when the metric is undefined for every case, e.g. SSIM without images) and, when the
    /// angles vary, heatmap_dice_&lt;method&gt;.png (<see cref="AngleBins"/>, 10° bins). Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Write(string dir, IReadOnlyList<EvaluatedCase> cases)
    {
        if (string.IsNullOrWhiteSpace(dir)) throw new ArgumentException("report folder must not be empty", nameof(dir));
        Validate(cases);
        Directory.CreateDirectory(dir);
        var methods = cases.Select(c => c.Method).Distinct().ToList();
        var written = new List<string>();

        string csv = Path.Combine(dir, "cases.csv");
        WriteCsv(csv, cases);
        written.Add(csv);

        string json = Path.Combine(dir, "summary.json");
        WriteSummary(json, cases, methods);
        written.Add(json);

        foreach (var (metric, file, label) in BoxPlotMetrics)
        {
            int m = MetricIndex(metric);
            var groups = methods.Select(method => (method, (IReadOnlyList<double>)cases.Where(c => c.Method == method).Select(c => c.Metrics.Values[m]).ToArray())).ToList();
            if (!groups.Any(g => g.Item2.Any(double.IsFinite))) continue;
            string png = Path.Combine(dir, $"boxplot_{file}.png");
            BoxPlot.Write(png, $"{label} per method ({cases.Select(c => c.CaseId).Distinct().Count()} cases)", label, groups);
            written.Add(png);
        }

        if (AnglesVary(cases))
            foreach (var method in methods)
            {
                var mine = cases.Where(c => c.Method == method).ToList();
                if (!mine.Any(c => double.IsFinite(c.Metrics.Dice))) continue;
                string png = Path.Combine(dir, $"heatmap_dice_{FileSafe(method)}.png");
                DiceHeatMap(method, mine).Save(png);
                written.Add(png);
            }
        return written;
    }

    /// <summary>The Fig. 4 heat map of one method's cases: median Dice per 10° bin of AP (x) and lateral (y) primary-angle offset.</summary>
    public static Figure DiceHeatMap(string method, IReadOnlyList<EvaluatedCase> casesOfMethod)
    {
        var bins = AngleBins.Of(casesOfMethod, m => m.Dice, AngleBinDeg);
        return HeatMap.Render($"Median Dice, {method} (n={casesOfMethod.Count})", "AP primary angle offset (°)", bins.ApOffsetCentresDeg,
                              "lateral offset (°)", bins.LateralOffsetCentresDeg, bins.Median);
    }

    /// <summary>Whether the cases' primary angles differ (the generalised set): then the Dice heat maps are drawn.</summary>
    public static bool AnglesVary(IReadOnlyList<EvaluatedCase> cases)
        => cases.Select(c => Math.Round(c.ApPrimaryAngleDeg, 6)).Distinct().Count() > 1
        || cases.Select(c => Math.Round(c.LateralPrimaryAngleDeg, 6)).Distinct().Count() > 1;

    static void Validate(IReadOnlyList<EvaluatedCase> cases)
    {
        if (cases == null || cases.Count == 0) throw new ArgumentException("evaluation report needs at least one evaluated case", nameof(cases));
        var seen = new HashSet<(string, string)>();
        for (int n = 0; n < cases.Count; n++)
        {
            var c = cases[n] ?? throw new ArgumentException($"evaluated case {n} is null", nameof(cases));
            if (string.IsNullOrWhiteSpace(c.CaseId)) throw new ArgumentException($"evaluated case {n} has no case id", nameof(cases));
            if (string.IsNullOrWhiteSpace(c.Method)) throw new ArgumentException($"case {c.CaseId} has no method name", nameof(cases));
            if (c.Metrics == null) throw new ArgumentException($"case {c.CaseId} ({c.Method}) has no metrics", nameof(cases));
            if (!double.IsFinite(c.ApPrimaryAngleDeg) || !double.IsFinite(c.LateralPrimaryAngleDeg))
                throw new ArgumentException($"case {c.CaseId} ({c.Method}): primary angles must be finite, got AP {c.ApPrimaryAngleDeg}, lateral {c.LateralPrimaryAngleDeg}", nameof(cases));
            if (!seen.Add((c.CaseId, c.Method))) throw new ArgumentException($"case {c.CaseId} is evaluated twice for method {c.Method}", nameof(cases));
        }
        var clash = cases.Select(c => c.Method).Distinct().GroupBy(FileSafe).FirstOrDefault(g => g.Count() > 1);
        if (clash != null) throw new ArgumentException($"methods {string.Join(" and ", clash.Select(m => $"'{m}'"))} would share the file name heatmap_dice_{clash.Key}.png", nameof(cases));
    }

    static void WriteCsv(string path, IReadOnlyList<EvaluatedCase> cases)
    {
        var sb = new StringBuilder("case,method,ap_primary_angle_deg,lateral_primary_angle_deg,");
        sb.AppendJoin(',', CaseMetrics.MetricNames).Append('\n');
        foreach (var c in cases)
        {
            sb.Append(MetricsTable.CsvField(c.CaseId)).Append(',').Append(MetricsTable.CsvField(c.Method)).Append(',')
              .Append(MetricsTable.CsvNumber(c.ApPrimaryAngleDeg)).Append(',').Append(MetricsTable.CsvNumber(c.LateralPrimaryAngleDeg));
            foreach (var v in c.Metrics.Values) sb.Append(',').Append(MetricsTable.CsvNumber(v));
            sb.Append('\n');
        }
        var bytes = new UTF8Encoding(false).GetBytes(sb.ToString());
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>{"definitions": {…}, "methods": [names], "summary": {method: {"cases": n, metric: {mean, sd, median, min, max, n, undefined}}}}.</summary>
    static void WriteSummary(string path, IReadOnlyList<EvaluatedCase> cases, IReadOnlyList<string> methods)
    {
        var definitions = JObject.FromObject(MetricsTable.Definitions);
        definitions["ap_primary_angle_deg"] = "primary (LAO/RAO) angle of the AP view; nominal 0°";
        definitions["lateral_primary_angle_deg"] = "primary angle of the lateral view; nominal 90°";
        definitions["heatmap_dice"] = $"median Dice per bin of AP and lateral primary-angle offsets from nominal, half-open {AngleBinDeg:0}° bins (paper Fig. 4)";
        var summary = new JObject();
        foreach (var method in methods)
        {
            var metrics = cases.Where(c => c.Method == method).Select(c => c.Metrics).ToList();
            var o = new JObject { ["cases"] = metrics.Count };
            foreach (var (name, s) in MetricSummary.Of(metrics)) o[name] = MetricsTable.SummaryJson(s);
            summary[method] = o;
        }
        var root = new JObject { ["definitions"] = definitions, ["methods"] = new JArray(methods), ["summary"] = summary };
        var bytes = new UTF8Encoding(false).GetBytes(root.ToString(Formatting.Indented) + "\n");
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    static int MetricIndex(string metric)
    {
        for (int m = 0; m < CaseMetrics.MetricNames.Count; m++) if (CaseMetrics.MetricNames[m] == metric) return m;
        throw new InvalidOperationException($"unknown metric {metric}");
    }

    /// <summary>The method name with anything but letters, digits, '-' and '_' replaced by '_' (file names).</summary>
    public static string FileSafe(string name)
        => new(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-' || ch == '_' ? ch : '_').ToArray());
}
