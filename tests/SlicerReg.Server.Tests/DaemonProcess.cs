using System.Diagnostics;
using System.Reflection;
using System.Text;
using Grpc.Health.V1;
using Grpc.Net.Client;
using SlicerReg.Client;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>
/// The real daemon, `dotnet slicerreg.dll serve ...`, as a child process: started, waited for until the standard health
/// service answers SERVING, and always killed on Dispose. Its stderr (the logs) is collected for assertions.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _log = new();
    public string Address { get; }
    public string? Token { get; }
    /// <summary>The CA file a client trusts for a daemon serving TLS (its address is then https://…), or null.</summary>
    public string? CaFile { get; }
    public DaemonEndpoint Endpoint => new(Address, Token, CaFile: CaFile);

    public static string CliDll
    {
        get
        {
            string dir = typeof(DaemonProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliOutputDir").Value!;
            string dll = Path.Combine(dir, "slicerreg.dll");
            if (!File.Exists(dll)) Assert.Fail($"{dll} not found: build backend/SlicerReg.Cli first");
            return dll;
        }
    }

    /// <param name="args">serve arguments; "--listen 127.0.0.1:0" is added unless --listen or --socket is given, "--models none" unless --models is.</param>
    /// <param name="caFile">for a daemon started with --tls-cert: the CA its clients (and the wait for SERVING) trust.</param>
    /// <param name="connectTo">the host clients connect to instead of the one it listens on (e.g. 127.0.0.1 for 0.0.0.0).</param>
    public DaemonProcess(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? token = null, string? caFile = null,
                         string? connectTo = null)
    {
        var list = args.ToList();
        if (!list.Contains("--listen") && !list.Contains("--socket")) list.InsertRange(0, new[] { "--listen", "127.0.0.1:0" });
        // Not the repository's shipped models (serve's default): each test says which models its daemon has.
        if (!list.Contains("--models")) list.AddRange(new[] { "--models", "none" });
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliDll); psi.ArgumentList.Add("serve");
        foreach (var a in list) psi.ArgumentList.Add(a);
        if (environment != null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        Token = token;
        CaFile = caFile;
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is null)
        {
            Kill();
            Assert.Fail($"the daemon did not report its address:\n{Log}");
        }
        Address = line.Result!.StartsWith("listening on ", StringComparison.Ordinal) ? line.Result["listening on ".Length..] : throw new AssertionException($"unexpected first line '{line.Result}'\n{Log}");
        if (connectTo != null) Address = new UriBuilder(Address) { Host = connectTo }.Uri.GetLeftPart(UriPartial.Authority);
        WaitServing();
    }

    public string Log { get { lock (_log) return _log.ToString(); } }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    public RegistrationClient Client() => RegistrationClient.Connect(Endpoint);
    public GrpcChannel Channel() => SlicerRegChannel.Open(Endpoint);

    void WaitServing()
    {
        using var channel = Channel();
        var health = new Health.HealthClient(channel);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                if (health.Check(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2)).Status == HealthCheckResponse.Types.ServingStatus.Serving) return;
            }
            catch (Grpc.Core.RpcException) when (DateTime.UtcNow < until) { }
            if (DateTime.UtcNow > until) Assert.Fail($"the daemon never answered SERVING:\n{Log}");
            Thread.Sleep(100);
        }
    }

    /// <summary>How many log lines contain <paramref name="text"/>.</summary>
    public int CountLog(string text) => Log.Split('\n').Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Waits until at least <paramref name="count"/> log lines contain <paramref name="text"/>; returns the seconds it took, or fails.</summary>
    public double WaitForLog(string text, double timeoutSeconds = 10, int count = 1)
    {
        var sw = Stopwatch.StartNew();
        while (CountLog(text) < count)
        {
            if (sw.Elapsed.TotalSeconds > timeoutSeconds) Assert.Fail($"the daemon never logged '{text}':\n{Log}");
            Thread.Sleep(20);
        }
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>SIGTERM, then waits for a graceful exit; returns the exit code.</summary>
    public int Terminate(int timeoutMs = 15000)
    {
        ExternalTool.Check("kill", "-TERM", _process.Id.ToString());
        if (!_process.WaitForExit(timeoutMs)) { Kill(); Assert.Fail($"the daemon did not exit within {timeoutMs} ms of SIGTERM:\n{Log}"); }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    void Kill() { try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } catch (InvalidOperationException) { } }

    /// <summary>SIGTERM first (so the daemon removes its socket and temp files), SIGKILL if it does not exit in 10 s.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                ExternalTool.Run("kill", new[] { "-TERM", _process.Id.ToString() });
                _process.WaitForExit(10000);
            }
        }
        catch (InvalidOperationException) { }
        Kill();
        _process.Dispose();
    }
}
