using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg bench --compare OLD.json`: this run's rows beside those of a saved run (`--json` of an earlier bench), row by
/// row (same section, same measurement name), with the ratio new / old of the wall and CPU medians — below 1 is faster.
/// The machine lines of both runs are printed too: a ratio means little across machines or loads.
/// </summary>
public sealed class BenchComparison
{
    readonly string _path;
    readonly JObject _old;

    BenchComparison(string path, JObject old) { _path = path; _old = old; }

    /// <summary>Reads a saved report; a file that is not one gets an error naming it, before anything is timed.</summary>
    public static BenchComparison Load(string path)
    {
        JObject old;
        try { old = JObject.Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new UsageException($"--compare {path}: cannot read it as a bench report ({e.Message})");
        }
        if (old["sections"] is not JObject)
            throw new UsageException($"--compare {path}: not a `slicerreg bench --json` report (no \"sections\")");
        return new BenchComparison(path, old);
    }

    /// <summary>Prints the comparison of <paramref name="current"/> (this run's report) and returns it as JSON rows.</summary>
    public JArray Print(JObject current, TextWriter stdout)
    {
        var rows = new JArray();
        stdout.WriteLine();
        stdout.WriteLine($"compared with {_path}:");
        stdout.WriteLine($"  then: {Machine(_old)}");
        stdout.WriteLine($"  now:  {Machine(current)}");
        stdout.WriteLine($"{"section",-8} {"measurement",-44} {"wall ms then",13} {"now",11} {"ratio",7} {"cpu ms then",12} {"now",11} {"ratio",7}");
        foreach (var section in ((JObject)current["sections"]!).Properties())
        {
            var oldRows = (_old["sections"]?[section.Name]?["rows"] as JArray)?.OfType<JObject>().ToDictionary(r => (string?)r["name"] ?? "") ?? new();
            foreach (var row in ((JArray)section.Value["rows"]!).OfType<JObject>())
            {
                string name = (string?)row["name"] ?? "";
                double? wallNow = (double?)row["medianMs"], cpuNow = (double?)row["cpuMs"];
                oldRows.TryGetValue(name, out var then);
                double? wallThen = (double?)then?["medianMs"], cpuThen = (double?)then?["cpuMs"];
                stdout.WriteLine($"{section.Name,-8} {name,-44} {F(wallThen),13} {F(wallNow),11} {Ratio(wallNow, wallThen),7} {F(cpuThen),12} {F(cpuNow),11} {Ratio(cpuNow, cpuThen),7}" +
                                 (then is null ? "  (not in the saved run)" : ""));
                rows.Add(new JObject
                {
                    ["section"] = section.Name, ["name"] = name, ["wallMsThen"] = wallThen, ["wallMsNow"] = wallNow,
                    ["cpuMsThen"] = cpuThen, ["cpuMsNow"] = cpuNow,
                });
            }
        }
        return rows;
    }

    static string Machine(JObject report)
    {
        var m = report["machine"];
        return $"{m?["cpu"]}; load average {m?["loadAverage"]}; convolution path {(string?)m?["convolutionPath"] ?? "not recorded"}; native heap {(string?)m?["nativeHeap"] ?? "not recorded"}";
    }

    static string F(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("F1", CultureInfo.InvariantCulture) : "-";

    static string Ratio(double? now, double? then)
        => now is { } n && then is { } t && double.IsFinite(n) && double.IsFinite(t) && t > 0 ? (n / t).ToString("F2", CultureInfo.InvariantCulture) : "-";
}
