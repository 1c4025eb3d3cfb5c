using SlicerReg.Core.Anatomy;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Newtonsoft.Json.Linq;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Protocol.V1;
using SlicerReg.Core.Registration;
using SlicerReg.Core.Xray;
using SlicerReg.Server.Domain;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// The daemon (docs/daemon.md), started as a separate `slicerreg serve` process on this machine and reached over loopback:
/// (1) transfer throughput, TCP, TCP with TLS (a certificate made here for 127.0.0.1, the client trusting its CA) and unix socket: the upload of a 2 × 64 MiB radiograph pair (Submit, until the job id
/// comes back: chunking, SHA-256 on both sides, the daemon's NaN check) and the download of a 128 MiB atlas
/// (FetchResult from memory: SHA-256 on both sides); (2) the daemon's overhead over running the engine in-process on
/// the same inputs, for one paper-sized job (atlas 192×128×192 float32, a 160×224 pair): submit → result event, and
/// submit → every result fetched, minus the engine's own RegisterAsync. The engine is whatever <see cref="IRegistrationEngine"/>
/// the daemon runs (today the identity placeholder, which computes nothing, so the overhead is all protocol).
/// MB = 10^6 bytes. On a shared machine wall time includes waiting for a core, so the transfer rows' CPU column counts both
/// ends, this (client) process plus the daemon (its /proc utime + stime); the overhead rows' CPU column, this process only.
/// </summary>
public sealed class DaemonBenchmarkSection : IBenchmarkSection
{
    public string Name => "daemon";

