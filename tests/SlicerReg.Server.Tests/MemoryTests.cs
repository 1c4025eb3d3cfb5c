using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>
/// Issue 21: a daemon that serves a department for weeks gives the memory of cancelled and finished work back on its own.
/// The daemon's resident memory (VmRSS, read by this test from /proc, never a forced collection) must return to within
/// 100 MB of its warmed-up baseline after eight cancelled uploads that each declared 256 MiB and sent 64 MiB, and after 100
/// completed registrations. The bound is generous (a loaded 2-core machine, allocator arenas, Kestrel's pools); without the
/// daemon's MemoryReclaimer the first step stays ~600 MB above baseline (docs/daemon.md, "Memory").
/// </summary>
[TestFixture, NonParallelizable]
public sealed class MemoryTests
{
    const double MB = 1e6, MiB = 1024 * 1024;
    const long Bound = 100_000_000;
    const int Uploads = 8, SentMiB = 64, Registrations = 100, Clients = 4;
    // 8192 × 8192 float32 = 256 MiB declared per upload.
    const int Side = 8192;

    [Test]
    public async Task CancelledLargeUploadsAndCompletedRegistrations_GiveTheirMemoryBack()
    {
        var total = Stopwatch.StartNew();
        using var folder = new TempFolder();
        var atlas = TestData.MakeAtlas(folder, "atlas", new GridSize(64, 64, 32), seed: 21);
        using var daemon = new DaemonProcess(new[] { "--atlas", atlas.Path, "--workers", "2", "--queue", "16", "--diagnostics" });

        // Warm-up of the same shapes (JIT, thread pool, Kestrel's and gRPC's pools): then the baseline.
        await CancelledUploads(daemon, uploads: 2, sentMiB: 4);
        await CompletedRegistrations(daemon, count: 8);
        long baseline = await Settled(daemon);

        var cancel = Stopwatch.StartNew();
        long held = await CancelledUploads(daemon, Uploads, SentMiB);
        var (afterCancel, cancelSeconds) = await BackWithin(daemon, baseline + Bound);

        var work = Stopwatch.StartNew();
        await CompletedRegistrations(daemon, Registrations);
        double workSeconds = work.Elapsed.TotalSeconds;
        long peak = PeakRss(daemon.ProcessId);
        var (afterWork, workBackSeconds) = await BackWithin(daemon, baseline + Bound);

        TestContext.Out.WriteLine($"daemon RSS: warmed-up baseline {baseline / MB:0} MB; {Uploads} uploads of {Side}×{Side} float32 ({Side * (long)Side * 4 / MiB:0} MiB declared) " +
                                  $"holding {SentMiB} MiB each: {held / MB:0} MB; after cancelling them: {afterCancel / MB:0} MB ({cancelSeconds:0.0} s after the last cancel); " +
                                  $"{Registrations} registrations in {workSeconds:0.0} s (process peak so far {peak / MB:0} MB): {afterWork / MB:0} MB ({workBackSeconds:0.0} s after); whole test {total.Elapsed.TotalSeconds:0.0} s");
        Assert.That(held - baseline, Is.GreaterThan(Uploads * SentMiB * MiB / 2), "the uploads were really held (else the test measures nothing)");
        Assert.That(afterCancel - baseline, Is.LessThan(Bound), "RSS back within 100 MB of baseline after the cancelled uploads");
        Assert.That(afterWork - baseline, Is.LessThan(Bound), "RSS back within 100 MB of baseline after the registrations");
        Assert.That(daemon.Log, Does.Contain("memory: "), "the daemon logs what it gave back");
    }

    /// <summary>Resident bytes of the daemon from /proc (the daemon's own report is not used: this is what the system sees).</summary>
    static long Rss(int pid) => StatusKiB(pid, "VmRSS") * 1024;
    static long PeakRss(int pid) => StatusKiB(pid, "VmHWM") * 1024;

