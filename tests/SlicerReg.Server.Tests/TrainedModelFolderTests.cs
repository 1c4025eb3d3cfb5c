using SlicerReg.Client;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;
using VolumeKind = SlicerReg.Core.Imaging.VolumeKind;

namespace SlicerReg.Server.Tests;

/// <summary>
/// A trained-model folder in --models DIR becomes a runnable model of the real daemon (NetworkEngine over the Registrar):
/// listed as available, and a submitted pair of simulated DRRs comes back as the warped atlas, labels and field. The model
/// is made by the CLI (`simulate`, then `train` for one step at lr 10⁻¹²: in effect the untrained network, affine ≈ identity,
/// Ψ ≈ 0), so the atlas must come back essentially unchanged.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class TrainedModelFolderTests
{
    TempFolder _folder = null!;
    DaemonProcess _daemon = null!;
    Radiograph _ap = null!, _lat = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _folder = new TempFolder();
        string models = _folder.File("models"), model = Path.Combine(models, "tiny-untrained");
        Directory.CreateDirectory(Path.Combine(models, "not-a-model"));
        var m = DatasetSimulator.Run(new DatasetOptions { OutputFolder = _folder.File("ds"), Count = 2, Seed = 5, Subjects = new SubjectOptions { Preset = NetworkPreset.Tiny }, SplitFractions = new[] { 0.5, 0.5, 0 } });
        var (code, _, err) = ExternalTool.Run("dotnet", new[] { DaemonProcess.CliDll, "train", "--data", _folder.File("ds"), "--preset", "tiny", "--out", model, "--lr", "1e-12" }, timeoutMs: 300_000);
        Assert.That(code, Is.EqualTo(0), err);
        _ap = Radiograph.Read(Path.Combine(_folder.File("ds"), m.Subjects[0].Views[0].MaskedDrr));
        _lat = Radiograph.Read(Path.Combine(_folder.File("ds"), m.Subjects[0].Views[1].MaskedDrr));
        _daemon = new DaemonProcess(new[] { "--models", models, "--workers", "1" });
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    [Test]
    public async Task ModelFolderIsListedAndRegistersASimulatedPair()
    {
        using var client = _daemon.Client();
        var models = await client.ListModelsAsync();
        var card = models.Single(c => c.Name == "tiny-untrained");
        Assert.That(card.Available, Is.True, card.UnavailableReason);
        Assert.That(card.Summary, Does.Contain("tiny").And.Contain("masked"));
        Assert.That(models.Select(c => c.Name), Has.None.EqualTo("not-a-model"));

        var reply = await client.SubmitAsync(_ap, _lat, "tiny-untrained");
        var events = new List<JobEvent>();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)))
            await foreach (var e in client.WatchAsync(reply.JobId, timeout.Token)) events.Add(e);
        Assert.That(events[^1].State, Is.EqualTo(JobState.Succeeded), string.Join("\n", events) + "\n" + _daemon.Log);
        var stages = events.Where(e => e.EventCase == JobEvent.EventOneofCase.Progress).Select(e => e.Progress.Stage).ToList();
        Assert.That(stages, Does.Contain("running network"));
        var affine = Mat4.FromRowMajor(events[^1].Result.Affine.ToArray());
        Assert.That(affine.ApproximatelyEquals(Mat4.Identity, 1e-2), $"untrained: affine ≈ identity, got {affine}");

        var labels = await client.FetchAsync(reply.JobId, "warped_labels");
        var atlasLabels = VolumeFile.Read(ShippedAtlas.Find("tiny").Label);
        Assert.That(SlicerReg.Core.Evaluation.Overlap.Compute(atlasLabels, labels, 1).Dice, Is.GreaterThan(0.999));
        var field = await client.FetchAsync(reply.JobId, "displacement_field");
        Assert.That(field.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(field.As<float>().Max(Math.Abs), Is.LessThan(0.1f));
        var warped = await client.FetchAsync(reply.JobId, "warped_atlas");
        Assert.That(warped.Size, Is.EqualTo(atlasLabels.Size));
    }
}
