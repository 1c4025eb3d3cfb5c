namespace SlicerReg.Engine.Kernels;

/// <summary>The CPU model and its widest SIMD extension, as Linux reports them: which oneDNN kernels run depends on both.</summary>
public static class ProcessorInfo
{
    /// <summary>
    /// What identifies the CPU to oneDNN's kernel choice: the model, a hash of every feature flag the kernel reports, and the
    /// logical CPU count. Two machines with the same fingerprint run the same oneDNN kernels.
    /// </summary>
    public static string Fingerprint()
    {
        string flags = "";
        try { if (File.Exists("/proc/cpuinfo")) flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? ""; }
        catch (IOException) { }
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(flags)))[..16];
        return $"{Describe()}; flags {hash}";
    }

    public static string Describe()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return $"{Environment.ProcessorCount} logical CPUs";
            string model = "unknown model"; string flags = "";
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                string key = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
                if (key == "model name" && model == "unknown model") model = value;
                if (key == "flags") { flags = " " + value + " "; break; }
            }
            string simd = flags.Contains(" avx512f ") ? "AVX-512" : flags.Contains(" avx2 ") ? "AVX2" : flags.Contains(" sse4_1 ") ? "SSE4.1" : "no AVX";
            return $"{model}, {simd}, {Environment.ProcessorCount} logical CPUs";
        }
        catch (IOException) { return $"{Environment.ProcessorCount} logical CPUs"; }
    }
}
