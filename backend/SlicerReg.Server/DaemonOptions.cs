namespace SlicerReg.Server;

/// <summary>How the daemon was started (`slicerreg serve`), validated by <see cref="Validate"/>.</summary>
public sealed class DaemonOptions
{
    /// <summary>"HOST:PORT" (port 0: any free port); null when <see cref="Socket"/> is used.</summary>
    public string? Listen { get; init; }
    /// <summary>Unix domain socket path; null when <see cref="Listen"/> is used.</summary>
    public string? Socket { get; init; }
    public string? Token { get; init; }
    public string Device { get; init; } = "cpu";
    public string? ModelsDir { get; init; }
    public string? AtlasFile { get; init; }
    public string? AtlasLabelsFile { get; init; }
    public int Workers { get; init; } = 1;
    public int QueueCapacity { get; init; } = 8;
    public TimeSpan ResultTtl { get; init; } = TimeSpan.FromHours(1);
    public long SpillAboveBytes { get; init; } = 64L * 1024 * 1024;
    public string SpillFolder { get; init; } = Path.Combine(Path.GetTempPath(), $"slicerreg-daemon-{Environment.ProcessId}");
    public bool JsonLogs { get; init; }
    /// <summary>Simulation calls (DRR rendering) in progress at once, uploads included; more get RESOURCE_EXHAUSTED.</summary>
    public int Simulations { get; init; } = 2;
    /// <summary>Maps the Diagnostics service (forced GC + memory report), for tests and benchmarks only.</summary>
    public bool Diagnostics { get; init; }

    public void Validate()
    {
        if ((Listen is null) == (Socket is null)) throw new ArgumentException("give exactly one of --listen HOST:PORT and --socket PATH");
        if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"--device '{Device}': expected cpu or cuda");
        if (Workers < 1 || Workers > 64) throw new ArgumentException($"--workers must be 1..64, got {Workers}");
        if (QueueCapacity < 1 || QueueCapacity > 10000) throw new ArgumentException($"--queue must be 1..10000, got {QueueCapacity}");
        if (Simulations < 1 || Simulations > 64) throw new ArgumentException($"--simulations must be 1..64, got {Simulations}");
        if (ResultTtl <= TimeSpan.Zero) throw new ArgumentException("--result-ttl must be positive");
        if (Listen != null && !DaemonHost.IsLoopback(DaemonHost.ParseListen(Listen).Host) && Token is null)
            throw new ArgumentException($"--listen {Listen} is not a loopback address: anyone on the network could submit jobs; give --token TOKEN (clients send it as \"authorization: Bearer TOKEN\"), or listen on 127.0.0.1");
        if (Token != null && Token.Length < 16) throw new ArgumentException("--token must be at least 16 characters");
    }
}
