using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Evaluation;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Training;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// `train --radiographs drr|realistic|mixed` (<see cref="DatasetRadiographs"/>, <see cref="DatasetSubjects"/>): tiny preset,
/// 4 subjects simulated with their realistic radiographs (2 train, 1 validation, 1 test).
/// </summary>
public class TrainingRadiographsTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    // The run's seed: its coin (mixed) gives 2 of the 4 subjects their realistic radiographs, one train and one not.
    const long RunSeed = 1;

    static string Data => TrainingTestData.Dataset(4, 21, new[] { 0.5, 0.25, 0.25 }, realistic: true);
    static ImageGeometry Grid => VolumeFile.Read(TrainingTestData.Atlas.Ct).Geometry;

    static DatasetSubjects Subjects(DatasetManifest manifest, string input, string radiographs, long seed = RunSeed)
        => new(manifest, NetworkPreset.Tiny, input, Grid, radiographs, seed);

    static TrainingOptions Options(string model, int epochs, string? radiographs, bool resume = false) => new()
    {
        DataFolder = Data, ModelFolder = model, AtlasCt = TrainingTestData.Atlas.Ct, AtlasLabel = TrainingTestData.Atlas.Label,
        Preset = resume ? null : "tiny", Epochs = epochs, LearningRate = resume ? null : 1e-3, Seed = resume ? null : RunSeed, Resume = resume,
        Radiographs = radiographs,
    };

    static float[] Pixels(Tensor t) => t.data<float>().ToArray();

    /// <summary>NCC of <paramref name="a"/> and <paramref name="b"/> over the pixels where <paramref name="region"/> is true.</summary>
    static double Ncc(float[] a, float[] b, bool[] region)
    {
        var n = Enumerable.Range(0, a.Length).Where(i => region[i]).ToList();
        double ma = n.Average(i => (double)a[i]), mb = n.Average(i => (double)b[i]), ab = 0, aa = 0, bb = 0;
        foreach (int i in n) { double x = a[i] - ma, y = b[i] - mb; ab += x * y; aa += x * x; bb += y * y; }
        return ab / Math.Sqrt(aa * bb);
    }

    // Masked inputs are compared over the whole detector, unmasked ones over the femur (where the exact masked DRR is non-zero):
    // over the whole detector the soft tissue, alike in every phantom, makes any subject's DRR correlate above 0.99.
    // A realistic input is not its DRR: the drawn masks move the femur's outline by up to ±2 px (±0.5 px on the tiny
    // detector), scatter compresses the thickest paths (the lateral's most), noise, and the collimation zeroes the border.
    // Measured NCC with its own clean DRR: 0.966–0.998 (masked), 0.921–0.994 (unmasked, on the femur); with another subject's
    // DRR of the same view at most 0.945 and 0.903 (similar femurs in similar poses), with its other view less. So the bounds
    // 0.95 and 0.91 pass the right image and fail every wrong one; each input must also match its own DRR best.
    [TestCase(NetworkConfig.Masked, 0.95)]
    [TestCase(NetworkConfig.Unmasked, 0.91)]
    public void RealisticInputsDifferFromTheCleanDrrsButImageTheSameFemur(string input, double bound)
    {
        var failures = new List<string>();
        var manifest = DatasetManifest.Read(Data);
        using var clean = Subjects(manifest, input, DatasetRadiographs.Drr);
        using var femur = Subjects(manifest, NetworkConfig.Masked, DatasetRadiographs.Drr);
        using var realistic = Subjects(manifest, input, DatasetRadiographs.Realistic);
        var subjects = manifest.Subjects;
        var cleanPixels = subjects.Select(s => { var t = clean.Get(s, out _); return new[] { Pixels(t.Ap), Pixels(t.Lateral) }; }).ToList();
        for (int n = 0; n < subjects.Count; n++)
        {
            var r = realistic.Get(subjects[n], out _);
            var f = femur.Get(subjects[n], out _);
            Assert.That(realistic.UsesRealistic(subjects[n]) && !clean.UsesRealistic(subjects[n]));
            Assert.That(r.Views, Is.EqualTo(clean.Get(subjects[n], out _).Views), "the same calibrations");
            var inputs = new[] { Pixels(r.Ap), Pixels(r.Lateral) };
            var femurs = new[] { Pixels(f.Ap), Pixels(f.Lateral) };
            for (int v = 0; v < 2; v++)
            {
                var (pixels, own) = (inputs[v], cleanPixels[n][v]);
                var region = input == NetworkConfig.Masked ? own.Select(_ => true).ToArray() : femurs[v].Select(p => p != 0).ToArray();
                double max = own.Max();
                double changed = pixels.Zip(own).Count(p => Math.Abs(p.First - p.Second) > 0.01 * max) / (double)pixels.Length;
                double ncc = Ncc(pixels, own, region);
                var others = Enumerable.Range(0, subjects.Count).Where(m => m != n).Select(m => Ncc(pixels, cleanPixels[m][v], region))
                    .Append(Ncc(pixels, cleanPixels[n][1 - v], region)).ToList();
                string what = $"{input} {subjects[n].Id} {(v == 0 ? "AP" : "lateral")}";
                TestContext.Out.WriteLine($"{what}: {changed:P1} of the pixels differ by > 1% of the DRR's maximum; NCC with its clean DRR {ncc:F4}, " +
                                          $"with the other subjects' and its other view's {string.Join(" ", others.Select(o => o.ToString("F3")))}");
                if (!(changed > 0.05)) failures.Add($"{what}: the realistic input is (nearly) the clean DRR");
                if (!(ncc > bound)) failures.Add($"{what}: NCC {ncc:F4} with its clean DRR, at most {bound}");
                if (!(others.Max() < Math.Min(bound, ncc))) failures.Add($"{what}: another subject's or view's DRR matches as well ({others.Max():F4})");
            }
        }
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void MixedTakesEitherKindPerSubjectTheSameInEveryRun()
    {
        var manifest = DatasetManifest.Read(Data);
        using var clean = Subjects(manifest, NetworkConfig.Masked, DatasetRadiographs.Drr);
        using var realistic = Subjects(manifest, NetworkConfig.Masked, DatasetRadiographs.Realistic);
        using var mixed = Subjects(manifest, NetworkConfig.Masked, DatasetRadiographs.Mixed);
        using var again = Subjects(manifest, NetworkConfig.Masked, DatasetRadiographs.Mixed);
        var picks = manifest.Subjects.Select(mixed.UsesRealistic).ToList();
        TestContext.Out.WriteLine($"realistic per subject (seed {RunSeed}): {string.Join(" ", manifest.Subjects.Select(s => s.Split))}: {string.Join(" ", picks)}");
        Assert.That(picks, Does.Contain(true).And.Contain(false), "both kinds among the 4 subjects");
        Assert.That(manifest.Subjects.Select(again.UsesRealistic), Is.EqualTo(picks), "a second run (or a resumed one) picks the same");
        foreach (var (s, pick) in manifest.Subjects.Zip(picks))
        {
            var expected = (pick ? realistic : clean).Get(s, out _);
            foreach (var m in new[] { mixed.Get(s, out _), again.Get(s, out _) })
            {
                Assert.That(Pixels(m.Ap), Is.EqualTo(Pixels(expected.Ap)), $"{s.Id}: AP input of the picked kind");
                Assert.That(Pixels(m.Lateral), Is.EqualTo(Pixels(expected.Lateral)), $"{s.Id}: lateral input of the picked kind");
            }
        }
        // The coin itself: about half of many subjects, a function of seed and id only, another seed another draw.
        var ids = Enumerable.Range(0, 200).Select(i => $"subject_{i:D4}").ToList();
        int count = ids.Count(id => DatasetRadiographs.UsesRealistic(DatasetRadiographs.Mixed, 5, id));
        Assert.That(count, Is.InRange(70, 130), "a fair coin over 200 subjects");
        Assert.That(ids.Select(id => DatasetRadiographs.UsesRealistic(DatasetRadiographs.Mixed, 6, id)),
                    Is.Not.EqualTo(ids.Select(id => DatasetRadiographs.UsesRealistic(DatasetRadiographs.Mixed, 5, id))));
    }

    [Test]
    public void TrainingJsonRecordsTheChoiceAndAResumedMixedRunEqualsAStraightOne()
    {
        string straight = TrainingTestData.NewFolder("mixed-straight"), split = TrainingTestData.NewFolder("mixed-split");
        Trainer.Run(Options(straight, 2, DatasetRadiographs.Mixed));
        Trainer.Run(Options(split, 1, DatasetRadiographs.Mixed));
        Assert.That(TrainingState.Read(Path.Combine(split, TrainingState.FileName)).Radiographs, Is.EqualTo(DatasetRadiographs.Mixed));
        Assert.That(File.ReadAllText(Path.Combine(split, TrainingState.FileName)), Does.Contain("\"radiographs\": \"mixed\""));
        var e = Assert.Throws<ArgumentException>(() => Trainer.Run(Options(split, 2, DatasetRadiographs.Drr, resume: true)));
        Assert.That(e!.Message, Does.Contain("--radiographs drr").And.Contain("differs").And.Contain("mixed"));
        Assert.That(TrainingState.Read(Path.Combine(split, TrainingState.FileName)).Step, Is.EqualTo(2), "a refused resume changes nothing");
        var state = Trainer.Run(Options(split, 2, null, resume: true));
        Assert.That((state.Radiographs, state.Step), Is.EqualTo((DatasetRadiographs.Mixed, 4L)));
        Assert.That(TrainingTestData.WeightDifference(straight, split), Is.LessThan(1e-6), "the resumed run saw the same inputs");
        Assert.That(TrainingState.Read(Path.Combine(split, "best", TrainingState.FileName)).Radiographs, Is.EqualTo(DatasetRadiographs.Mixed));
    }

    [TestCase(DatasetRadiographs.Realistic)]
    [TestCase(DatasetRadiographs.Mixed)]
    public void ADatasetWithoutRealisticRadiographsIsRefusedNamingIt(string radiographs)
    {
        string data = TrainingTestData.Dataset(4, 11, new[] { 0.5, 0.25, 0.25 });
        string model = TrainingTestData.NewFolder("refused");
        var e = Assert.Throws<ImageFormatException>(() => Trainer.Run(Options(model, 1, radiographs) with { DataFolder = data }));
        Assert.That(e!.Message, Does.Contain(Path.GetFullPath(data)).And.Contain("simulate --realistic").And.Contain($"--radiographs {radiographs}"));
        Assert.That(Directory.Exists(model), Is.False, "nothing written for a refused run");
        Assert.That(DatasetRadiographs.Files(DatasetManifest.Read(Data).Subjects[0], "ap"), Is.Not.Null, "the realistic dataset has them");
    }

    [Test]
    public void AMissingRealisticFileIsNamedBeforeTheRunStarts()
    {
        string data = TrainingTestData.Dataset(2, 22, new[] { 0.5, 0.5, 0.0 }, realistic: true); // this test's own: it loses a file
        var validation = DatasetManifest.Read(data).Split("validation").Single();
        string missing = Path.Combine(data, DatasetRadiographs.Files(validation, "lateral")!.UserMask);
        File.Delete(missing);
        string model = TrainingTestData.NewFolder("missing");
        var e = Assert.Throws<ImageFormatException>(() => Trainer.Run(Options(model, 1, DatasetRadiographs.Mixed) with { DataFolder = data }));
        Assert.That(e!.Message, Does.Contain(missing).And.Contain("not found"));
        Assert.That(Directory.Exists(model), Is.False, "refused before anything is written");
    }

    [Test]
    public void EvaluateRegistersTheRealisticRadiographsWhenAsked()
    {
        var manifest = DatasetManifest.Read(Data);
        using var registrar = Registrar.Load(ShippedModel.Find("femur-tiny"));
        DatasetEvaluation Evaluate(string radiographs) => DatasetEvaluator.Run(manifest, registrar,
            new EvaluationOptions { Split = "train", Methods = new[] { DatasetEvaluator.Identity, DatasetEvaluator.Full }, Radiographs = radiographs });
        var (clean, realistic) = (Evaluate(DatasetRadiographs.Drr), Evaluate(DatasetRadiographs.Realistic));
        double Dice(DatasetEvaluation e, string id, string method) => e.Cases.Single(c => c.CaseId == id && c.Method == method).Metrics.Dice;
        foreach (var id in manifest.Split("train").Select(s => s.Id))
        {
            TestContext.Out.WriteLine($"{id}: full-network Dice {Dice(clean, id, DatasetEvaluator.Full):F4} (clean DRRs), {Dice(realistic, id, DatasetEvaluator.Full):F4} (realistic)");
            Assert.That(Dice(realistic, id, DatasetEvaluator.Identity), Is.EqualTo(Dice(clean, id, DatasetEvaluator.Identity)), "the unregistered atlas needs no radiograph");
            Assert.That(Dice(realistic, id, DatasetEvaluator.Full), Is.Not.EqualTo(Dice(clean, id, DatasetEvaluator.Full)), "other inputs, another result");
            Assert.That(Dice(realistic, id, DatasetEvaluator.Full), Is.GreaterThan(Dice(realistic, id, DatasetEvaluator.Identity)), "the realistic inputs still register the femur");
        }
        var mixed = Assert.Throws<ArgumentException>(() => Evaluate(DatasetRadiographs.Mixed));
        Assert.That(mixed!.Message, Does.Contain("training choice"));
        var none = Assert.Throws<ImageFormatException>(() => DatasetEvaluator.Run(DatasetManifest.Read(TrainingTestData.Dataset(4, 11, new[] { 0.5, 0.25, 0.25 })), registrar,
            new EvaluationOptions { Split = "train", Radiographs = DatasetRadiographs.Realistic }));
        Assert.That(none!.Message, Does.Contain("simulate --realistic"));
    }
}
