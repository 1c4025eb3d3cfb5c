using SlicerReg.Core.Anatomy;
using System.Diagnostics;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Training;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// Issue 5, "Learning that is real": a tiny-preset network trained for a few minutes on simulated subjects registers
/// held-out subjects better than the affine module alone, which registers them better than the unregistered atlas.
/// </summary>
public class TrainingLearningTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    public static int Epochs => int.TryParse(Environment.GetEnvironmentVariable("SLICERREG_LEARNING_EPOCHS"), out var e) ? e : 6;
    public static double Lr => double.TryParse(Environment.GetEnvironmentVariable("SLICERREG_LEARNING_LR"), System.Globalization.CultureInfo.InvariantCulture, out var e) ? e : 3e-4;
    public static int NccWindow => int.TryParse(Environment.GetEnvironmentVariable("SLICERREG_LEARNING_NCC"), out var e) ? e : 0;
    public static int Count => int.TryParse(Environment.GetEnvironmentVariable("SLICERREG_LEARNING_COUNT"), out var e) ? e : 30;

    [Test]
    public void TrainedNetworkBeatsAffineWhichBeatsIdentityOnHeldOutSubjects()
    {
        var clock = Stopwatch.StartNew();
        string data = TrainingTestData.Dataset(Count, 2026, new[] { 0.6, 0.1, 0.3 });
        double simulate = clock.Elapsed.TotalSeconds;
        string model = TrainingTestData.NewFolder("learning-model");
        var (atlasCt, atlasLabel) = TrainingTestData.Atlas;
        clock.Restart();
        // lr 1e-3, not the paper's 1e-5: the paper trains 300 epochs of 235 subjects; a CI test has a few minutes.
        var state = Trainer.Run(new TrainingOptions
        {
            DataFolder = data, ModelFolder = model, AtlasCt = atlasCt, AtlasLabel = atlasLabel, Preset = "tiny",
            Epochs = Epochs, LearningRate = Lr, Seed = 7,
            Network = Network.NetworkConfig.For(NetworkPreset.Tiny) with { NccWindow = NccWindow },
        }, p => { if (p.ValidationDice is { } d) TestContext.Out.WriteLine($"epoch {p.Epoch}: mean train loss {p.Loss:F4}, validation Dice {d:F4} ({p.Elapsed.TotalSeconds:F0} s)"); });
        double train = clock.Elapsed.TotalSeconds;
        foreach (var h in state.History) TestContext.Out.WriteLine($"epoch {h.Epoch}: loss {h.TrainLoss:F5}, validation Dice affine {h.ValidationDiceAffine:F4}, full {h.ValidationDice:F4}, {h.Seconds:F0} s");
        clock.Restart();

        var manifest = DatasetManifest.Read(data);
        var test = manifest.Split("test");
        using var registrar = Registrar.Load(model);
        var atlasFemur = NetworkInputs.FemurLabelMap(registrar.AtlasLabel);
        var identity = new List<double>(); var affine = new List<double>(); var full = new List<double>();
        foreach (var s in test)
        {
            var truth = NetworkInputs.FemurLabelMap(VolumeFile.Read(manifest.PathOf(s.Label)));
            var ap = Radiograph.Read(manifest.PathOf(s.Views[0].MaskedDrr));
            var lat = Radiograph.Read(manifest.PathOf(s.Views[1].MaskedDrr));
            var r = registrar.Register(ap, lat, withAffineOnly: true);
            identity.Add(Overlap.Compute(truth, atlasFemur, 1).Dice);
            affine.Add(Overlap.Compute(truth, r.AffineWarpedLabel!, 1).Dice);
            full.Add(Overlap.Compute(truth, r.WarpedLabel!, 1).Dice);
        }
        TestContext.Out.WriteLine($"{Count} subjects simulated in {simulate:F0} s; {state.Step} steps ({Epochs} epochs, lr {Lr}) in {train:F0} s " +
                                  $"({1000 * train / state.Step:F0} ms/step incl. validation, NCC window {NccWindow}); best epoch {state.BestEpoch} (validation Dice {state.BestDice:F4}); test on {test.Count} in {clock.Elapsed.TotalSeconds:F0} s");
        TestContext.Out.WriteLine($"held-out mean Dice: identity {identity.Average():F4}, affine {affine.Average():F4}, full {full.Average():F4}");
        TestContext.Out.WriteLine($"per case: identity {string.Join(" ", identity.Select(d => d.ToString("F3")))}; affine {string.Join(" ", affine.Select(d => d.ToString("F3")))}; full {string.Join(" ", full.Select(d => d.ToString("F3")))}");
        Assert.That(affine.Average(), Is.GreaterThan(identity.Average() + 0.02), "the affine module improves on the unregistered atlas");
        Assert.That(full.Average(), Is.GreaterThan(affine.Average() + 0.02), "the local module improves on the affine module");
    }
}
