using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SlicerReg.Engine;

/// <summary>
/// Where the engine's CPU time goes, for docs/benchmark.md's profile: with <see cref="Variable"/>=1 every
/// <see cref="Time"/> region adds the process's CPU time (all threads, clock_gettime(CLOCK_PROCESS_CPUTIME_ID), so waiting
/// for a core on a loaded machine does not count) spent inside it, minus the regions nested in it ("self" time), to its
/// name. CPU tensors are synchronous, so a region around a module's forward call holds that module's work. Off by
/// default: then a region is one static bool test. One call at a time per thread; regions on other threads also count
/// their threads' nesting only.
/// </summary>
public static partial class EngineProfile
{
    public const string Variable = "SLICERREG_PROFILE";
    public static readonly bool Enabled = Environment.GetEnvironmentVariable(Variable) == "1";

    sealed class Totals { public double SelfMs, TotalMs; public long Calls; }
    static readonly ConcurrentDictionary<string, Totals> Regions = new();
    [ThreadStatic] static Stack<(string Name, double Start, double Children)>? _open;

    /// <summary>A region to dispose at its end (a <c>using</c>); does nothing unless <see cref="Enabled"/>.</summary>
    public static Region Time(string name) => Enabled && _suspended == 0 ? new Region(name) : default;

    [ThreadStatic] static int _suspended;

    /// <summary>No regions on this thread are recorded until the returned scope is disposed (e.g. the warm-up run).</summary>
    public static IDisposable Suspend() { _suspended++; return new Resumption(); }
    sealed class Resumption : IDisposable { bool _done; public void Dispose() { if (!_done) { _done = true; _suspended--; } } }

    public readonly struct Region : IDisposable
    {
        readonly bool _open;
        internal Region(string name) { (EngineProfile._open ??= new()).Push((name, CpuMs(), 0)); _open = true; }
        public void Dispose()
        {
            if (!_open) return;
            var stack = EngineProfile._open!;
            var (name, start, children) = stack.Pop();
            double total = CpuMs() - start;
            if (stack.Count > 0) { var p = stack.Pop(); stack.Push((p.Name, p.Start, p.Children + total)); }
            var t = Regions.GetOrAdd(name, _ => new Totals());
            lock (t) { t.SelfMs += total - children; t.TotalMs += total; t.Calls++; }
        }
    }

    public static void Reset() => Regions.Clear();

    /// <summary>
    /// One line per region, largest self time first: self CPU ms, its share of all regions' self time, inclusive ms and
    /// calls, each divided by <paramref name="runs"/> (the profile of one run of what was repeated).
    /// </summary>
    public static string Report(int runs = 1)
    {
        var rows = Regions.Select(r => (r.Key, r.Value)).OrderByDescending(r => r.Value.SelfMs).ToList();
        double all = rows.Sum(r => r.Value.SelfMs);
        var s = new StringBuilder(FormattableString.Invariant($"{"region",-28} {"self cpu ms",12} {"share",6} {"incl. ms",10} {"calls",6}\n"));
        foreach (var (name, t) in rows)
            s.Append(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {t.SelfMs / runs,12:F1} {100 * t.SelfMs / all,5:F1}% {t.TotalMs / runs,10:F1} {(double)t.Calls / runs,6:0.#}\n"));
        s.Append(string.Create(CultureInfo.InvariantCulture, $"{"all regions",-28} {all / runs,12:F1}\n"));
        return s.ToString();
    }

    [StructLayout(LayoutKind.Sequential)]
    struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time of the whole process (all threads) in ms; CLOCK_PROCESS_CPUTIME_ID is clock 2 on Linux.</summary>
    static double CpuMs()
        => OperatingSystem.IsLinux() && ClockGetTime(2, out var t) == 0
            ? t.Seconds * 1e3 + t.Nanoseconds * 1e-6
            : System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
}