    static long StatusKiB(int pid, string key)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0]);
    }

    /// <summary>The resident size once it stopped moving (two reads 1 s apart within 2 MB; at most 10 s).</summary>
    static async Task<long> Settled(DaemonProcess daemon)
    {
        long last = Rss(daemon.ProcessId);
        for (int n = 0; n < 10; n++)
        {
            await Task.Delay(1000);
            long now = Rss(daemon.ProcessId);
            if (Math.Abs(now - last) < 2 * MB) return now;
            last = now;
        }
        return last;
    }

    /// <summary>Polls the resident size until it is under <paramref name="limit"/> (at most 30 s); returns it and how long it took.</summary>
    static async Task<(long Rss, double Seconds)> BackWithin(DaemonProcess daemon, long limit)
    {
        var clock = Stopwatch.StartNew();
        long rss;
        while ((rss = Rss(daemon.ProcessId)) >= limit && clock.Elapsed.TotalSeconds < 30) await Task.Delay(250);
        return (rss, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Uploads that each declare a 256 MiB AP image, send <paramref name="sentMiB"/> MiB of it, and are cancelled by their
    /// client once all of them are that far; returns the daemon's RSS while they were held.
    /// </summary>
    static async Task<long> CancelledUploads(DaemonProcess daemon, int uploads, int sentMiB)
    {
        int abandoned = daemon.CountLog("abandoned mid-upload");
        var chunk = new byte[1 << 20];
        new Random(7).NextBytes(chunk);
        // A 410 mm flat panel at 0.05 mm pixels (a plausible detector: the daemon checks the geometry before the pixels travel).
        var view = new Core.Geometry.CalibratedView(new Vec3(0, -1000, 0), new Vec3(0, 300, 0), new Vec3(1, 0, 0), new Vec3(0, 0, -1), 0.05, 0.05, Side, Side);
        var header = new ImageHeader { Role = ViewRole.Ap, VoxelType = Protocol.V1.VoxelType.Float32, View = WireConvert.ToWire(view), ByteLength = (long)Side * Side * 4 };
        header.Shape.Add(new[] { Side, Side });
        var cancels = Enumerable.Range(0, uploads).Select(_ => new CancellationTokenSource()).ToList();
        var channels = Enumerable.Range(0, uploads).Select(_ => daemon.Channel()).ToList();
        var calls = channels.Select((c, n) => new Registration.RegistrationClient(c).Submit(cancellationToken: cancels[n].Token)).ToList();
        try
        {
            await Task.WhenAll(calls.Select(async call =>
            {
                await call.RequestStream.WriteAsync(new SubmitRequest { Header = new SubmitHeader { Model = "identity", Client = "memory test" } });
                await call.RequestStream.WriteAsync(new SubmitRequest { Image = header });
                for (int c = 0; c < sentMiB; c++)
                    await call.RequestStream.WriteAsync(new SubmitRequest { Chunk = new Chunk { Offset = (long)c << 20, Data = UnsafeByteOperations.UnsafeWrap(chunk) } });
            }));
            // Flow control lets the last chunks still be in flight: wait until the daemon's RSS stops growing.
            long held = await Settled(daemon);
            foreach (var c in cancels) c.Cancel();
            daemon.WaitForLog("abandoned mid-upload", timeoutSeconds: 20, count: abandoned + uploads);
            return held;
        }
        finally
        {
            foreach (var call in calls) call.Dispose();
            foreach (var c in channels) c.Dispose();
            foreach (var c in cancels) c.Dispose();
        }
    }

    /// <summary>Registrations on <see cref="Clients"/> clients at once, each result fetched (so the job is released).</summary>
    static async Task CompletedRegistrations(DaemonProcess daemon, int count)
    {
        int next = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var registration = daemon.Client();
            var (ap, lat) = TestData.Pair(256, 256, seed: client);
            while (Interlocked.Increment(ref next) <= count)
            {
                var reply = await registration.SubmitAsync(ap, lat, "identity");
                JobEvent? last = null;
                await foreach (var e in registration.WatchAsync(reply.JobId)) last = e;
                Assert.That(last!.State, Is.EqualTo(JobState.Succeeded), last.ToString());
                foreach (var r in last.Result.Results) await registration.FetchAsync(reply.JobId, r.Name);
            }
        })));
    }
}
