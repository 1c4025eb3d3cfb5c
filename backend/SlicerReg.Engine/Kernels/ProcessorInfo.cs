namespace SlicerReg.Engine.Kernels;

/// <summary>The CPU model and its widest SIMD extension, as Linux reports them: which oneDNN kernels run depends on both.</summary>
public static class ProcessorInfo
{
    /// <summary>The first processor's model name and feature flags from /proc/cpuinfo (empty where there is none), read once.</summary>
    static readonly Lazy<(string Model, string Flags)> CpuInfo = new(() =>
    {
        string model = "unknown model", flags = "";
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return (model, flags);
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                if (key == "model name" && model == "unknown model") model = value;
                if (key == "flags") { flags = value; break; }
            }
        }
        catch (IOException) { }
        return (model, flags);
    });

    /// <summary>
    /// What identifies the CPU to oneDNN's kernel choice: the model, a hash of every feature flag the kernel reports, and the
    /// logical CPU count. Two machines with the same fingerprint run the same oneDNN kernels.
    /// </summary>
    public static string Fingerprint()
    {
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(CpuInfo.Value.Flags)))[..16];
        return $"{Describe()}; flags {hash}";
    }

    public static string Describe()
    {
        var (model, flags) = CpuInfo.Value;
        if (model == "unknown model" && flags.Length == 0) return $"{Environment.ProcessorCount} logical CPUs";
        string f = " " + flags + " ";
        string simd = f.Contains(" avx512f ") ? "AVX-512" : f.Contains(" avx2 ") ? "AVX2" : f.Contains(" sse4_1 ") ? "SSE4.1" : "no AVX";
        return $"{model}, {simd}, {Environment.ProcessorCount} logical CPUs";
    }
}
