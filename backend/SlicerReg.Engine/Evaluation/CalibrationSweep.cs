using System.Globalization;
using System.Text;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;
using SlicerReg.Plotting;

namespace SlicerReg.Engine.Evaluation;

/// <summary>
/// The paper's calibration experiment (Van Houtte et al. 2022, "Calibration error", Fig. 3) rerun on a dataset with exact
/// views: the same subjects evaluated once per size of calibration error of the lateral view (<see cref="CalibrationError"/>,
/// drawn per subject as `simulate --calibration-error` draws it, the axis the same at every size), with and without pose
/// refinement when the methods include refined-pose (`evaluate --calibration-sweep 0,2,5,10`, docs/refinement.md).
/// Files: one ordinary evaluation report per size (calibration_&lt;DEG&gt;deg/), calibration.csv (a row per size, case and
/// method), calibration_summary.csv (mean ± sd per size and method) and calibration_dice.png (mean Dice against the size).
/// </summary>
public static class CalibrationSweep
{
    public const string CasesFile = "calibration.csv", SummaryFile = "calibration_summary.csv", PlotFile = "calibration_dice.png";

    /// <summary>One size of error and its evaluation.</summary>
    public sealed record Level(double ErrorDeg, DatasetEvaluation Evaluation);

    /// <summary>"0,2,5,10": rotation sizes in degrees, distinct, each within <see cref="CalibrationError.MaxAngleDeg"/>.</summary>
    public static IReadOnlyList<double> Parse(string text)
    {
        var sizes = new List<double>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double deg)) throw new ArgumentException($"calibration sweep '{text}': '{part}' is not a number of degrees");
            new CalibrationError(deg).Validate();
            if (sizes.Contains(deg)) throw new ArgumentException($"calibration sweep '{text}': {part}° is given twice");
            sizes.Add(deg);
        }
        if (sizes.Count == 0) throw new ArgumentException("calibration sweep is empty: give sizes in degrees, e.g. 0,2,5,10");
        return sizes;
    }

    /// <summary>Evaluates the split once per size in <paramref name="errorsDeg"/> (progress counts cases over all sizes).</summary>
    public static IReadOnlyList<Level> Run(DatasetManifest manifest, Registrar registrar, EvaluationOptions options, IReadOnlyList<double> errorsDeg,
                                           Action<int, int, string>? progress = null, CancellationToken cancel = default)
    {
        int perLevel = manifest.Split(options.Split).Count, total = perLevel * errorsDeg.Count;
        var levels = new List<Level>();
        foreach (var deg in errorsDeg)
        {
            int before = levels.Count * perLevel;
            var evaluation = DatasetEvaluator.Run(manifest, registrar, options with { CalibrationError = new CalibrationError(deg) },
                                                  (done, _, id) => progress?.Invoke(before + done, total, id), cancel);
            levels.Add(new Level(deg, evaluation));
        }
        return levels;
    }

    /// <summary>The folder of one size's evaluation report.</summary>
    public static string Folder(double errorDeg) => string.Create(CultureInfo.InvariantCulture, $"calibration_{errorDeg:0.###}deg");

    /// <summary>Writes the files above into <paramref name="dir"/>; returns their paths (the per-size reports' too).</summary>
    public static IReadOnlyList<string> Write(string dir, IReadOnlyList<Level> levels)
    {
        if (levels.Count == 0) throw new ArgumentException("a calibration sweep needs at least one size", nameof(levels));
        Directory.CreateDirectory(dir);
        var written = new List<string>();
        foreach (var level in levels) written.AddRange(level.Evaluation.Write(Path.Combine(dir, Folder(level.ErrorDeg))));

        var methods = levels[0].Evaluation.Cases.Select(c => c.Method).Distinct().ToList();
        var rows = new StringBuilder("calibration_error_deg,case,method,").AppendJoin(',', CaseMetrics.MetricNames).Append(",residual_rotation_deg\n");
        var summary = new StringBuilder("calibration_error_deg,method,cases");
        foreach (var m in SummaryMetrics) summary.Append($",{m}_mean,{m}_sd");
        summary.Append('\n');
        foreach (var level in levels)
        {
            string deg = MetricsTable.CsvNumber(level.ErrorDeg);
            foreach (var c in level.Evaluation.Cases)
            {
                var refinement = level.Evaluation.Refinements.FirstOrDefault(r => r.CaseId == c.CaseId && r.Method == c.Method);
                rows.Append(deg).Append(',').Append(MetricsTable.CsvField(c.CaseId)).Append(',').Append(MetricsTable.CsvField(c.Method));
                foreach (var v in c.Metrics.Values) rows.Append(',').Append(MetricsTable.CsvNumber(v));
                rows.Append(',').Append(MetricsTable.CsvNumber(refinement?.ResidualRotationDeg ?? double.NaN)).Append('\n');
            }
            foreach (var method in methods)
            {
                var stats = MetricSummary.Of(level.Evaluation.Cases.Where(c => c.Method == method).Select(c => c.Metrics).ToList());
                summary.Append(deg).Append(',').Append(MetricsTable.CsvField(method)).Append(',').Append(stats["dice"].Count + stats["dice"].Excluded);
                foreach (var m in SummaryMetrics) summary.Append(',').Append(MetricsTable.CsvNumber(stats[m].Mean)).Append(',').Append(MetricsTable.CsvNumber(stats[m].StandardDeviation));
                summary.Append('\n');
            }
        }
        written.Add(WriteText(Path.Combine(dir, CasesFile), rows.ToString()));
        written.Add(WriteText(Path.Combine(dir, SummaryFile), summary.ToString()));

        var x = levels.Select(l => l.ErrorDeg).ToArray();
        var series = methods.Select(m => new Series(m, x, levels.Select(l => MetricSummary.Of(l.Evaluation.Cases.Where(c => c.Method == m).Select(c => c.Metrics.Dice)).Mean).ToArray())).ToList();
        string png = Path.Combine(dir, PlotFile);
        int cases = levels[0].Evaluation.Cases.Select(c => c.CaseId).Distinct().Count();
        LineChart.Write(png, $"Mean Dice against calibration error ({cases} cases)", "rotation error of the lateral view (°)", "mean Dice", series);
        written.Add(png);
        return written;
    }

    static readonly string[] SummaryMetrics = { "dice", "assd_mm", "hd95_mm" };

    static string WriteText(string path, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        AtomicFile.Write(path, s => s.Write(bytes));
        return path;
    }
}