    public IReadOnlyList<BenchmarkRow> Run(BenchmarkContext ctx, JObject summary)
    {
        int runs = Math.Max(1, Math.Min(ctx.Runs, 5)); // each run moves 256 MiB
        var rows = new List<BenchmarkRow>();
        var big = RandomVolume(new GridSize(512, 512, 128), seed: 1); // 128 MiB
        string bigPath = Path.Combine(ctx.ScratchFolder, "daemon-atlas-big.nrrd");
        VolumeFile.Write(big, bigPath, new VolumeWriteOptions { Compress = false });
        big = null;
        var pair = (BenchmarkInputs.Image(4096, 4096, lateral: false), BenchmarkInputs.Image(4096, 4096, lateral: true)); // 2 × 64 MiB
        var tls = LoopbackCertificate(ctx.ScratchFolder);
        foreach (var transport in new[] { "tcp", "tls", "unix" })
        {
            string socket = Path.Combine(ctx.ScratchFolder, "daemon.sock");
            using var daemon = new DaemonChild(transport switch
            {
                "tcp" => new[] { "--listen", "127.0.0.1:0" },
                "tls" => new[] { "--listen", "127.0.0.1:0", "--tls-cert", tls.Certificate, "--tls-key", tls.Key },
                _ => new[] { "--socket", socket },
            }, bigPath, ctx.Log);
            using var client = RegistrationClient.Connect(new DaemonEndpoint(daemon.Address, CaFile: transport == "tls" ? tls.Ca : null));
            var up = new List<double>(); var down = new List<double>(); var upCpu = new List<double>(); var downCpu = new List<double>();
            long upBytes = 0, downBytes = 0;
            for (int n = 0; n <= runs; n++) // run 0 warms up
            {
                double cpu0 = daemon.BothCpuMs();
                var sw = Stopwatch.StartNew();
                var job = client.SubmitAsync(pair.Item1, pair.Item2, IdentityEngine.ModelName, results: new[] { ResultNames.WarpedAtlas }).GetAwaiter().GetResult();
                double upMs = sw.Elapsed.TotalMilliseconds, cpu1 = daemon.BothCpuMs();
                WaitFinished(client, job.JobId);
                double cpu2 = daemon.BothCpuMs();
                sw.Restart();
                var volume = client.FetchAsync(job.JobId, ResultNames.WarpedAtlas).GetAwaiter().GetResult();
                double downMs = sw.Elapsed.TotalMilliseconds, cpu3 = daemon.BothCpuMs();
                if (n == 0) continue;
                up.Add(upMs); down.Add(downMs); upCpu.Add(cpu1 - cpu0); downCpu.Add(cpu3 - cpu2);
                upBytes = 2L * pair.Item1.Image.Pixels.Length * sizeof(float); downBytes = volume.Bytes.Length;
            }
            double upMedian = BenchCommand.Median(up.ToArray()), downMedian = BenchCommand.Median(down.ToArray());
            double upCpuMedian = BenchCommand.Median(upCpu.ToArray()), downCpuMedian = BenchCommand.Median(downCpu.ToArray());
            rows.Add(new BenchmarkRow($"{transport}: upload 2 × 64 MiB radiographs", upMedian, runs,
                                      $"{upBytes / 1e3 / upMedian:F0} MB/s; {upBytes / 1e3 / upCpuMedian:F0} MB per CPU-s (client + daemon)", upCpuMedian));
            rows.Add(new BenchmarkRow($"{transport}: download 128 MiB volume", downMedian, runs,
                                      $"{downBytes / 1e3 / downMedian:F0} MB/s; {downBytes / 1e3 / downCpuMedian:F0} MB per CPU-s (client + daemon)", downCpuMedian));
            summary[$"{transport} upload MB/s"] = Math.Round(upBytes / 1e3 / upMedian, 1);
            summary[$"{transport} download MB/s"] = Math.Round(downBytes / 1e3 / downMedian, 1);
            summary[$"{transport} upload MB per CPU-second"] = Math.Round(upBytes / 1e3 / upCpuMedian, 1);
            summary[$"{transport} download MB per CPU-second"] = Math.Round(downBytes / 1e3 / downCpuMedian, 1);
        }

        // Overhead over direct execution, one paper-sized job.
        var atlas = RandomVolume(new GridSize(192, 128, 192), seed: 2);
        string atlasPath = Path.Combine(ctx.ScratchFolder, "daemon-atlas-paper.nrrd");
        VolumeFile.Write(atlas, atlasPath, new VolumeWriteOptions { Compress = false });
        atlas = VolumeFile.Read(atlasPath); // as the daemon has it
        var ap = BenchmarkInputs.Image(160, 224, lateral: false); var lat = BenchmarkInputs.Image(160, 224, lateral: true);
        var engine = new IdentityEngine(atlas, null, Path.GetFileName(atlasPath));
        var request = new RegistrationRequest(ap, lat, new Dictionary<string, string>(), new HashSet<string>());
        var direct = BenchCommand.Measure(() => engine.RegisterAsync(request, new Progress<RegistrationProgress>(), CancellationToken.None).GetAwaiter().GetResult(), ctx.Runs);
        rows.Add(new BenchmarkRow("engine RegisterAsync in-process", direct.WallMs, ctx.Runs, $"{engine.Card.Name} engine, paper grid", direct.CpuMs));
        using (var daemon = new DaemonChild(new[] { "--listen", "127.0.0.1:0" }, atlasPath, ctx.Log))
        using (var client = RegistrationClient.Connect(daemon.Address))
        {
            string? lastJob = null;
            var toResult = BenchCommand.Measure(() =>
            {
                lastJob = client.SubmitAsync(ap, lat, engine.Card.Name).GetAwaiter().GetResult().JobId;
                WaitFinished(client, lastJob);
            }, ctx.Runs);
            rows.Add(new BenchmarkRow("daemon: submit → result event", toResult.WallMs, ctx.Runs, "2 × 160×224 float32 up", toResult.CpuMs));
            var toFetched = BenchCommand.Measure(() =>
            {
                var id = client.SubmitAsync(ap, lat, engine.Card.Name).GetAwaiter().GetResult().JobId;
                WaitFinished(client, id);
                foreach (var name in engine.Card.Results) client.FetchAsync(id, name).GetAwaiter().GetResult();
            }, ctx.Runs);
            rows.Add(new BenchmarkRow("daemon: submit → all results fetched", toFetched.WallMs, ctx.Runs, "18.9 MB atlas + 56.6 MB field down", toFetched.CpuMs));
            summary["overhead ms, submit → result event, minus engine"] = Math.Round(toResult.WallMs - direct.WallMs, 2);
            summary["overhead ms, submit → all results fetched, minus engine"] = Math.Round(toFetched.WallMs - direct.WallMs, 2);
        }
        rows.AddRange(NetworkOverhead(ctx, summary, ap, lat));
        summary["note"] = "daemon = separate `slicerreg serve` process on the same cores; throughput = bytes / median wall time, MB = 1e6 bytes";
        return rows;
    }

