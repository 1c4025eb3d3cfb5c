using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// The shipped model (atlas/models/femur-tiny, issue 8): `slicerreg demo` runs the main job with it, and its model card's
/// numbers are what `slicerreg evaluate` gives on the card's own test set (the first cases, regenerated from the card's
/// simulate command line).
/// </summary>
public class ShippedModelTests
{
    /// <summary>The default model (the one `demo`, the daemon and the Slicer module use): the one card that says so.</summary>
    static string ModelName => CardedModels().Single(m => (bool?)CardOf(m)["default"] == true);

    static JObject CardOf(string model) => JObject.Parse(File.ReadAllText(Path.Combine(ExternalTool.RepoRoot, "atlas", "models", model, "card.json")));
    string _root = "";

    static string ModelFolder => Path.Combine(ExternalTool.RepoRoot, "atlas", "models", ModelName);

    [OneTimeSetUp] public void Folder() => Directory.CreateDirectory(_root = Path.Combine(Path.GetTempPath(), "slicerreg-shipped-" + Guid.NewGuid().ToString("N")[..8]));
    [OneTimeTearDown] public void Clean() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    [Test]
    public void DemoRegistersASyntheticPatientWithTheDefaultModel()
    {
        // Run from a folder outside the repository: the default model is found from the program's own location.
        string outDir = Path.Combine(_root, "demo");
        // On the model's grid, so the written label map can be scored against the truth voxel for voxel (the default paper
        // grid is checked by TwoProcessesRegisterBitForBitAlike…).
        var (code, text, err) = SlicerRegProcess.RunIn(_root, "demo", "--out", outDir, "--seed", "7", "--output-grid", "model");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain(ModelName).And.Contain(outDir).And.Contain("Dice").And.Contain("ASSD"));
        foreach (var f in new[] { "warped_atlas.nrrd", "warped_labels.nrrd", "displacement_field.nrrd", "affine.tfm", "ground_truth_ct.nrrd",
                                  "ground_truth_label.nrrd", "ap_radiograph.nrrd", "lateral_radiograph.nrrd", "overlay_ap.png", "overlay_lateral.png", "metrics.json" })
            Assert.That(File.Exists(Path.Combine(outDir, f)), f);
        var truth = VolumeFile.Read(Path.Combine(outDir, "ground_truth_label.nrrd"));
        var warped = VolumeFile.Read(Path.Combine(outDir, "warped_labels.nrrd"));
        var field = VolumeFile.Read(Path.Combine(outDir, "displacement_field.nrrd"));
        Assert.That((warped.Geometry.Size, field.Geometry.Size), Is.EqualTo((truth.Geometry.Size, truth.Geometry.Size)));
        Assert.That((warped.Kind, field.Kind), Is.EqualTo((VolumeKind.LabelMap, VolumeKind.DisplacementField)));
        Assert.That(Core.Xray.Radiograph.Read(Path.Combine(outDir, "ap_radiograph.nrrd")).View.Columns, Is.EqualTo(160), "a calibrated radiograph");

        var metrics = JObject.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")));
        double Dice(string method) => (double)metrics["methods"]![method]!["dice"]!;
        TestContext.Out.WriteLine($"demo seed 7: Dice identity {Dice("identity"):F4}, affine {Dice("affine"):F4}, full {Dice("full"):F4}");
        Assert.That(Dice("full"), Is.GreaterThan(Dice("identity")), "the registration improves on the unregistered atlas");
        // Our own scoring agrees with the files: the Dice of the written label maps.
        Assert.That(Overlap(truth, warped), Is.EqualTo(Dice("full")).Within(1e-9));

