using System.Diagnostics;
using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Cli.Commands;

/// <summary>One timed quantity of a benchmark section.</summary>
/// <param name="MedianMs">Median wall time of <paramref name="Runs"/> runs, in milliseconds.</param>
/// <param name="Note">What exactly was timed (and any tool-reported time).</param>
public sealed record BenchmarkRow(string Name, double MedianMs, int Runs, string Note = "");

/// <summary>What every section gets: run count, a scratch folder, and where to report progress.</summary>
public sealed record BenchmarkContext(int Runs, string ScratchFolder, bool UsePlastimatch, TextWriter Log);

/// <summary>
/// One section of `slicerreg bench`. EXTENSION POINT: to add a section (e.g. the ProST layer timing), implement this
/// interface in its own file and add an instance to <see cref="BenchCommand.Sections"/>.
/// </summary>
public interface IBenchmarkSection
{
    /// <summary>Short name used in the table and the JSON ("drr", "prost", ...).</summary>
    string Name { get; }
    /// <summary>Runs the measurements; <paramref name="summary"/> takes derived numbers (ratios, settings) for the JSON.</summary>
    IReadOnlyList<BenchmarkRow> Run(BenchmarkContext context, JObject summary);
}

/// <summary>`slicerreg bench [--json FILE] [--runs N] [--section NAME] [--no-plastimatch]`: timings, not tests.</summary>
public sealed class BenchCommand : ICommand
{
    /// <summary>All sections, in order. Add new ones here.</summary>
    public static readonly IReadOnlyList<IBenchmarkSection> Sections = new IBenchmarkSection[]
    {
        new DrrBenchmarkSection(),
    };

    public string Name => "bench";
    public string Summary => "time the compute kernels (DRR vs plastimatch, ...) and print a table";
    public string Usage => $"slicerreg bench [--json FILE] [--runs N] [--section {string.Join("|", Sections.Select(s => s.Name))}] [--no-plastimatch]";

    /// <summary>Median wall time in ms of <paramref name="runs"/> calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianMs(Action action, int runs, int warmup = 2)
    {
        for (int n = 0; n < warmup; n++) action();
        var times = new double[runs];
        for (int n = 0; n < runs; n++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[n] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return runs % 2 == 1 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
    }

    public int Run(Arguments args, TextWriter stdout)
    {
        // "--json" is a value-less switch of `info` (Program.cs): "--json FILE" arrives as the switch plus a positional FILE.
        string? json = args.Option("json");
        if (args.Flag("json") && json == null)
        {
            if (args.Positional.Count != 1) throw new UsageException("--json needs an output file");
            json = args.Positional[0];
            args.Positional.Clear();
        }
        string? runsText = args.Option("runs"), only = args.Option("section");
        bool noPlastimatch = args.Flag("no-plastimatch");
        args.RejectUnknown();
        if (args.Positional.Count > 0) throw new UsageException($"bench takes no positional arguments (got '{args.Positional[0]}')");
        int runs = 9;
        if (runsText != null && (!int.TryParse(runsText, out runs) || runs < 1 || runs > 1000)) throw new UsageException($"--runs '{runsText}': expected 1..1000");
        var sections = Sections.Where(s => only == null || s.Name == only).ToList();
        if (sections.Count == 0) throw new UsageException($"--section '{only}': expected one of {string.Join(", ", Sections.Select(s => s.Name))}");

        string scratch = Path.Combine(Path.GetTempPath(), "slicerreg-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        var report = new JObject
        {
            ["machine"] = new JObject
            {
                ["processors"] = Environment.ProcessorCount,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                ["cpu"] = CpuModel(),
            },
            ["runs"] = runs,
            ["sections"] = new JObject(),
        };
        try
        {
            stdout.WriteLine($"{"section",-8} {"measurement",-48} {"median ms",10} {"runs",5}  note");
            foreach (var section in sections)
            {
                var summary = new JObject();
                var rows = section.Run(new BenchmarkContext(runs, scratch, !noPlastimatch, stdout), summary);
                foreach (var r in rows)
                    stdout.WriteLine($"{section.Name,-8} {r.Name,-48} {r.MedianMs.ToString("F2", CultureInfo.InvariantCulture),10} {r.Runs,5}  {r.Note}");
                foreach (var p in summary.Properties()) stdout.WriteLine($"{section.Name,-8} {p.Name}: {p.Value.ToString(Formatting.None)}");
                ((JObject)report["sections"]!)[section.Name] = new JObject
                {
                    ["rows"] = new JArray(rows.Select(r => new JObject { ["name"] = r.Name, ["medianMs"] = r.MedianMs, ["runs"] = r.Runs, ["note"] = r.Note })),
                    ["summary"] = summary,
                };
            }
        }
        finally { try { Directory.Delete(scratch, true); } catch { } }
        if (json != null)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(report.ToString(Formatting.Indented) + "\n");
            AtomicFile.Write(json, s => s.Write(bytes));
            stdout.WriteLine($"wrote {json}");
        }
        return 0;
    }

    static string CpuModel()
    {
        try { return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown"; }
        catch (IOException) { return "unknown"; }
    }
}