    /// <summary>
    /// The network engine's overhead: the smallest real model (tiny preset, untrained; the shipped atlas) registered by the
    /// Registrar in this process — what `slicerreg register` does after loading — against the daemon loaded with the same
    /// model folder: submit → result event, and submit → its 5 results fetched. The three are interleaved run by run (the
    /// load of a shared machine drifts), and CPU is counted at both ends (this process + the daemon), the load-independent figure.
    /// </summary>
    static IEnumerable<BenchmarkRow> NetworkOverhead(BenchmarkContext ctx, JObject summary, Radiograph ap, Radiograph lat)
    {
        int runs = Math.Max(3, Math.Min(ctx.Runs, 9));
        var preset = NetworkPreset.Tiny;
        string model = BenchmarkInputs.UntrainedModel(preset, ctx.ScratchFolder);
        var (ct, label) = Core.Anatomy.ShippedAtlas.Find(preset.Name);
        using var registrar = Engine.Inference.Registrar.Load(model, "cpu", ct, label);
        using var daemon = new DaemonChild(new[] { "--listen", "127.0.0.1:0" }, null, ctx.Log, "--models", model);
        using var client = RegistrationClient.Connect(daemon.Address);
        string name = client.ListModelsAsync().GetAwaiter().GetResult().Single(m => m.Available).Name;
        var results = ResultNames.All;
        // 0: the Registrar on this (main) thread, as `slicerreg register` runs it; 1: on a thread-pool thread, as the daemon
        // runs it; 2: daemon, submit → warped_atlas fetched; 3: daemon, submit → all 5 results fetched.
        const int kinds = 4;
        var wall = new double[kinds][]; var cpu = new double[kinds][];
        for (int m = 0; m < kinds; m++) { wall[m] = new double[runs]; cpu[m] = new double[runs]; }
        for (int n = -1; n < runs; n++) // n = -1 warms up every path
        {
            for (int m = 0; m < kinds; m++)
            {
                double cpu0 = daemon.BothCpuMs();
                var clock = Stopwatch.StartNew();
                if (m == 0) registrar.Register(ap, lat);
                else if (m == 1) Task.Run(() => registrar.Register(ap, lat)).GetAwaiter().GetResult();
                else
                {
                    var id = client.SubmitAsync(ap, lat, name).GetAwaiter().GetResult().JobId;
                    WaitFinished(client, id);
                    foreach (var r in m == 3 ? results : results.Take(1)) client.FetchAsync(id, r).GetAwaiter().GetResult();
                }
                if (n < 0) continue;
                wall[m][n] = clock.Elapsed.TotalMilliseconds; cpu[m][n] = daemon.BothCpuMs() - cpu0;
            }
        }
        double W(int m) => BenchCommand.Median(wall[m]);
        double C(int m) => BenchCommand.Median(cpu[m]);
        var rows = new List<BenchmarkRow>
        {
            new("network: Registrar, main thread", W(0), runs, "tiny, untrained; as `slicerreg register` runs it (OpenMP threads sleep between regions: OMP_WAIT_POLICY=PASSIVE unless set, docs/benchmark.md, Threads)", C(0)),
            new("network: Registrar, thread-pool thread", W(1), runs, "as the daemon runs it; overheads below are over this", C(1)),
            new("network: daemon submit → fetched warped_atlas", W(2), runs, $"same model via `serve --models`; +{W(2) - W(1):F0} ms wall, +{C(2) - C(1):F0} ms cpu (both ends)", C(2)),
            new("network: daemon submit → 5 results fetched", W(3), runs, $"+{W(3) - W(1):F0} ms wall, +{C(3) - C(1):F0} ms cpu (both ends)", C(3)),
        };
        summary["network overhead ms (wall), submit → warped_atlas fetched, minus Registrar"] = Math.Round(W(2) - W(1), 2);
        summary["network overhead ms (wall), submit → all 5 results fetched, minus Registrar"] = Math.Round(W(3) - W(1), 2);
        summary["network overhead cpu ms (both ends), submit → all 5 results fetched, minus Registrar"] = Math.Round(C(3) - C(1), 2);
        return rows;
    }

