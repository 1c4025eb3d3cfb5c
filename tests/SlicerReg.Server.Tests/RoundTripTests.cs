using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;
using CoordinateSystem = SlicerReg.Protocol.V1.CoordinateSystem;
using VoxelType = SlicerReg.Core.Imaging.VoxelType;
using VolumeKind = SlicerReg.Core.Imaging.VolumeKind;

namespace SlicerReg.Server.Tests;

/// <summary>
/// Submit → watch → fetch against the real daemon with the placeholder identity engine: the results must be the nibabel-written
/// atlas unchanged (voxels and IJK→RAS), a zero displacement field on its grid, and the identity affine; cancellation is prompt.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class RoundTripTests
{
    TempFolder _folder = null!;
    NiftiAtlas _atlas = null!;
    DaemonProcess _daemon = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _folder = new TempFolder();
        _atlas = TestData.MakeAtlas(_folder, "atlas", new GridSize(12, 10, 8), seed: 7);
        _daemon = new DaemonProcess(new[] { "--atlas", _atlas.Path, "--workers", "1", "--queue", "4" });
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    static async Task<List<JobEvent>> WatchAll(RegistrationClient client, string jobId)
    {
        var events = new List<JobEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var e in client.WatchAsync(jobId, timeout.Token)) events.Add(e);
        return events;
    }

    [Test]
    public async Task SubmitWatchFetch_ReturnsTheAtlasUnchangedAndAZeroField()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity");
        Assert.That(reply.JobId, Is.Not.Empty);
        var events = await WatchAll(client, reply.JobId);

        Assert.That(events[^1].State, Is.EqualTo(JobState.Succeeded), string.Join("\n", events));
        var stages = events.Where(e => e.EventCase == JobEvent.EventOneofCase.Progress).Select(e => e.Progress.Stage).ToList();
        Assert.That(stages, Is.SupersetOf(new[] { "queued", "started", "check inputs", "load atlas", "register", "compose results", "done" }));
        var fractions = events.Where(e => e.EventCase == JobEvent.EventOneofCase.Progress && e.State == JobState.Running).Select(e => e.Progress.Fraction).ToList();
        Assert.That(fractions, Is.Ordered, "progress never goes back");
        Assert.That(fractions[^1], Is.EqualTo(1.0));
        var summary = events[^1].Result;
        Assert.That(summary.Affine, Is.EqualTo(Mat4.Identity.ToRowMajor()));
        Assert.That(summary.AffineCoordinateSystem, Is.EqualTo(CoordinateSystem.Ras));
        Assert.That(summary.Results.Select(r => r.Name), Is.EquivalentTo(new[] { "warped_atlas", "displacement_field" }));

        var warped = await client.FetchAsync(reply.JobId, "warped_atlas");
        Assert.That(warped.VoxelType, Is.EqualTo(VoxelType.Float32));
        Assert.That(warped.Size, Is.EqualTo(_atlas.Size));
        Assert.That(warped.As<float>(), Is.EqualTo(_atlas.Voxels), "voxels as nibabel wrote them");
        var m = warped.Geometry.IjkToRas.ToRowMajor();
        for (int n = 0; n < 16; n++) Assert.That(m[n], Is.EqualTo(_atlas.IjkToRasRowMajor[n]).Within(1e-5), $"IJK→RAS entry {n}");

        var field = await client.FetchAsync(reply.JobId, "displacement_field");
        Assert.That(field.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(field.Components, Is.EqualTo(3));
        Assert.That(field.Geometry.ApproximatelyEquals(warped.Geometry), Is.True);
        Assert.That(field.As<float>().All(x => x == 0), Is.True, "identity engine: zero displacement");

        // Every result fetched: the job is released and says so.
        var ex = Assert.ThrowsAsync<RpcException>(() => client.FetchAsync(reply.JobId, "warped_atlas"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(ex.Status.Detail, Does.Contain("fetched and released"));
    }

    [Test]
    public async Task RequestedResultsOnly_HeaderCarriesShapeMatrixAndFrame()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_atlas" });
        var events = await WatchAll(client, reply.JobId);
        Assert.That(events[^1].Result.Results.Select(r => r.Name), Is.EqualTo(new[] { "warped_atlas" }), "only what was asked for");
        var h = events[^1].Result.Results[0].Header;
        Assert.That(h.CoordinateSystem, Is.EqualTo(CoordinateSystem.Ras));
        Assert.That(h.Shape, Is.EqualTo(new[] { 12, 10, 8 }));
        Assert.That(h.ByteLength, Is.EqualTo(12 * 10 * 8 * 4));
        Assert.That(h.IndexToWorld.ToArray(), Is.EqualTo(_atlas.IjkToRasRowMajor).Within(1e-5));
        await client.FetchAsync(reply.JobId, "warped_atlas");
    }

    [Test]
    public async Task ListModels_ShowsTheIdentityPlaceholderHonestly()
    {
        using var client = _daemon.Client();
        var models = await client.ListModelsAsync();
        var identity = models.Single(m => m.Name == "identity");
        Assert.That(identity.Available, Is.True);
        Assert.That(identity.Summary, Does.Contain("no registration"));
        Assert.That(identity.Description, Does.Contain("does NOT register"));
        Assert.That(identity.AtlasName, Is.EqualTo("atlas.nii"));
        Assert.That(identity.Atlas.Shape, Is.EqualTo(new[] { 12, 10, 8 }));
        Assert.That(identity.Device, Is.EqualTo("cpu"));
    }

    [Test]
    public async Task CancelRunningJob_EndsWithinOneSecond()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity", new Dictionary<string, string> { ["stage_delay_ms"] = "10000" });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<JobEvent>();
        var sw = new System.Diagnostics.Stopwatch();
        await foreach (var e in client.WatchAsync(reply.JobId, timeout.Token))
        {
            events.Add(e);
            if (e.State == JobState.Running && !sw.IsRunning)
            {
                sw.Start();
                Assert.That(await client.CancelAsync(reply.JobId), Is.AnyOf(JobState.Running, JobState.Cancelled));
            }
        }
        sw.Stop();
        TestContext.Out.WriteLine($"cancel → CANCELLED event: {sw.Elapsed.TotalMilliseconds:0} ms");
        Assert.That(events[^1].State, Is.EqualTo(JobState.Cancelled));
        Assert.That(events[^1].Error.Message, Does.Contain("cancelled by the client while running"));
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(1.0), "a 10 s stage must stop within 1 s of the cancel");
        var ex = Assert.ThrowsAsync<RpcException>(() => client.FetchAsync(reply.JobId, "warped_atlas"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(ex.Status.Detail, Does.Contain("cancelled"));
    }

    [Test]
    public void UnknownJobId_IsNotFound_ForWatchCancelAndFetch()
    {
        using var client = _daemon.Client();
        var ids = new[] { "0123456789abcdef0123456789abcdef", "" };
        foreach (var id in ids)
        {
            var e1 = Assert.ThrowsAsync<RpcException>(async () => { await foreach (var _ in client.WatchAsync(id)) { } });
            var e2 = Assert.ThrowsAsync<RpcException>(() => client.CancelAsync(id));
            var e3 = Assert.ThrowsAsync<RpcException>(() => client.FetchAsync(id, "warped_atlas"));
            foreach (var e in new[] { e1!, e2!, e3! })
            {
                Assert.That(e.StatusCode, Is.EqualTo(StatusCode.NotFound));
                Assert.That(e.Status.Detail, Is.EqualTo($"unknown job id '{id}'"));
            }
        }
    }

    [Test]
    public async Task UnknownResultName_IsNotFound_AndNamesTheResults()
    {
        using var client = _daemon.Client();
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity");
        await WatchAll(client, reply.JobId);
        var ex = Assert.ThrowsAsync<RpcException>(() => client.FetchAsync(reply.JobId, "../../etc/passwd"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        Assert.That(ex.Status.Detail, Does.Contain("has no result '../../etc/passwd' (it has: warped_atlas, displacement_field)"));
    }
}
