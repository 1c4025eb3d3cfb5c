using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Training;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Checkpoints, resume and cancellation of <see cref="Trainer"/> (tiny preset, 4 simulated subjects: 2 train, 1 validation, 1 test).</summary>
public class TrainingCheckpointTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static string Data => TrainingTestData.Dataset(4, 11, new[] { 0.5, 0.25, 0.25 });

    static TrainingOptions Options(string model, int epochs, bool resume = false) => new()
    {
        DataFolder = Data, ModelFolder = model, AtlasCt = TrainingTestData.Atlas.Ct, AtlasLabel = TrainingTestData.Atlas.Label,
        Preset = resume ? null : "tiny", Epochs = epochs, LearningRate = resume ? null : 1e-3, Seed = resume ? null : 5, Resume = resume,
    };

    // One uninterrupted run of two epochs (2 training subjects each) that the other runs are compared with.
    string _straight = "";
    TrainingState _straightState = null!;

    [OneTimeSetUp]
    public void TrainStraight()
    {
        _straight = TrainingTestData.NewFolder("straight");
        _straightState = Trainer.Run(Options(_straight, 2));
    }

    [Test]
    public void CheckpointHoldsWeightsConfigurationOptimizerAndState()
    {
        string model = _straight;
        foreach (var f in new[] { "network.json", "weights.dat", "optimizer.dat", "training.json", "loss.csv", "atlas.nrrd", "atlas_label.nrrd",
                                  "best/network.json", "best/weights.dat", "best/training.json", "best/atlas.nrrd", "best/atlas_label.nrrd" })
            Assert.That(File.Exists(Path.Combine(model, f)), $"{f} written");
        var config = NetworkConfig.Load(Path.Combine(model, "network.json"));
        Assert.That((config.Preset, config.Input, config.Seed), Is.EqualTo(("tiny", NetworkConfig.Masked, 5L)));
        var read = TrainingState.Read(Path.Combine(model, "training.json"));
        Assert.That((read.EpochsDone, read.Step, read.StepInEpoch, read.LearningRate), Is.EqualTo((2, 4L, 0, 1e-3)));
        Assert.That(read.History.Select(h => h.Epoch), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(read.BestDice, Is.EqualTo(read.History.Max(h => h.ValidationDice)).And.InRange(0.3, 1.0));
        Assert.That(read.BestEpoch, Is.EqualTo(read.History.First(h => h.ValidationDice == read.BestDice).Epoch));
        Assert.That(TrainingState.Read(Path.Combine(model, "best", "training.json")).EpochsDone, Is.EqualTo(read.BestEpoch + 1), "best/ holds the selected epoch");
        var rows = LossLog.Read(Path.Combine(model, "loss.csv"));
        Assert.That(rows.Select(r => r.Step), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        Assert.That(rows.All(r => double.IsFinite(r.Loss) && r.Loss < 0), "every step logs a finite loss (−NCC − NCC + δ·smoothness < 0)");
        Assert.That(double.IsNaN(rows[0].ValidationDice) && double.IsFinite(rows[1].ValidationDice) && double.IsFinite(rows[3].ValidationDice), "validation Dice on each epoch's last row");
        // Round trip: the saved weights load into a network of the saved configuration and equal themselves.
        Assert.That(TrainingTestData.WeightDifference(model, model), Is.EqualTo(0));
    }

    [Test]
    public void ResumedRunEqualsAnUninterruptedOne()
    {
        string split = TrainingTestData.NewFolder("split");
        Trainer.Run(Options(split, 1));
        Assert.That(TrainingTestData.WeightDifference(_straight, split), Is.GreaterThan(0), "one epoch less gives other weights (the comparison can fail)");
        var state = Trainer.Run(Options(split, 2, resume: true));
        Assert.That((state.EpochsDone, state.Step), Is.EqualTo((2, 4L)));
        double diff = TrainingTestData.WeightDifference(_straight, split);
        TestContext.Out.WriteLine($"largest weight difference after resume: {diff:G3}");
        Assert.That(diff, Is.LessThan(1e-6), "same seed → same weights after the same steps, with or without a resume (Adam state restored)");
        Assert.That(LossLog.Read(Path.Combine(split, "loss.csv")).Select(r => r.Loss),
                    Is.EqualTo(LossLog.Read(Path.Combine(_straight, "loss.csv")).Select(r => r.Loss)).Within(1e-6));
        Assert.That(state.BestDice, Is.EqualTo(_straightState.BestDice).Within(1e-9));
    }

    [Test]
    public void CancellationWithinAnEpochCheckpointsAndResumesExactly()
    {
        string cut = TrainingTestData.NewFolder("cut");
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Trainer.Run(Options(cut, 2), p => { if (p.Step == 3) cancel.Cancel(); }, cancel.Token));
        var stopped = TrainingState.Read(Path.Combine(cut, "training.json"));
        Assert.That((stopped.EpochsDone, stopped.StepInEpoch, stopped.Step), Is.EqualTo((1, 1, 3L)), "the checkpoint is where it stopped");
        Trainer.Run(Options(cut, 2, resume: true));
        Assert.That(TrainingTestData.WeightDifference(_straight, cut), Is.LessThan(1e-6));
    }

    [Test]
    public void BadRunsAreRefusedWithTheReason()
    {
        var e1 = Assert.Throws<IOException>(() => Trainer.Run(Options(_straight, 1)));
        Assert.That(e1!.Message, Does.Contain("not empty").And.Contain("--resume"));
        var e2 = Assert.Throws<ArgumentException>(() => Trainer.Run(Options(_straight, 3, resume: true) with { LearningRate = 0.5 }));
        Assert.That(e2!.Message, Does.Contain("--lr").And.Contain("differs"));
        var e3 = Assert.Throws<Core.IO.ImageFormatException>(() => Trainer.Run(Options(TrainingTestData.NewFolder("none"), 1, resume: true)));
        Assert.That(e3!.Message, Does.Contain("training.json"));
        var e4 = Assert.Throws<DirectoryNotFoundException>(() => Trainer.Run(Options(TrainingTestData.NewFolder("m"), 1) with { DataFolder = "/nonexistent/data" }));
        Assert.That(e4!.Message, Does.Contain("/nonexistent/data"));
        Assert.That(TrainingState.Read(Path.Combine(_straight, "training.json")).Step, Is.EqualTo(4), "a refused run changes nothing");
    }

    [Test]
    public void GeneralisedDatasetsTrainWithAViewPairPerSample()
    {
        string data = TrainingTestData.Dataset(3, 12, new[] { 0.67, 0.33, 0.0 }, ViewMode.Generalised);
        var manifest = DatasetManifest.Read(data);
        var atlas = Core.IO.VolumeFile.Read(TrainingTestData.Atlas.Ct);
        using var subjects = new DatasetSubjects(manifest, NetworkPreset.Tiny, NetworkConfig.Masked, atlas.Geometry);
        var pairs = manifest.Subjects.Select(s => subjects.Get(s, out _).Views).ToList();
        Assert.That(pairs.Distinct().Count(), Is.EqualTo(3), "each generalised subject has its own view pair");
        var state = Trainer.Run(Options(TrainingTestData.NewFolder("generalised"), 1) with { DataFolder = data });
        Assert.That(state.Step, Is.EqualTo(2));
        Assert.That(state.History[0].ValidationDice, Is.InRange(0.3, 1.0));
    }

    [Test]
    public void SubjectOrderDependsOnSeedAndEpochOnly()
    {
        Assert.That(Trainer.Order(10, 3, 0), Is.EqualTo(Trainer.Order(10, 3, 0)));
        Assert.That(Trainer.Order(10, 3, 0), Is.Not.EqualTo(Trainer.Order(10, 3, 1)));
        Assert.That(Trainer.Order(10, 3, 4).OrderBy(i => i), Is.EqualTo(Enumerable.Range(0, 10)));
    }
}
