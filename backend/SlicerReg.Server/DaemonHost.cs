using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Server.Domain;
using SlicerReg.Server.Jobs;
using SlicerReg.Server.Services;
using SlicerReg.Server.Simulation;

namespace SlicerReg.Server;

/// <summary>
/// Builds and runs the daemon: Kestrel with HTTP/2 only (gRPC over TLS with --tls-cert, else plain), the Registration and Models services,
/// the standard health service and server reflection. Stops on SIGTERM / Ctrl-C: running jobs are cancelled, results
/// and the spill folder deleted, the unix socket removed. Prints "listening on ADDRESS" on <paramref name="stdout"/> once ready.
/// </summary>
public static class DaemonHost
{
    public static bool IsLoopback(string host)
        => host is "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public static (string Host, int Port) ParseListen(string listen)
    {
        int colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen[(colon + 1)..], out int port) || port < 0 || port > 65535)
            throw new ArgumentException($"--listen '{listen}': expected HOST:PORT (e.g. 127.0.0.1:50051; port 0 picks a free one)");
        return (listen[..colon], port);
    }

    public static async Task<int> RunAsync(DaemonOptions options, TextWriter stdout, CancellationToken stop = default)
    {
        options.Validate();
        // The certificate is loaded first: a bad one stops the daemon at once, naming the file, before atlases and models load.
        using var certificate = options.UsesTls ? ServerCertificate.Load(options) : null;
        var chain = certificate is null ? null : ServerCertificate.Chain(options, certificate);
        // CPU-bound work (DRR rendering's Parallel.For, engines) occupies thread-pool threads; with the default minimum
        // (one per core) the pool would add a thread for gRPC I/O — a cancel, a health check — only after ~0.5 s of
        // starvation. A higher minimum lets those run at once.
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, 4 * Environment.ProcessorCount + 8), minIo);
        Volume? atlas = options.AtlasFile is null ? null : VolumeFile.Read(options.AtlasFile);
        Volume? labels = options.AtlasLabelsFile is null ? null : VolumeFile.Read(options.AtlasLabelsFile);
        if (labels != null)
        {
            if (atlas is null) throw new ArgumentException("--atlas-labels needs --atlas");
            if (!labels.Geometry.ApproximatelyEquals(atlas.Geometry)) throw new ArgumentException($"--atlas-labels {options.AtlasLabelsFile}: its grid differs from the atlas's ({labels.Geometry} vs {atlas.Geometry})");
            if (labels.Kind != VolumeKind.LabelMap) labels = labels.VoxelType.IsInteger() && labels.Components == 1 ? labels.ConvertTo(labels.VoxelType, VolumeKind.LabelMap) : throw new ArgumentException($"--atlas-labels {options.AtlasLabelsFile}: not an integer single-component volume");
        }
        // Network models are loaded here, once, before the daemon listens: a model that cannot be loaded is listed as
        // unavailable with the reason rather than failing its first job.
        var modelLines = new List<string>();
        using var catalog = new ModelCatalog(new IRegistrationEngine[] { new IdentityEngine(atlas, labels, options.AtlasFile is null ? null : Path.GetFileName(options.AtlasFile)) },
                                             options.ModelsDir, options.Device, modelLines.Add);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>(), ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (options.JsonLogs) builder.Logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        // Logs go to stderr; stdout carries only the "listening on" line a caller can parse.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));

        builder.WebHost.ConfigureKestrel(k =>
        {
            // Radiograph pairs may exceed Kestrel's 30 MB body limit; our own limits apply per declared image instead.
            k.Limits.MaxRequestBodySize = null;
            // A watcher whose machine vanished without closing its connection is found by HTTP/2 pings.
            k.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            k.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            // HTTP/2 flow-control windows sized for 1 MiB chunks (Kestrel's defaults, 96 KiB per stream and 128 KiB per
            // connection, stall an upload every tenth of a chunk waiting for a window update). The connection window bounds
            // what one client connection can make the daemon buffer, whatever its number of streams.
            k.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
            k.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            if (options.Socket != null)
            {
                PrepareSocketPath(options.Socket);
                k.ListenUnixSocket(options.Socket, l => l.Protocols = HttpProtocols.Http2);
            }
            else
            {
                var (host, port) = ParseListen(options.Listen!);
                var ip = host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(host.Trim('[', ']'));
                k.Listen(ip, port, l =>
                {
                    l.Protocols = HttpProtocols.Http2;
                    if (certificate != null) l.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate, ServerCertificateChain = chain });
                });
            }
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobQueue>());
        builder.Services.AddSingleton<SimulationGate>();
        builder.Services.AddSingleton<MemoryReclaimer>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RefusedCallLog>();
        builder.Services.AddSingleton<TokenInterceptor>();
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = WireLimits.MaxMessageBytes;
            o.EnableDetailedErrors = false;
            o.Interceptors.Add<TokenInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        // Health per service name as well as overall (""): grpc_health_probe -service slicerreg.v1.Simulation, etc.
        builder.Services.AddGrpcHealthChecks(o =>
            {
                o.Services.Map("slicerreg.v1.Registration", c => c.Name == "jobs");
                o.Services.Map("slicerreg.v1.Models", c => c.Name == "jobs");
                o.Services.Map("slicerreg.v1.Simulation", c => c.Name == "simulation");
            })
            .AddCheck("jobs", () => HealthCheckResult.Healthy())
            .AddCheck("simulation", () => HealthCheckResult.Healthy());

        await using var app = builder.Build();
        app.MapGrpcService<RegistrationService>();
        app.MapGrpcService<ModelsService>();
        app.MapGrpcService<SimulationService>();
        if (options.Diagnostics) app.MapGrpcService<DiagnosticsService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SlicerReg.Daemon");
        try
        {
            await app.StartAsync(stop);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? Array.Empty<string>();
            string address = options.Socket != null ? "unix:" + Path.GetFullPath(options.Socket) : addresses.FirstOrDefault() ?? options.Listen!;
            log.LogInformation("slicerreg daemon {Version} (protocol revision {Protocol}) listening on {Address} (device {Device}, atlas {Atlas}, models {Models}, token {Token}, TLS {Tls})",
                ProtocolRevision.ReleaseVersion, ProtocolRevision.Current, address, options.Device, options.AtlasFile ?? "none", options.ModelsDir ?? "none",
                options.Token is null ? "not required" : "required", certificate is null ? "off" : ServerCertificate.Describe(certificate));
            if (options.Insecure && options.IsReachableFromNetwork)
                log.LogWarning("--insecure: serving plain HTTP/2 on {Address}, an address other machines can reach: the token, the radiographs and the results " +
                               "cross the network unencrypted, readable by anyone on the path, and a captured token lets anyone in; give --tls-cert and --tls-key " +
                               "instead (docs/daemon.md, \"Deployment\")", address);
            else if (options.Insecure)
                log.LogWarning("--insecure given, but {Address} is reached only from this machine: nothing crosses the network (--insecure matters for a non-loopback --listen only)", address);
            foreach (var line in modelLines) log.LogInformation("{Model}", line);
            if (modelLines.Count > 0) log.LogInformation("CPU {Cpu}; convolution path {Path}", Engine.Kernels.ProcessorInfo.Describe(), Engine.Kernels.ConvolutionBackend.Describe());
            stdout.WriteLine($"listening on {address}");
            stdout.Flush();
            await app.WaitForShutdownAsync(stop);
            log.LogInformation("shutting down");
        }
        finally
        {
            if (options.Socket != null && File.Exists(options.Socket)) File.Delete(options.Socket);
        }
        return 0;
    }

    /// <summary>A leftover socket file from a crashed daemon is removed; a live one is an error.</summary>
    static void PrepareSocketPath(string path)
    {
        if (!File.Exists(path)) return;
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { probe.Connect(new UnixDomainSocketEndPoint(path)); }
        catch (SocketException) { File.Delete(path); return; }
        throw new ArgumentException($"--socket {path}: another daemon is listening there");
    }
}
