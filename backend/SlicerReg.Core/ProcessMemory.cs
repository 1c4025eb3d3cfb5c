using System.Text.RegularExpressions;

namespace SlicerReg.Core;

/// <summary>
/// This process's resident memory from /proc/self/status (Linux): current (VmRSS) and peak (VmHWM). The peak can be reset
/// (writing 5 to /proc/self/clear_refs, Linux ≥ 4.0), so one process can report a peak per measured step instead of the
/// largest so far. NaN where /proc is not there.
/// </summary>
public static class ProcessMemory
{
    public static double ResidentMiB() => StatusKiB("VmRSS") / 1024.0;
    public static double PeakMiB() => StatusKiB("VmHWM") / 1024.0;
    /// <summary>VmRSS in bytes; the working set where /proc is not there.</summary>
    public static long ResidentBytes() => StatusKiB("VmRSS") is var kib && double.IsFinite(kib) ? (long)kib * 1024 : Environment.WorkingSet;

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern int malloc_trim(nuint pad);

    /// <summary>
    /// Gives freed memory back to the system first (a full GC, then glibc's malloc_trim: libtorch's freed tensors otherwise
    /// stay resident in malloc's arenas and count in the next step's peak), then makes the peak the current resident size.
    /// False where the kernel does not allow the reset (the peak then only grows).
    /// </summary>
    public static bool ResetPeak()
    {
        GC.Collect(); GC.WaitForPendingFinalizers();
        TrimNativeHeap();
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>glibc's malloc_trim: gives the free pages of malloc's arenas (native libraries', gRPC's) back to the system.</summary>
    public static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux()) try { malloc_trim(0); } catch (EntryPointNotFoundException) { } catch (DllNotFoundException) { }
    }

    /// <summary>MemAvailable of /proc/meminfo in GiB (what can still be allocated without swapping), NaN elsewhere.</summary>
    public static double AvailableGiB() => Field("/proc/meminfo", "MemAvailable") / 1048576.0;
    public static double TotalGiB() => Field("/proc/meminfo", "MemTotal") / 1048576.0;

    static double StatusKiB(string key) => Field("/proc/self/status", key);

    static double Field(string file, string key)
    {
        try
        {
            var m = Regex.Match(File.ReadAllText(file), $@"^{key}:\s+(\d+) kB", RegexOptions.Multiline);
            return m.Success ? double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
        }
        catch (IOException) { return double.NaN; }
    }
}
