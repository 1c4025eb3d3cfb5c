using System.Diagnostics;
using System.Globalization;

namespace SlicerReg.Plotting;

/// <summary>
/// A one-line console progress bar (any TextWriter) with elapsed time and ETA (mean time per finished item × items left), redrawn in place
/// with '\r' on stderr. Disabled (draws nothing) when asked to be quiet or when stderr is not a terminal, so logs and pipes
/// stay clean.
/// </summary>
public sealed class ProgressBar
{
    const int Width = 30;
    readonly TextWriter _out;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly string _unit;
    public bool Enabled { get; }

    public ProgressBar(string unit, bool quiet, TextWriter? output = null, bool? enabled = null)
    {
        _unit = unit;
        _out = output ?? Console.Error;
        Enabled = enabled ?? (!quiet && !Console.IsErrorRedirected);
    }

    /// <summary>The line for <paramref name="done"/> of <paramref name="total"/> after <paramref name="elapsed"/>.</summary>
    public static string Format(int done, int total, TimeSpan elapsed, string unit)
    {
        int filled = total == 0 ? Width : (int)((long)Width * done / total);
        string eta = done == 0 ? "--:--" : Clock(TimeSpan.FromTicks(elapsed.Ticks / done * (total - done)));
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {unit}  elapsed {Clock(elapsed)}  ETA {eta}");
    }

    /// <summary>Redraws the bar; <paramref name="detail"/> (e.g. the current loss) is appended to the line.</summary>
    public void Report(int done, int total, string? detail = null)
    {
        if (!Enabled) return;
        _out.Write("\r" + Format(done, total, _clock.Elapsed, _unit) + (detail is null ? "  " : "  " + detail + "  "));
        if (done >= total) _out.WriteLine();
        _out.Flush();
    }

    /// <summary>A message on its own line that does not get mixed into the bar.</summary>
    public void Message(string text)
    {
        if (Enabled) _out.Write("\r" + new string(' ', Width + 60) + "\r");
        _out.WriteLine(text);
    }

    static string Clock(TimeSpan t) => t.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}")
        : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes:D2}:{t.Seconds:D2}");
}
