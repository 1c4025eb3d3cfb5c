using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// `slicerreg evaluate --radiographs realistic` runs the whole pipeline a user runs, head clicks included (issue 16):
/// the atlas frame placed on each subject's simulated clicks as `register --head` places it, recorded in placement.csv.
/// One tiny subject (seed 8) with the shipped tiny model, scored on the model grid.
/// </summary>
public class EvaluateRealisticCliTests
{
    string _root = "", _data = "";
    static string Model => Path.Combine(ExternalTool.RepoRoot, "atlas", "models", "femur-tiny");
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [OneTimeSetUp]
    public void Simulate()
    {
        _root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-evaluate-realistic-" + Guid.NewGuid().ToString("N")[..8]);
        _data = Path.Combine(_root, "ds");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", _data, "--count", "1", "--seed", "8", "--views", "orthogonal", "--preset", "tiny",
                                                  "--split", "0,0,1", "--realistic", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
    }

    [OneTimeTearDown] public void Clean() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    static JToken Realistic(string data) => JObject.Parse(File.ReadAllText(Path.Combine(data, "manifest.json")))["subjects"]![0]!["source"]!["realistic"]!;

    static Vec3 Point(JToken array) => Vec3.FromArray(array.Select(v => (double)v).ToArray());

    /// <summary>Runs evaluate (full network, model grid) on <paramref name="data"/>; returns stdout and the output folder.</summary>
    (string Text, string Out) Evaluate(string data, string name, params string[] extra)
    {
        string outDir = Path.Combine(_root, name);
        var (code, text, err) = SlicerRegProcess.Run(new[] { "evaluate", "--data", data, "--model", Model, "--out", outDir, "--methods", "full",
                                                             "--output-grid", "model", "--radiographs", "realistic", "--quiet" }.Concat(extra).ToArray());
        Assert.That(code, Is.EqualTo(0), err);
        return (text, outDir);
    }

    /// <summary>The one row of placement.csv: triangulated head, ray distance, true head, placement error.</summary>
    static (Vec3 Head, double Rays, Vec3 True, double Error) Placement(string outDir)
    {
        var lines = File.ReadAllLines(Path.Combine(outDir, "placement.csv"));
        Assert.That(lines[0], Is.EqualTo("case,head_r_mm,head_a_mm,head_s_mm,ray_distance_mm,true_head_r_mm,true_head_a_mm,true_head_s_mm,placement_error_mm"));
        Assert.That(lines, Has.Length.EqualTo(2), "one subject");
        var f = lines[1].Split(',');
        Assert.That(f[0], Is.EqualTo("subject_0000"));
        var v = f[1..].Select(x => double.Parse(x, Inv)).ToArray();
        return (new Vec3(v[0], v[1], v[2]), v[3], new Vec3(v[4], v[5], v[6]), v[7]);
    }

    static double Dice(string outDir) => double.Parse(File.ReadAllLines(Path.Combine(outDir, "cases.csv")).Single(l => l.Contains(",full,")).Split(',')[4], Inv);

    [Test]
    public void RealisticRadiographsArePlacedByTheHeadClicksAsRegisterHeadPlacesThem()
    {
        var (text, outDir) = Evaluate(_data, "clicks");
        Assert.That(text, Does.Contain("placed by the head clicks").And.Contain("placement from the head clicks (1 subjects)"));
        var (head, rays, truth, error) = Placement(outDir);
        var realistic = Realistic(_data);
        Assert.That((truth - Point(realistic["headRas"]!)).Norm, Is.LessThan(1e-9), "the true head is the manifest's");
        Assert.That(error, Is.EqualTo((head - truth).Norm).Within(1e-9));
        TestContext.Out.WriteLine(string.Create(Inv, $"±3 px clicks: head {error:F2} mm off, rays {rays:F2} mm apart, Dice {Dice(outDir):F4}"));
        Assert.That(error, Is.LessThan(8), "±3 px clicks (1.1 mm/px at the isocentre) place the head within a few mm");
        Assert.That(rays, Is.GreaterThan(0).And.LessThan(10), "noisy clicks: rays a few mm apart, finite");
        Assert.That(Dice(outDir), Is.InRange(0.8, 1.0));

        // `register --head` with the manifest's --head argument (clicks rounded to 0.01 px) places the same head.
        string registered = Path.Combine(_root, "register");
        string F(string view, string key) => Path.Combine(_data, (string)realistic["views"]![view]![key]!);
        var (code, _, err) = SlicerRegProcess.Run("register", "--ap", F("ap", "intensity"), "--lat", F("lateral", "intensity"),
            "--ap-mask", F("ap", "userMask"), "--lat-mask", F("lateral", "userMask"), "--head", (string)realistic["headArgument"]!,
            "--model", Model, "--output-grid", "model", "--out", registered);
        Assert.That(code, Is.EqualTo(0), err);
        var placement = JObject.Parse(File.ReadAllText(Path.Combine(registered, "placement.json")))["head"]!;
        Assert.That((Point(placement["centre_ras_mm"]!) - head).Norm, Is.LessThan(0.05), "register --head's head");
        Assert.That((double)placement["ray_distance_mm"]!, Is.EqualTo(rays).Within(0.05), "register --head's ray distance");
    }

    [Test]
    public void TheClicksMoveThePlacementAndTheResult()
    {
        // The same subject with its clicks edited onto the exact head pixels: the placement moves onto the true head.
        string exact = Path.Combine(_root, "ds-exact");
        CopyFolder(_data, exact);
        string manifestPath = Path.Combine(exact, "manifest.json");
        var manifest = JObject.Parse(File.ReadAllText(manifestPath));
        var views = manifest["subjects"]![0]!["source"]!["realistic"]!["views"]!;
        foreach (var view in new[] { "ap", "lateral" }) views[view]!["headClick"] = views[view]!["headPixel"]!.DeepClone();
        File.WriteAllText(manifestPath, manifest.ToString());

        var (_, noisyOut) = Evaluate(_data, "noisy");
        var (_, exactOut) = Evaluate(exact, "exact");
        var noisy = Placement(noisyOut);
        var onHead = Placement(exactOut);
        Assert.That(noisy.Error, Is.GreaterThan(1), "seed 8's clicks are off by a few mm (else this test shows nothing)");
        Assert.That(onHead.Error, Is.LessThan(0.05), "exact clicks triangulate onto the true head");
        Assert.That(onHead.Rays, Is.LessThan(0.05), "exact clicks: the rays meet");
        Assert.That(Dice(exactOut), Is.Not.EqualTo(Dice(noisyOut)), "the placement changes the registration");

        // --placement none: today's behaviour, no clicks, no placement.csv, another result.
        var (text, noneOut) = Evaluate(_data, "none", "--placement", "none");
        Assert.That(text, Does.Not.Contain("placed by the head clicks"));
        Assert.That(File.Exists(Path.Combine(noneOut, "placement.csv")), Is.False);
        Assert.That(Dice(noneOut), Is.Not.EqualTo(Dice(noisyOut)).And.Not.EqualTo(Dice(exactOut)));
    }

    static void CopyFolder(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(dir.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to));
    }
}