        // A second run into the same folder (an earlier demo) is allowed; a foreign non-empty folder is not.
        string foreign = Path.Combine(_root, "foreign");
        Directory.CreateDirectory(foreign);
        File.WriteAllText(Path.Combine(foreign, "notes.txt"), "mine");
        (code, _, err) = SlicerRegProcess.RunIn(_root, "demo", "--out", foreign);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain(foreign).And.Contain("not empty"));
        Assert.That(Directory.GetFiles(foreign), Has.Length.EqualTo(1), "nothing written");
    }

    /// <summary>
    /// Two processes, one seed, the same input: the same files bit for bit (a property of one machine; across CPUs only
    /// agreement within float tolerance is expected). And no libtorch warnings (NNPACK) on the way.
    /// </summary>
    [Test]
    public void TwoProcessesRegisterBitForBitAlikeAndPrintNoLibtorchWarnings()
    {
        var runs = new[] { "first", "second" }.Select(name =>
        {
            string outDir = Path.Combine(_root, "same-" + name);
            var (code, text, err) = SlicerRegProcess.RunIn(_root, "demo", "--out", outDir, "--seed", "11");
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(text + err, Does.Not.Contain("NNPACK").And.Not.Contain("[W "), "libtorch warnings reach the user");
            return outDir;
        }).ToList();
        foreach (var f in new[] { "displacement_field.nrrd", "warped_labels.nrrd", "warped_atlas.nrrd", "affine.tfm" })
            Assert.That(File.ReadAllBytes(Path.Combine(runs[1], f)), Is.EqualTo(File.ReadAllBytes(Path.Combine(runs[0], f))), f);
        Assert.That(VolumeFile.Read(Path.Combine(runs[0], "warped_labels.nrrd")).Size, Is.EqualTo(Core.Anatomy.NetworkPreset.Paper.VolumeSize), "the default --output-grid is the paper grid");
    }

    /// <summary>Every model folder under atlas/models that has a card.</summary>
    static IEnumerable<string> CardedModels() => Directory.GetDirectories(Path.Combine(ExternalTool.RepoRoot, "atlas", "models"))
        .Where(d => File.Exists(Path.Combine(d, "card.json"))).Select(Path.GetFileName).OrderBy(n => n)!;

    [TestCaseSource(nameof(CardedModels))]
    public void ModelCardNumbersAreReproducedByEvaluate(string model)
    {
        // The card's orthogonal test set, cut to its first three subjects (subject n's seed depends on the dataset seed and
        // n only, so the first three are the same subjects), evaluated by the CLI with the card's own evaluate options.
        string folder = Path.Combine(ExternalTool.RepoRoot, "atlas", "models", model);
        var card = JObject.Parse(File.ReadAllText(Path.Combine(folder, "card.json")));
        var set = (JObject)card["evaluation"]!.First(e => (string)e["name"]! == "orthogonal");
        var simulate = set["simulate"]!.Select(t => (string)t!).Skip(1).ToList();   // drop "slicerreg"
        string data = Path.Combine(_root, "card-test-set-" + model);
        simulate[simulate.IndexOf("--count") + 1] = "3";
        simulate[simulate.IndexOf("--out") + 1] = data;
        var (code, _, err) = SlicerRegProcess.Run(simulate.Append("--quiet").ToArray());
        Assert.That(code, Is.EqualTo(0), err);
        string eval = Path.Combine(_root, "card-eval-" + model);
        var evaluate = set["evaluate"]!.Select(t => (string)t!).Skip(1).ToList();   // drop "slicerreg"
        evaluate[evaluate.IndexOf("--data") + 1] = data;
        evaluate[evaluate.IndexOf("--model") + 1] = folder;
        evaluate[evaluate.IndexOf("--out") + 1] = eval;
        (code, _, err) = SlicerRegProcess.Run(evaluate.Append("--quiet").ToArray());
        Assert.That(code, Is.EqualTo(0), err);

        var stored = ReadDice(Path.Combine(folder, (string)set["cases"]!));
        var now = ReadDice(Path.Combine(eval, "cases.csv"));
        Assert.That(now.Keys, Has.Count.EqualTo(9), "3 subjects × identity, affine, full");
        foreach (var (key, dice) in now)
        {
            Assert.That(stored.ContainsKey(key), $"{key} is in the card's cases.csv");
            Assert.That(dice, Is.EqualTo(stored[key]).Within(1e-4), $"Dice of {key}");
        }
        // The card's summary is the mean of its cases.csv.
        var full = stored.Where(kv => kv.Key.EndsWith("/full")).Select(kv => kv.Value).ToList();
        Assert.That(full, Has.Count.EqualTo((int)set["subjects"]!));
        Assert.That((double)set["summary"]!["full"]!["dice"]!["mean"]!, Is.EqualTo(full.Average()).Within(1e-9));
    }

    [TestCaseSource(nameof(CardedModels))]
    public void ShippedModelIsSmallSelfContainedAndOnTheShippedAtlas(string model)
    {
        string folder = Path.Combine(ExternalTool.RepoRoot, "atlas", "models", model);
        long bytes = Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.That(bytes, Is.LessThan(30L << 20), "a few tens of MB at most");
        var card = CardOf(model);
        string preset = (string)card["preset"]!;
        Assert.That((string)JObject.Parse(File.ReadAllText(Path.Combine(folder, "network.json")))["preset"]!, Is.EqualTo(preset));
        // The model's atlas copy is the shipped atlas of its preset, voxel for voxel.
        foreach (var (copy, shipped) in new[] { ("atlas.nrrd", "femur_atlas.nrrd"), ("atlas_label.nrrd", "femur_atlas_label.nrrd") })
        {
            var a = VolumeFile.Read(Path.Combine(folder, copy));
            var b = VolumeFile.Read(Path.Combine(ExternalTool.RepoRoot, "atlas", preset, shipped));
            Assert.That(a.Geometry.Size, Is.EqualTo(b.Geometry.Size));
            for (long n = 0; n < a.VoxelCount; n++)
                if (a.GetElement(n) != b.GetElement(n)) Assert.Fail($"{copy} differs from atlas/{preset}/{shipped} at voxel {n}");
        }
        foreach (var f in new[] { "MODEL_CARD.md", "cases.csv" }) Assert.That(File.Exists(Path.Combine(folder, f)), f);
        foreach (var key in new[] { "preset", "training", "evaluation" }) Assert.That(card[key], Is.Not.Null, key);
        // The card says whether it is the default; exactly one shipped model is (ModelName throws otherwise).
        Assert.That((bool?)card["default"], Is.EqualTo(model == ModelName), "card.json \"default\"");
    }

    /// <summary>"case/method" → Dice, from an evaluation's cases.csv.</summary>
    static Dictionary<string, double> ReadDice(string csv)
    {
        var lines = File.ReadAllLines(csv);
        var header = lines[0].Split(',');
        int c = Array.IndexOf(header, "case"), m = Array.IndexOf(header, "method"), d = Array.IndexOf(header, "dice");
        return lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
                    .ToDictionary(f => $"{f[c]}/{f[m]}", f => double.Parse(f[d], CultureInfo.InvariantCulture));
    }

    static double Overlap(Volume truth, Volume test)
    {
        long both = 0, a = 0, b = 0;
        for (long n = 0; n < truth.VoxelCount; n++)
        {
            bool x = truth.GetElement(n) == 1, y = test.GetElement(n) == 1;
            if (x) a++; if (y) b++; if (x && y) both++;
        }
        return 2.0 * both / (a + b);
    }
}