    /// <summary>
    /// A private CA and a certificate it signed for 127.0.0.1 (ECDSA P-256, as docs/daemon.md's openssl commands make),
    /// valid for a day, written as PEM into <paramref name="folder"/>: what the "tls" transport serves and trusts.
    /// </summary>
    static (string Certificate, string Key, string Ca) LoopbackCertificate(string folder)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=slicerreg bench CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=slicerreg bench daemon", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var certificate = request.Create(ca, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        var paths = (Path.Combine(folder, "daemon-tls.pem"), Path.Combine(folder, "daemon-tls.key"), Path.Combine(folder, "daemon-tls-ca.pem"));
        File.WriteAllText(paths.Item1, certificate.ExportCertificatePem());
        File.WriteAllText(paths.Item2, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(paths.Item3, ca.ExportCertificatePem());
        return paths;
    }

    static void WaitFinished(RegistrationClient client, string jobId)
    {
        JobEvent? last = null;
        foreach (var e in client.WatchAsync(jobId).ToBlockingEnumerable()) last = e;
        if (last?.State != JobState.Succeeded) throw new InvalidOperationException($"daemon benchmark: job {jobId} ended {last}");
    }

    static Volume RandomVolume(GridSize size, int seed)
    {
        var rng = new Random(seed);
        var voxels = new float[size.VoxelCount];
        for (long n = 0; n < voxels.LongLength; n++) voxels[n] = (float)(rng.NextDouble() * 2000 - 1000);
        return Volume.Create(ImageGeometry.Axial(size, new Vec3(0.664, 0.664, 1)), voxels);
    }

    /// <summary>`slicerreg serve` as a child process of this one (same build), stopped with SIGTERM.</summary>
    sealed class DaemonChild : IDisposable
    {
        readonly Process _process;
        public string Address { get; }

        [DllImport("libc", SetLastError = true)]
        static extern int kill(int pid, int signal);

        /// <param name="atlas">the identity engine's atlas, or null; <paramref name="extra"/>: more serve arguments (default --models none).</param>
        public DaemonChild(IEnumerable<string> listen, string? atlas, TextWriter log, params string[] extra)
        {
            string self = Environment.ProcessPath!;
            var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(DaemonBenchmarkSection).Assembly.Location);
            var args = new[] { "serve", "--queue", "64", "--spill-above-mb", "100000", "--result-ttl", "60" }.Concat(listen)
                .Concat(atlas is null ? Array.Empty<string>() : new[] { "--atlas", atlas })
                .Concat(extra.Length > 0 ? extra : new[] { "--models", "none" });
            foreach (var a in args) psi.ArgumentList.Add(a);
            _process = Process.Start(psi)!;
            _process.ErrorDataReceived += (_, _) => { }; // logs are not needed; drained so the daemon never blocks on them
            _process.BeginErrorReadLine();
            string? line = _process.StandardOutput.ReadLine();
            if (line is null || !line.StartsWith("listening on ", StringComparison.Ordinal))
            {
                Dispose();
                throw new InvalidOperationException($"daemon benchmark: `slicerreg serve` did not start (first line: '{line}')");
            }
            Address = line["listening on ".Length..];
            log.WriteLine($"daemon: benchmark daemon at {Address}");
        }

        /// <summary>CPU milliseconds used so far by this process and the daemon together (Linux; this process only elsewhere).</summary>
        public double BothCpuMs()
        {
            double self = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
            string stat = $"/proc/{_process.Id}/stat";
            if (!File.Exists(stat)) return self;
            // Fields after the ")" closing the command name: state is field 3, utime 14 and stime 15, in clock ticks (100 per s on Linux).
            var fields = File.ReadAllText(stat).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return self + (long.Parse(fields[11]) + long.Parse(fields[12])) * 10.0;
        }

        public void Dispose()
        {
            if (!_process.HasExited) kill(_process.Id, 15); // SIGTERM: the daemon removes its socket and temp files
            if (!_process.WaitForExit(15000)) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
