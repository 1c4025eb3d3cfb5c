using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>The bounded FIFO queue of the real daemon with one worker and one waiting slot: back-pressure and slot release.</summary>
[TestFixture, NonParallelizable]
public sealed class QueueTests
{
    TempFolder _folder = null!;
    DaemonProcess _daemon = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _folder = new TempFolder();
        var atlas = TestData.MakeAtlas(_folder, "atlas", new GridSize(6, 5, 4), seed: 5);
        _daemon = new DaemonProcess(new[] { "--atlas", atlas.Path, "--workers", "1", "--queue", "1" });
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    static readonly Dictionary<string, string> Slow = new() { ["stage_delay_ms"] = "10000" };

    static async Task WaitForState(RegistrationClient client, string jobId, JobState state)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in client.WatchAsync(jobId, timeout.Token)) if (e.State == state) return;
        Assert.Fail($"job {jobId} never reached {state}");
    }

    [Test]
    public async Task FullQueue_IsResourceExhausted_AndCancellingFreesTheSlot()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var running = await client.SubmitAsync(ap, lat, "identity", Slow);
        await WaitForState(client, running.JobId, JobState.Running);
        var waiting = await client.SubmitAsync(ap, lat, "identity", Slow);
        Assert.That(waiting.QueuePosition, Is.EqualTo(0), "nothing waits ahead of it; one job runs");

        var ex = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(ap, lat, "identity"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));
        Assert.That(ex.Status.Detail, Is.EqualTo("the job queue is full (1 waiting, 1 running on cpu); retry later"));

        // Cancelling the waiting job frees its slot at once (FIFO order is kept for the rest).
        Assert.That(await client.CancelAsync(waiting.JobId), Is.EqualTo(JobState.Cancelled));
        var next = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_atlas" });
        Assert.That(await client.CancelAsync(running.JobId), Is.AnyOf(JobState.Running, JobState.Cancelled));
        JobEvent? last = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in client.WatchAsync(next.JobId, timeout.Token)) last = e;
        Assert.That(last!.State, Is.EqualTo(JobState.Succeeded));
        await WaitForState(client, running.JobId, JobState.Cancelled);
    }

    [Test]
    public async Task UploadInProgress_HoldsASlot_UntilItIsAbandoned()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var running = await client.SubmitAsync(ap, lat, "identity", Slow);
        await WaitForState(client, running.JobId, JobState.Running);

        // A second client sends its header and part of its AP image, then stalls: it holds the only waiting slot.
        int reserved = _daemon.CountLog("queue slot reserved"), abandoned = _daemon.CountLog("abandoned mid-upload");
        var channel = _daemon.Channel();
        using var stall = new CancellationTokenSource();
        var call = new Registration.RegistrationClient(channel).Submit(cancellationToken: stall.Token);
        var messages = RegistrationClient.ImageMessages(ap, ViewRole.Ap).ToList();
        await call.RequestStream.WriteAsync(new SubmitRequest { Header = new SubmitHeader { Model = "identity" } });
        await call.RequestStream.WriteAsync(messages[0]);
        _daemon.WaitForLog("queue slot reserved", count: reserved + 1);

        var ex = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(ap, lat, "identity"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.ResourceExhausted));

        stall.Cancel(); call.Dispose(); channel.Dispose();
        _daemon.WaitForLog("abandoned mid-upload", count: abandoned + 1);
        var next = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_atlas" });
        Assert.That(next.JobId, Is.Not.Empty, "the abandoned upload gave its slot back");
        await client.CancelAsync(running.JobId);
        await WaitForState(client, next.JobId, JobState.Succeeded);
    }

    [Test]
    public async Task JobsRunInSubmissionOrder()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var first = await client.SubmitAsync(ap, lat, "identity", new Dictionary<string, string> { ["stage_delay_ms"] = "100" }, new[] { "warped_atlas" });
        var second = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_atlas" });
        var finished = new List<(string Id, DateTime At)>();
        foreach (var id in new[] { first.JobId, second.JobId })
        {
            await foreach (var e in client.WatchAsync(id)) if (e.State == JobState.Succeeded) finished.Add((id, DateTime.UtcNow));
        }
        // The log arrives through the daemon's stderr pipe, behind the gRPC replies: wait for it before reading it.
        _daemon.WaitForLog($"job {second.JobId} succeeded", timeoutSeconds: 30);
        Assert.That(_daemon.Log.IndexOf($"job {first.JobId} running", StringComparison.Ordinal),
            Is.LessThan(_daemon.Log.IndexOf($"job {second.JobId} running", StringComparison.Ordinal)), "FIFO");
        Assert.That(_daemon.Log.IndexOf($"job {first.JobId} succeeded", StringComparison.Ordinal),
            Is.LessThan(_daemon.Log.IndexOf($"job {second.JobId} running", StringComparison.Ordinal)), "one worker: the second starts after the first ends");
    }
}
