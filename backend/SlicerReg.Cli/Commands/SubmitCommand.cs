using Grpc.Core;
using Newtonsoft.Json.Linq;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg submit`: uploads a biplanar pair to a daemon, prints the job's progress, downloads every result into DIR
/// (RESULT.nrrd, plus summary.json with the affine). Ctrl-C cancels the job on the daemon.
/// </summary>
public sealed class SubmitCommand : ICommand
{
    public string Name => "submit";
    public string Summary => "register a radiograph pair on a running daemon and download the results";
    public string Usage => "slicerreg submit --server ADDR --ap AP.nrrd --lat LAT.nrrd --out DIR [--ap-view VIEW.json|ap|dicom] [--lat-view VIEW.json|lateral|dicom]\n" +
                           "             [--model identity] [--options k=v,k=v] [--results NAME,NAME] [--tls] [--ca CA.pem] [--token-file FILE | --token T]\n" +
                           "             ADDR: HOST:PORT, https://HOST:PORT (TLS) or unix:/PATH. Radiographs carry their view (slicerreg drr) unless --ap-view/--lat-view are given;\n" +
                           "             AP/LAT may be DICOM (docs/radiographs.md \"DICOM\"): dicom takes the view from its C-arm attributes.";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string>(DaemonArguments.Flags);

    public int Run(Arguments args, TextWriter stdout)
    {
        var server = DaemonArguments.Read(args) ?? throw new UsageException("--server is required");
        string outDir = Require(args, "out");
        var (ap, lat) = RegisterCommand.ReadPair(Require(args, "ap"), args.Option("ap-view"), Require(args, "lat"), args.Option("lat-view"), stdout.WriteLine);
        string model = args.Option("model") ?? "identity";
        var options = new Dictionary<string, string>();
        foreach (var kv in (args.Option("options") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = kv.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--options '{kv}': expected KEY=VALUE");
            options[kv[..eq].Trim()] = kv[(eq + 1)..].Trim();
        }
        var results = (args.Option("results") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        args.RejectUnknown();
        if (args.Positional.Count > 0) throw new UsageException($"submit takes no positional arguments (got '{args.Positional[0]}')");
        try { return RunAsync(server, ap, lat, model, options, results, outDir, stdout).GetAwaiter().GetResult(); }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"slicerreg submit: {DaemonFailure.Describe(e, server)}");
            return 1;
        }
        catch (SlicerReg.Client.Protocol.ProtocolException e)
        {
            Console.Error.WriteLine($"slicerreg submit: {e.Message}");
            return 1;
        }
    }

    static async Task<int> RunAsync(DaemonEndpoint server, Radiograph ap, Radiograph lat, string model, Dictionary<string, string> options,
                                    string[] results, string outDir, TextWriter stdout)
    {
        using var client = RegistrationClient.Connect(server);
        await client.CheckDaemonAsync();
        var submitted = await client.SubmitAsync(ap, lat, model, options, results);
        string jobId = submitted.JobId;
        stdout.WriteLine($"job {jobId} queued ({submitted.QueuePosition} ahead)");
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; interrupt.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            ResultSummary? summary = null;
            try
            {
                await foreach (var e in client.WatchAsync(jobId, interrupt.Token))
                {
                    switch (e.EventCase)
                    {
                        case JobEvent.EventOneofCase.Progress:
                            stdout.WriteLine($"[{e.Progress.Fraction * 100,5:0.0}%] {e.Progress.Stage}: {e.Progress.Message}"); break;
                        case JobEvent.EventOneofCase.Result: summary = e.Result; break;
                        case JobEvent.EventOneofCase.Error:
                            Console.Error.WriteLine($"slicerreg submit: job {jobId} {e.State.ToString().ToLowerInvariant()}: {e.Error.Message}");
                            return 1;
                    }
                }
            }
            catch (Exception e) when (interrupt.IsCancellationRequested && e is OperationCanceledException or RpcException)
            {
                var state = await client.CancelAsync(jobId);
                Console.Error.WriteLine($"slicerreg submit: interrupted; job {jobId} is now {state.ToString().ToLowerInvariant()}");
                return 1;
            }
            if (summary is null) { Console.Error.WriteLine($"slicerreg submit: job {jobId}: the watch ended without a result"); return 1; }
            stdout.WriteLine($"job {jobId} succeeded in {summary.Seconds:0.00} s: {summary.Message}");
            Directory.CreateDirectory(outDir);
            foreach (var r in summary.Results)
            {
                var volume = await client.FetchAsync(jobId, r.Name, interrupt.Token);
                string path = Path.Combine(outDir, r.Name + ".nrrd");
                VolumeFile.Write(volume, path);
                stdout.WriteLine($"wrote {path} ({volume})");
            }
            var json = new JObject
            {
                ["jobId"] = jobId, ["model"] = summary.Model, ["message"] = summary.Message, ["seconds"] = summary.Seconds,
                ["affine"] = new JArray(summary.Affine.Select(x => (object)x).ToArray()), ["affineCoordinateSystem"] = summary.AffineCoordinateSystem.ToString().ToUpperInvariant(),
                ["results"] = new JArray(summary.Results.Select(r => r.Name).ToArray()),
            };
            string summaryPath = Path.Combine(outDir, "summary.json");
            AtomicFile.Write(summaryPath, s => s.Write(System.Text.Encoding.UTF8.GetBytes(json.ToString())));
            stdout.WriteLine($"wrote {summaryPath}");
            return 0;
        }
        finally { Console.CancelKeyPress -= onCtrlC; }
    }

    static string Require(Arguments args, string name) => args.Option(name) ?? throw new UsageException($"--{name} is required");
}
