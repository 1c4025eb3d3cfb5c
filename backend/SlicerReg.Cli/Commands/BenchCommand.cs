using System.Diagnostics;
using System.Globalization;
using Newtonsoft.Json.Linq;
using Newtonsoft.Json;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;
using SlicerReg.Core;

namespace SlicerReg.Cli.Commands;

/// <summary>One timed quantity of a benchmark section.</summary>
/// <param name="MedianMs">Median wall time of <paramref name="Runs"/> runs, in milliseconds.</param>
/// <param name="Note">What exactly was timed (and any tool-reported time).</param>
/// <param name="CpuMs">Median CPU time (all threads; for a child process, its user + system time) per run, when measured.
/// On a shared machine wall time includes waiting for a core; CPU time does not.</param>
public sealed record BenchmarkRow(string Name, double MedianMs, int Runs, string Note = "", double? CpuMs = null);

/// <summary>Wall and CPU medians of a timed action.</summary>
public readonly record struct Timing(double WallMs, double CpuMs);

/// <summary>What every section gets: run count, a scratch folder, where to report progress, and the network presets to time.</summary>
public sealed record BenchmarkContext(int Runs, string ScratchFolder, bool UsePlastimatch, TextWriter Log)
{
    /// <summary>Network presets the inference and train sections time (--presets; default all, smallest first).</summary>
    public IReadOnlyList<NetworkPreset> Presets { get; init; } = new[] { NetworkPreset.Tiny, NetworkPreset.Standard, NetworkPreset.Paper };
}

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

/// <summary>`slicerreg bench [--json FILE] [--runs N] [--section NAME,...] [--presets P,...] [--no-plastimatch] [--compare OLD.json]`: timings, not tests.</summary>
public sealed class BenchCommand : ICommand
{
    /// <summary>All sections, in order. Add new ones here.</summary>
    public static readonly IReadOnlyList<IBenchmarkSection> Sections = new IBenchmarkSection[]
    {
        new DrrBenchmarkSection(),
        new ProstBenchmarkSection(),
        new InferenceBenchmarkSection(),
        new TrainBenchmarkSection(),
        new DaemonBenchmarkSection(),
    };

