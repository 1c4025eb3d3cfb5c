using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Cli.Tests;

/// <summary>`slicerreg train`, `register` and `evaluate` as a user runs them (tiny preset, 3 simulated subjects).</summary>
public class TrainRegisterEvaluateCliTests
{
    string _root = "", _data = "", _model = "";

    [OneTimeSetUp]
    public void SimulateAndTrain()
    {
        _root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-train-" + Guid.NewGuid().ToString("N")[..8]);
        _data = Path.Combine(_root, "ds"); _model = Path.Combine(_root, "model");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", _data, "--count", "3", "--seed", "4", "--views", "orthogonal", "--preset", "tiny", "--split", "0.34,0.33,0.33");
        Assert.That(code, Is.EqualTo(0), err);
        (code, var text, err) = SlicerRegProcess.Run("train", "--data", _data, "--preset", "tiny", "--out", _model, "--epochs", "1", "--lr", "1e-4", "--seed", "3");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("trained 1 epochs (1 steps)"));
    }

    [OneTimeTearDown] public void Clean() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    [Test]
    public void TrainWritesAModelFolderAndResumeExtendsIt()
    {
        foreach (var f in new[] { "network.json", "weights.dat", "optimizer.dat", "training.json", "loss.csv", "loss_curve.png", "validation_dice.png", "atlas.nrrd", "best/weights.dat" })
            Assert.That(File.Exists(Path.Combine(_model, f)), f);
        var config = JObject.Parse(File.ReadAllText(Path.Combine(_model, "network.json")));
        Assert.That(((string)config["preset"]!, (string)config["input"]!, (long)config["seed"]!), Is.EqualTo(("tiny", "masked", 3L)));
        string copy = Path.Combine(_root, "model-copy");
        CopyFolder(_model, copy);
        var (code, text, err) = SlicerRegProcess.Run("train", "--data", _data, "--out", copy, "--epochs", "2", "--resume");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("trained 2 epochs (2 steps)"));
        Assert.That(File.ReadAllLines(Path.Combine(copy, "loss.csv")), Has.Length.EqualTo(3), "header + one row per step");
    }

    [Test]
    public void RegisterWritesTheResultFiles()
    {
        string outDir = Path.Combine(_root, "reg");
        string subject = Directory.GetDirectories(_data).Select(Path.GetFileName).First(n => n!.StartsWith("subject_"))!;
        var (code, text, err) = SlicerRegProcess.Run("register", "--ap", Path.Combine(_data, subject, "ap_masked_drr.nrrd"),
            "--lat", Path.Combine(_data, subject, "lateral_masked_drr.nrrd"), "--model", _model, "--out", outDir);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("best"), "the best model is used");
        var atlas = VolumeFile.Read(Path.Combine(_model, "atlas.nrrd"));
        var warped = VolumeFile.Read(Path.Combine(outDir, "warped_atlas.nrrd"));
        var label = VolumeFile.Read(Path.Combine(outDir, "warped_labels.nrrd"));
        var field = VolumeFile.Read(Path.Combine(outDir, "displacement_field.nrrd"));
        var paper = SlicerReg.Core.Anatomy.NetworkPreset.Paper.VolumeSize;
        Assert.That((warped.Size, label.Size, field.Size), Is.EqualTo((paper, paper, atlas.Size)), "atlas and labels on the paper grid (the default --output-grid), Ψ on the model's");
        Assert.That((label.Kind, field.Kind), Is.EqualTo((VolumeKind.LabelMap, VolumeKind.DisplacementField)));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "affine.tfm")), Does.StartWith("#Insight Transform File V1.0"));
        foreach (var png in new[] { "overlay_ap.png", "overlay_lateral.png" })
        {
            var size = SkiaSharp.SKBitmap.DecodeBounds(Path.Combine(outDir, png));
            Assert.That(size.Width * size.Height, Is.GreaterThan(160 * 224), $"{png} shows the whole radiograph");
        }
        // The same subject with explicit view files gives the same result.
        string again = Path.Combine(_root, "reg2");
        (code, _, err) = SlicerRegProcess.Run("register", "--ap", Path.Combine(_data, subject, "ap_masked_drr.nrrd"), "--lat", Path.Combine(_data, subject, "lateral_masked_drr.nrrd"),
            "--ap-view", Path.Combine(_data, subject, "ap_view.json"), "--lat-view", Path.Combine(_data, subject, "lateral_view.json"), "--model", _model, "--out", again);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(File.ReadAllText(Path.Combine(again, "affine.tfm")), Is.EqualTo(File.ReadAllText(Path.Combine(outDir, "affine.tfm"))));
    }

    [Test]
    public void EvaluateScoresEveryMethod()
    {
        string outDir = Path.Combine(_root, "eval");
        var (code, text, err) = SlicerRegProcess.Run("evaluate", "--data", _data, "--model", _model, "--out", outDir, "--split", "test");
        Assert.That(code, Is.EqualTo(0), err);
        foreach (var m in new[] { "identity", "affine", "full" }) Assert.That(text, Does.Contain(m).And.Contain("Dice"));
        var files = Directory.GetFiles(outDir).Select(Path.GetFileName).ToList();
        Assert.That(files, Is.SupersetOf(new[] { "cases.csv", "summary.json", "boxplot_dice.png" }));
        var csv = File.ReadAllLines(Path.Combine(outDir, "cases.csv"));
        Assert.That(csv, Has.Length.EqualTo(1 + 3), "header + one row per case and method (1 test subject × 3 methods)");
        var summary = JObject.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.That(summary.ToString(), Does.Contain("identity").And.Contain("affine").And.Contain("full"));
    }

    [TestCase(new[] { "train", "--preset", "tiny", "--out", "/tmp/x" }, 2, "--data DIR is required")]
    [TestCase(new[] { "train", "--data", "/nonexistent/ds", "--preset", "tiny", "--out", "/tmp/slicerreg-never" }, 1, "/nonexistent/ds")]
    [TestCase(new[] { "train", "--data", "/tmp", "--preset", "huge", "--out", "/tmp/x" }, 2, "unknown network preset 'huge'")]
    [TestCase(new[] { "train", "--data", "/tmp", "--preset", "tiny", "--out", "/tmp/x", "--input", "raw" }, 2, "--input 'raw'")]
    [TestCase(new[] { "train", "--data", "/tmp", "--preset", "tiny", "--out", "/tmp/x", "--lr", "-1" }, 2, "--lr '-1'")]
    [TestCase(new[] { "train", "--data", "/tmp", "--preset", "tiny", "--out", "/tmp/x", "--epochs", "0" }, 2, "--epochs '0'")]
    [TestCase(new[] { "train", "--data", "/tmp", "--preset", "tiny", "--out", "/tmp/x", "--radiographs", "clean" }, 2, "--radiographs 'clean': expected drr, realistic, mixed")]
    [TestCase(new[] { "register", "--ap", "a.nrrd", "--lat", "b.nrrd", "--model", "/nonexistent/model", "--out", "/tmp/slicerreg-never" }, 1, "a.nrrd")]
    [TestCase(new[] { "register", "--ap", "a.nrrd", "--lat", "b.nrrd", "--ap-view", "v.json", "--model", "m", "--out", "o" }, 2, "--lat-view")]
    [TestCase(new[] { "evaluate", "--data", "/tmp", "--model", "m", "--out", "o", "--methods", "identity,magic" }, 2, "unknown method 'magic'")]
    [TestCase(new[] { "evaluate", "--data", "/tmp", "--model", "m", "--out", "o", "--split", "holdout" }, 2, "--split 'holdout'")]
    [TestCase(new[] { "evaluate", "--data", "/tmp", "--model", "m", "--out", "o", "--radiographs", "mixed" }, 2, "--radiographs 'mixed': evaluate takes drr or realistic")]
    public void BadCommandLinesAreRefusedWithTheReason(string[] args, int exitCode, string message)
    {
        var (code, _, err) = SlicerRegProcess.Run(args);
        Assert.That(code, Is.EqualTo(exitCode), err);
        Assert.That(err, Does.Contain(message));
        Assert.That(Directory.Exists("/tmp/slicerreg-never"), Is.False, "nothing written");
    }

    [Test]
    public void TrainRefusesANonEmptyModelFolderAndAMissingDataset()
    {
        var (code, _, err) = SlicerRegProcess.Run("train", "--data", _data, "--preset", "tiny", "--out", _model);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("not empty").And.Contain("--resume"));
        string notData = Path.Combine(_root, "not-a-dataset");
        Directory.CreateDirectory(notData);
        (code, _, err) = SlicerRegProcess.Run("train", "--data", notData, "--preset", "tiny", "--out", Path.Combine(_root, "m2"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("manifest.json").And.Contain("not found"));
        Assert.That(Directory.Exists(Path.Combine(_root, "m2")), Is.False, "no model folder for a refused run");
    }

    [Test]
    public void TrainOnRealisticRadiographsRecordsTheChoiceAndResumeKeepsIt()
    {
        string data = Path.Combine(_root, "ds-realistic"), model = Path.Combine(_root, "m-realistic");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", data, "--count", "2", "--seed", "6", "--views", "orthogonal", "--preset", "tiny", "--split", "0.5,0.5,0", "--realistic");
        Assert.That(code, Is.EqualTo(0), err);
        (code, var text, err) = SlicerRegProcess.Run("train", "--data", data, "--preset", "tiny", "--out", model, "--epochs", "1", "--seed", "3", "--radiographs", "realistic", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("trained 1 epochs (1 steps)"));
        Assert.That((string)JObject.Parse(File.ReadAllText(Path.Combine(model, "training.json")))["radiographs"]!, Is.EqualTo("realistic"));
        (code, _, err) = SlicerRegProcess.Run("train", "--data", data, "--out", model, "--epochs", "2", "--resume", "--radiographs", "drr");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("--radiographs drr differs from the checkpoint's realistic"));
        // The class's dataset was simulated without --realistic.
        string refused = Path.Combine(_root, "m-refused");
        (code, _, err) = SlicerRegProcess.Run("train", "--data", _data, "--preset", "tiny", "--out", refused, "--radiographs", "mixed");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain(Path.GetFullPath(_data)).And.Contain("simulate --realistic"));
        Assert.That(Directory.Exists(refused), Is.False, "no model folder for a refused run");
    }

    static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyFolder(d, Path.Combine(to, Path.GetFileName(d)));
    }
}
