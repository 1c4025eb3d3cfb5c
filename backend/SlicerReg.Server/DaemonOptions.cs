using SlicerReg.Client;

namespace SlicerReg.Server;

/// <summary>How the daemon was started (`slicerreg serve`), validated by <see cref="Validate"/>.</summary>
public sealed class DaemonOptions
{
    /// <summary>"HOST:PORT" (port 0: any free port); null when <see cref="Socket"/> is used.</summary>
    public string? Listen { get; init; }
    /// <summary>Unix domain socket path; null when <see cref="Listen"/> is used.</summary>
    public string? Socket { get; init; }
    public string? Token { get; init; }
    /// <summary>The TLS certificate: PEM (its key in <see cref="TlsKeyFile"/>) or PKCS#12 (.p12/.pfx, key inside); null: plain HTTP/2.</summary>
    public string? TlsCertificateFile { get; init; }
    public string? TlsKeyFile { get; init; }
    /// <summary>The password of a PKCS#12 file or an encrypted PEM key (SLICERREG_TLS_PASSWORD), or null.</summary>
    public string? TlsPassword { get; init; }
    /// <summary>Serve plain HTTP/2 on a non-loopback address (a trusted network); a warning is logged at every start.</summary>
    public bool Insecure { get; init; }
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

    public bool UsesTls => TlsCertificateFile != null;

    /// <summary>Whether others than this machine's users can connect: a TCP address that is not loopback.</summary>
    public bool IsReachableFromNetwork => Listen != null && !DaemonHost.IsLoopback(DaemonHost.ParseListen(Listen).Host);

    public void Validate()
    {
        if ((Listen is null) == (Socket is null)) throw new ArgumentException("give exactly one of --listen HOST:PORT and --socket PATH");
        if (Device is not ("cpu" or "cuda")) throw new ArgumentException($"--device '{Device}': expected cpu or cuda");
        if (Workers < 1 || Workers > 64) throw new ArgumentException($"--workers must be 1..64, got {Workers}");
        if (QueueCapacity < 1 || QueueCapacity > 10000) throw new ArgumentException($"--queue must be 1..10000, got {QueueCapacity}");
        if (Simulations < 1 || Simulations > 64) throw new ArgumentException($"--simulations must be 1..64, got {Simulations}");
        if (ResultTtl <= TimeSpan.Zero) throw new ArgumentException("--result-ttl must be positive");
        if (TlsKeyFile != null && TlsCertificateFile is null) throw new ArgumentException("--tls-key goes with --tls-cert");
        if (UsesTls && Socket != null) throw new ArgumentException("--tls-cert applies to --listen: a unix socket is reached only from this machine, without TLS");
        if (UsesTls && Insecure) throw new ArgumentException("--insecure and --tls-cert contradict each other: give one");
        if (UsesTls && ServerCertificate.IsPkcs12(TlsCertificateFile!) && TlsKeyFile != null)
            throw new ArgumentException($"--tls-cert {TlsCertificateFile} is PKCS#12 (.p12/.pfx), which holds its key: give no --tls-key");
        if (UsesTls && !ServerCertificate.IsPkcs12(TlsCertificateFile!) && TlsKeyFile is null)
            throw new ArgumentException($"--tls-cert {TlsCertificateFile} is PEM: give its private key with --tls-key KEY.pem (or a .p12/.pfx file holding both)");
        if (IsReachableFromNetwork)
        {
            var missing = new List<string>();
            if (!UsesTls && !Insecure) missing.Add("TLS (--tls-cert CERT.pem --tls-key KEY.pem)");
            if (Token is null) missing.Add("a token (--token-file FILE, --token T or SLICERREG_TOKEN; clients send it as \"authorization: Bearer TOKEN\")");
            if (missing.Count > 0)
                throw new ArgumentException($"--listen {Listen} is not a loopback address: a daemon others can reach needs {string.Join(" and ", missing)}, " +
                                            "so that only token holders get in and the token, the radiographs and the results do not cross the network in the clear " +
                                            "(docs/daemon.md, \"Deployment\"); --insecure serves plain HTTP/2 on a network you trust (a token is still needed); " +
                                            "or listen on 127.0.0.1");
        }
        if (Token != null && AccessToken.Problem(Token) is string problem) throw new ArgumentException("--token: " + problem);
    }
}