    public string Name => "bench";
    public string Summary => "time DRRs vs plastimatch, ProST, inference and training per preset, the daemon; print a table, write JSON";
    public string Usage => $"slicerreg bench [--json FILE] [--runs N] [--section {string.Join("|", Sections.Select(s => s.Name))}[,...]] [--presets tiny,standard,paper] [--no-plastimatch] [--compare OLD.json]\n" +
                           "             every section by default; quick run of all of them: slicerreg bench --runs 1 --presets tiny,standard";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "no-plastimatch" };

    /// <summary>
    /// Median wall and CPU time in ms of <paramref name="runs"/> calls after <paramref name="warmup"/> untimed ones.
    /// CPU time counts this process's threads plus any child processes that finished during the call.
    /// </summary>
    public static Timing Measure(Action action, int runs, int warmup = 2)
    {
        for (int n = 0; n < warmup; n++) action();
        var wall = new double[runs]; var cpu = new double[runs];
        var self = Process.GetCurrentProcess();
        for (int n = 0; n < runs; n++)
        {
            self.Refresh();
            double cpu0 = self.TotalProcessorTime.TotalMilliseconds + ChildCpuMs();
            var sw = Stopwatch.StartNew();
            action();
            wall[n] = sw.Elapsed.TotalMilliseconds;
            self.Refresh();
            cpu[n] = self.TotalProcessorTime.TotalMilliseconds + ChildCpuMs() - cpu0;
        }
        return new Timing(Median(wall), Median(cpu));
    }

    public static double Median(double[] values)
    {
        var v = (double[])values.Clone(); Array.Sort(v);
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int getrusage(int who, long[] usage); // struct rusage: two timevals, then 14 longs

    /// <summary>User + system time of all waited-for child processes so far (Linux getrusage(RUSAGE_CHILDREN)); 0 elsewhere.</summary>
    static double ChildCpuMs()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        var u = new long[18];
        return getrusage(-1, u) == 0 ? (u[0] + u[2]) * 1e3 + (u[1] + u[3]) * 1e-3 : 0;
    }

    public int Run(Arguments args, TextWriter stdout)
    {
        string? json = args.Option("json"), compareWith = args.Option("compare");
        string? runsText = args.Option("runs"), only = args.Option("section"), presetsText = args.Option("presets");
        bool noPlastimatch = args.Flag("no-plastimatch");
        args.RejectUnknown();
        if (args.Positional.Count > 0) throw new UsageException($"bench takes no positional arguments (got '{args.Positional[0]}')");
        int runs = 9;
        if (runsText != null && (!int.TryParse(runsText, out runs) || runs < 1 || runs > 1000)) throw new UsageException($"--runs '{runsText}': expected 1..1000");
        var presets = presetsText is null ? null
            : presetsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p =>
                NetworkPreset.All.FirstOrDefault(x => x.Name == p) ?? throw new UsageException($"--presets: unknown preset '{p}' (expected tiny, standard, paper)"))
              .OrderBy(p => p.VolumeSize.VoxelCount).ToArray();
        var sectionNames = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sections = Sections.Where(s => sectionNames == null || sectionNames.Contains(s.Name)).ToList();
        if (sectionNames != null && sectionNames.FirstOrDefault(n => Sections.All(s => s.Name != n)) is { } unknown)
            throw new UsageException($"--section '{unknown}': expected one of {string.Join(", ", Sections.Select(s => s.Name))}");
        if (sections.Count == 0) throw new UsageException($"--section '{only}': expected one of {string.Join(", ", Sections.Select(s => s.Name))}");
        var comparison = compareWith is null ? null : BenchComparison.Load(compareWith);

        string scratch = Path.Combine(Path.GetTempPath(), "slicerreg-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        var report = new JObject
        {
            ["machine"] = new JObject
            {
                ["processors"] = Environment.ProcessorCount,
                ["memoryGiB"] = Math.Round(ProcessMemory.TotalGiB(), 1),
                ["availableMemoryGiB"] = Math.Round(ProcessMemory.AvailableGiB(), 1),
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                ["torch"] = TorchDescription(),
                ["slicerreg"] = SlicerReg.Client.Protocol.ProtocolRevision.ReleaseVersion,
                ["cpu"] = SlicerReg.Engine.Kernels.ProcessorInfo.Describe(),
                ["convolutionPath"] = ConvolutionDescription(),
                ["nativeHeap"] = SlicerReg.Engine.Kernels.NativeHeap.Describe(),
                ["loadAverage"] = LoadAverage(),
            },
            ["runs"] = runs,
            ["sections"] = new JObject(),
        };
        try
        {
            var m = (JObject)report["machine"]!;
            stdout.WriteLine($"machine: {m["cpu"]}, {m["processors"]} processors, {m["memoryGiB"]} GiB ({m["availableMemoryGiB"]} available); {m["os"]}; {m["runtime"]}; {m["torch"]}; slicerreg {m["slicerreg"]}");
            stdout.WriteLine($"convolution path: {m["convolutionPath"]}");
            stdout.WriteLine($"native heap: {m["nativeHeap"]}");
            stdout.WriteLine($"load average before: {LoadAverage()} ({Environment.ProcessorCount} processors)");
            stdout.WriteLine($"{"section",-8} {"measurement",-44} {"wall ms",9} {"cpu ms",9} {"runs",5}  note (medians)");
            foreach (var section in sections)
            {
                var summary = new JObject();
                var context = new BenchmarkContext(runs, scratch, !noPlastimatch, stdout);
                if (presets != null) context = context with { Presets = presets };
                var clock = Stopwatch.StartNew();
                var rows = section.Run(context, summary);
                summary["sectionSeconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
                foreach (var r in rows)
                    stdout.WriteLine($"{section.Name,-8} {r.Name,-44} {r.MedianMs.ToString("F2", CultureInfo.InvariantCulture),9} {(r.CpuMs is { } c ? c.ToString("F2", CultureInfo.InvariantCulture) : "-"),9} {r.Runs,5}  {r.Note}");
                foreach (var p in summary.Properties()) stdout.WriteLine($"{section.Name,-8} {p.Name}: {p.Value.ToString(Formatting.None)}");
                ((JObject)report["sections"]!)[section.Name] = new JObject
                {
                    ["rows"] = new JArray(rows.Select(r => new JObject { ["name"] = r.Name, ["medianMs"] = double.IsFinite(r.MedianMs) ? r.MedianMs : null, ["cpuMs"] = r.CpuMs, ["runs"] = r.Runs, ["note"] = r.Note })),
                    ["summary"] = summary,
                };
            }
        }
        finally { try { Directory.Delete(scratch, true); } catch { } }
        if (comparison != null) report["comparison"] = comparison.Print(report, stdout);
        if (json != null)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(report.ToString(Formatting.Indented) + "\n");
            AtomicFile.Write(json, s => s.Write(bytes));
            stdout.WriteLine($"wrote {json}");
        }
        return 0;
    }

    static string TorchDescription()
    {
        try { SlicerReg.Engine.ComputeDevice.EnsureLoaded(); return SlicerReg.Engine.ComputeDevice.Describe(); }
        catch (InvalidOperationException e) { return e.Message; }
    }

    static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); } catch (IOException) { return "unknown"; }
    }

    static string ConvolutionDescription()
    {
        try { return SlicerReg.Engine.Kernels.ConvolutionBackend.Describe(); }
        catch (InvalidOperationException e) { return e.Message; }
    }
}
