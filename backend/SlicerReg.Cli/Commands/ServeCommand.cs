using System.Globalization;
using SlicerReg.Client;
using SlicerReg.Core.Anatomy;
using SlicerReg.Server;

namespace SlicerReg.Cli.Commands;

/// <summary>`slicerreg serve`: runs the registration daemon (docs/daemon.md) until SIGTERM or Ctrl-C.</summary>
public sealed class ServeCommand : ICommand
{
    public string Name => "serve";
    public string Summary => "run the registration daemon (gRPC; see docs/daemon.md)";
    public string Usage => "slicerreg serve [--listen 127.0.0.1:PORT | --socket PATH] [--token-file FILE | --token TOKEN] [--device cpu|cuda] [--atlas FILE]\n" +
                           "             [--atlas-labels FILE] [--models DIR|none] [--workers N] [--queue N] [--result-ttl SECONDS]\n" +
                           "             [--spill-above-mb MB] [--simulations N] [--log-json] [--tls-cert CERT.pem --tls-key KEY.pem | --tls-cert CERT.p12] [--insecure]\n" +
                           "             a non-loopback --listen needs TLS and a token (docs/daemon.md, \"Deployment\"); --insecure: plain HTTP/2 on a trusted network";
    public IReadOnlySet<string> Flags => new HashSet<string> { "log-json", "diagnostics", "insecure" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string? listen = args.Option("listen"), socket = args.Option("socket");
        if (listen is null && socket is null) listen = "127.0.0.1:50051";
        string? token;
        try { token = AccessToken.Resolve(args.Option("token"), args.Option("token-file")); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        var options = new DaemonOptions
        {
            Listen = listen, Socket = socket,
            Token = token,
            TlsCertificateFile = args.Option("tls-cert"),
            TlsKeyFile = args.Option("tls-key"),
            TlsPassword = NullIfEmpty(Environment.GetEnvironmentVariable("SLICERREG_TLS_PASSWORD")),
            Insecure = args.Flag("insecure"),
            Device = args.Option("device") ?? "cpu",
            ModelsDir = ModelsFolder(args.Option("models")),
            AtlasFile = args.Option("atlas"),
            AtlasLabelsFile = args.Option("atlas-labels"),
            Workers = Int(args, "workers") ?? 1,
            QueueCapacity = Int(args, "queue") ?? 8,
            ResultTtl = TimeSpan.FromSeconds(Number(args, "result-ttl") ?? 3600),
            SpillAboveBytes = (long)((Number(args, "spill-above-mb") ?? 64) * 1024 * 1024),
            JsonLogs = args.Flag("log-json"),
            Simulations = Int(args, "simulations") ?? 2,
            Diagnostics = args.Flag("diagnostics"), // hidden: tests and benchmarks only (docs/daemon.md)
        };
        args.RejectUnknown();
        if (args.Positional.Count > 0) throw new UsageException($"serve takes no positional arguments (got '{args.Positional[0]}')");
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        // Fail at start, not at the first job, when the device is not usable (the placeholder engine itself runs on the CPU).
        if (options.Device == "cuda") SlicerReg.Engine.ComputeDevice.Select("cuda");
        return DaemonHost.RunAsync(options, stdout).GetAwaiter().GetResult();
    }

    /// <summary>
    /// --models DIR as given; "none" for no models; without the option, the repository's atlas/models (the shipped models)
    /// when it exists above the program's folder or the current folder, as the shipped atlases are found.
    /// </summary>
    static string? ModelsFolder(string? option)
    {
        if (option == "none") return null;
        if (option != null) return option;
        return ShippedAtlas.FindFolder(Path.Combine("atlas", "models"), Directory.Exists, out _);
    }

    static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    static int? Int(Arguments args, string name)
    {
        var s = args.Option(name);
        if (s is null) return null;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new UsageException($"--{name} '{s}': expected an integer");
    }

    static double? Number(Arguments args, string name)
    {
        var s = args.Option(name);
        if (s is null) return null;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v : throw new UsageException($"--{name} '{s}': expected a positive number");
    }
}
