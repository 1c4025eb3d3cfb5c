using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>
/// Transfers far above gRPC's 4 MB message limit and Kestrel's 30 MB body limit, over a unix domain socket: a 32 MB radiograph
/// upload and a 256 MiB atlas download (issue 6: "a 256 MB volume round-trips intact": nibabel-written file → daemon → spill
/// file → wire → client, every voxel compared), then a graceful SIGTERM that removes the socket and the spill folder.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class LargeTransferTests
{
    [Test]
    public async Task QuarterGigabyteVolume_RoundTripsIntact_OverAUnixSocket_AndShutdownCleansUp()
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        using var folder = new TempFolder(); // deleted on Dispose, whatever happens: 2 × 256 MiB of files
        var atlas = TestData.MakeAtlas(folder, "big", new GridSize(512, 512, 256), seed: 11); // 268 435 456 bytes (256 MiB) float32
        File.Delete(folder.File("big.raw"));
        TestContext.Out.WriteLine($"atlas written by nibabel in {total.Elapsed.TotalSeconds:0.0} s");
        string tmp = Directory.CreateDirectory(folder.File("tmp")).FullName;
        string socket = folder.File("daemon.sock");
        // The spill folder a killed daemon left behind (its PID: a process that has exited) is removed by the next one.
        int deadPid;
        using (var gone = System.Diagnostics.Process.Start("true")!) { gone.WaitForExit(); deadPid = gone.Id; }
        string stale = Directory.CreateDirectory(Path.Combine(tmp, $"slicerreg-daemon-{deadPid}", "job")).Parent!.FullName;
        using var daemon = new DaemonProcess(new[] { "--socket", socket, "--atlas", atlas.Path, "--spill-above-mb", "1" },
                                             new Dictionary<string, string> { ["TMPDIR"] = tmp });
        Assert.That(daemon.Address, Is.EqualTo("unix:" + socket));
        Assert.That(File.Exists(socket), Is.True);
        Assert.That(Directory.Exists(stale), Is.False, "a dead daemon's spill folder is removed at start");

        using var client = daemon.Client();
        var (ap, lat) = TestData.Pair(2048, 2048, seed: 5); // 2 × 16 MiB upload
        var upload = System.Diagnostics.Stopwatch.StartNew();
        var reply = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_atlas" });
        TestContext.Out.WriteLine($"uploaded 2 × {ap.Image.Pixels.Length * 4 / 1e6:0.0} MB in {upload.Elapsed.TotalSeconds:0.00} s");
        JobEvent? last = null;
        await foreach (var e in client.WatchAsync(reply.JobId)) last = e;
        Assert.That(last!.State, Is.EqualTo(JobState.Succeeded), last.ToString());
        daemon.WaitForLog("(1 spilled to disk)"); // the log comes through stderr, behind the replies
        Assert.That(Directory.GetFiles(tmp, "*.raw", SearchOption.AllDirectories), Has.Length.EqualTo(1));

        var sw = System.Diagnostics.Stopwatch.StartNew();
        var warped = await client.FetchAsync(reply.JobId, "warped_atlas");
        TestContext.Out.WriteLine($"fetched {warped.Bytes.Length / 1e6:0.0} MB in {sw.Elapsed.TotalSeconds:0.00} s");
        Assert.That(warped.Size, Is.EqualTo(atlas.Size));
        Assert.That(warped.Bytes.Length, Is.EqualTo(256L * 1024 * 1024));
        Assert.That(warped.As<float>().AsSpan().SequenceEqual(atlas.Voxels), Is.True, "every voxel as nibabel wrote it");
        var m = warped.Geometry.IjkToRas.ToRowMajor();
        for (int n = 0; n < 16; n++) Assert.That(m[n], Is.EqualTo(atlas.IjkToRasRowMajor[n]).Within(1e-5), $"IJK→RAS entry {n}");
        Assert.That(Directory.GetFiles(tmp, "*.raw", SearchOption.AllDirectories), Is.Empty, "fetched results are deleted");

        Assert.That(daemon.Terminate(), Is.EqualTo(0));
        Assert.That(File.Exists(socket), Is.False, "the socket is removed on shutdown");
        Assert.That(Directory.GetFileSystemEntries(tmp, "slicerreg-daemon-*"), Is.Empty, "the spill folder is removed on shutdown");
        TestContext.Out.WriteLine($"whole test {total.Elapsed.TotalSeconds:0.0} s");
    }

    [Test]
    public async Task Sigterm_CancelsRunningJobs_AndExitsPromptly()
    {
        using var folder = new TempFolder();
        var atlas = TestData.MakeAtlas(folder, "atlas", new GridSize(6, 5, 4), seed: 2);
        using var daemon = new DaemonProcess(new[] { "--atlas", atlas.Path });
        using var client = daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity", new Dictionary<string, string> { ["stage_delay_ms"] = "30000" });
        var events = new List<JobEvent>();
        var watch = Task.Run(async () => { try { await foreach (var e in client.WatchAsync(reply.JobId)) events.Add(e); } catch (Grpc.Core.RpcException) { } });
        daemon.WaitForLog($"job {reply.JobId} running");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(daemon.Terminate(), Is.EqualTo(0));
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(5));
        Assert.That(daemon.Log, Does.Contain($"job {reply.JobId} cancelled").And.Contain("the daemon is shutting down"));
        await watch;
    }
}
