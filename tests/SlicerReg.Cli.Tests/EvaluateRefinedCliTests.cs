using SlicerReg.Core.IO;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// `slicerreg evaluate` with the refinements, the paper-grid truth and the calibration sweep (docs/refinement.md), on one
/// tiny subject with the shipped tiny model and a few refinement steps.
/// </summary>
public class EvaluateRefinedCliTests
{
    string _root = "", _data = "", _model = "";

    [OneTimeSetUp]
    public void Simulate()
    {
        _root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-evaluate-" + Guid.NewGuid().ToString("N")[..8]);
        _data = Path.Combine(_root, "ds");
        _model = Path.Combine(ExternalTool.RepoRoot, "atlas", "models", "femur-tiny");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", _data, "--count", "1", "--seed", "8", "--views", "orthogonal", "--preset", "tiny",
                                                  "--split", "0,0,1", "--truth-grid", "paper", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
    }

    [OneTimeTearDown] public void Clean() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    static List<string[]> Csv(string path) => File.ReadAllLines(path).Skip(1).Select(l => l.Split(',')).ToList();

    [Test]
    public void RefinedMethodsAreScoredBesideTheNetworkAndTheirRefinementsRecorded()
    {
        string outDir = Path.Combine(_root, "refined");
        var (code, text, err) = SlicerRegProcess.Run("evaluate", "--data", _data, "--model", _model, "--out", outDir, "--output-grid", "model",
            "--methods", "full,refined,refined-pose", "--refine-grid", "tiny", "--refine-iterations", "6", "--refine-pose-iterations", "6", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("refined-pose").And.Contain("scored on the model grid"));
        var cases = Csv(Path.Combine(outDir, "cases.csv"));
        Assert.That(cases.Select(c => c[1]), Is.EqualTo(new[] { "full", "refined", "refined-pose" }));
        foreach (var c in cases) Assert.That(double.Parse(c[4], Inv), Is.InRange(0.5, 1.0), $"{c[1]} Dice");
        Assert.That(File.Exists(Path.Combine(outDir, "boxplot_dice.png")));
        var refinements = Csv(Path.Combine(outDir, "refinement.csv"));
        Assert.That(refinements.Select(r => (r[1], r[3], r[4])), Is.EqualTo(new[] { ("refined", "0", "6"), ("refined-pose", "6", "6") }), "method, pose and deformation steps");
        // Both start from the network's result (whether 6 steps raise the NCC is RefinementTests' business, on a wrong start).
        Assert.That(refinements[1][5], Is.EqualTo(refinements[0][5]), "the same start");
        foreach (var r in refinements) Assert.That(double.Parse(r[6], Inv), Is.InRange(0.5, 1.0), $"{r[1]}: image NCC after");
        Assert.That(refinements[0][8..], Is.All.Empty, "no pose stage, no correction or residual");
        // The views are exact here, so what is left of the calibration error is the correction itself.
        Assert.That(double.Parse(refinements[1][9], Inv), Is.EqualTo(double.Parse(refinements[1][8], Inv)).Within(1e-6), "residual = correction for an exact view");
        Assert.That(double.Parse(refinements[1][8], Inv), Is.InRange(0, 3), "the exact view stays within a few degrees");
    }

    [Test]
    public void ThePaperGridIsTheDefaultWhereTheDatasetHasItsTruth()
    {
        string outDir = Path.Combine(_root, "paper");
        var (code, text, err) = SlicerRegProcess.Run("evaluate", "--data", _data, "--model", _model, "--out", outDir, "--methods", "identity", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("scored on the paper grid"));
        // The unregistered atlas's Dice, counted here from the files: atlas/paper/ against the subject's paper-grid label.
        var atlas = VolumeFile.Read(Path.Combine(ExternalTool.RepoRoot, "atlas", "paper", "femur_atlas_label.nrrd")).As<byte>();
        var truth = VolumeFile.Read(Directory.GetFiles(_data, "label_paper.nrrd", SearchOption.AllDirectories).Single()).As<byte>();
        int both = 0, a = 0, b = 0;
        for (int n = 0; n < atlas.Length; n++) { if (atlas[n] == 1) a++; if (truth[n] == 1) b++; if (atlas[n] == 1 && truth[n] == 1) both++; }
        var row = Csv(Path.Combine(outDir, "cases.csv")).Single();
        Assert.That(double.Parse(row[4], Inv), Is.EqualTo(2.0 * both / (a + b)).Within(1e-12));
    }

    [Test]
    public void CalibrationSweepPutsOnTheErrorSimulateWrites()
    {
        // The same subject simulated with a 5° error of the lateral view, and the exact dataset swept over 0° and 5°.
        string withError = Path.Combine(_root, "ds-error");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", withError, "--count", "1", "--seed", "8", "--views", "orthogonal", "--preset", "tiny",
                                                  "--split", "0,0,1", "--calibration-error", "5", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        string direct = Path.Combine(_root, "eval-error"), sweep = Path.Combine(_root, "sweep");
        (code, _, err) = SlicerRegProcess.Run("evaluate", "--data", withError, "--model", _model, "--out", direct, "--methods", "full", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        (code, var text, err) = SlicerRegProcess.Run("evaluate", "--data", _data, "--model", _model, "--out", sweep, "--methods", "full", "--output-grid", "model",
                                                     "--calibration-sweep", "0,5", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("5° full"));
        var rows = Csv(Path.Combine(sweep, "calibration.csv"));
        Assert.That(rows.Select(r => (r[0], r[2])), Is.EqualTo(new[] { ("0", "full"), ("5", "full") }));
        Assert.That(rows[1][3], Is.EqualTo(Csv(Path.Combine(direct, "cases.csv")).Single()[4]), "the sweep's 5° views are the ones simulate writes");
        Assert.That(rows[0][3], Is.Not.EqualTo(rows[1][3]), "the error changes the result");
        Assert.That(Csv(Path.Combine(sweep, "calibration_0deg", "cases.csv")).Single()[4], Is.EqualTo(rows[0][3]), "each size has its own report");
        Assert.That(Csv(Path.Combine(sweep, "calibration_summary.csv")).Select(r => r[3]), Is.EqualTo(new[] { rows[0][3], rows[1][3] }), "mean Dice of one case");
        var size = SkiaSharp.SKBitmap.DecodeBounds(Path.Combine(sweep, "calibration_dice.png"));
        Assert.That(size.Width * size.Height, Is.GreaterThan(0), "the calibration plot decodes");
        // A dataset that already carries an error is not swept (the errors would add up).
        (code, _, err) = SlicerRegProcess.Run("evaluate", "--data", withError, "--model", _model, "--out", Path.Combine(_root, "never"), "--methods", "full", "--calibration-sweep", "2");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("already carries a calibration error"));
    }

    [TestCase(new[] { "--calibration-sweep", "5,x" }, 2, "'x'")]
    [TestCase(new[] { "--output-grid", "atlas.nrrd" }, 2, "model or paper")]
    [TestCase(new[] { "--methods", "refined,shiny" }, 2, "unknown method 'shiny'")]
    [TestCase(new[] { "--refine-iterations", "-1" }, 2, "-1")]
    [TestCase(new[] { "--placement", "isocentre" }, 2, "--placement 'isocentre': expected head-clicks, none")]
    [TestCase(new[] { "--placement", "head-clicks" }, 1, "needs the head clicks of `slicerreg simulate --realistic`")]
    public void BadEvaluateCommandLinesAreRefused(string[] extra, int exitCode, string message)
    {
        var (code, _, err) = SlicerRegProcess.Run(new[] { "evaluate", "--data", _data, "--model", _model, "--out", Path.Combine(_root, "never") }.Concat(extra).ToArray());
        Assert.That(code, Is.EqualTo(exitCode), err);
        Assert.That(err, Does.Contain(message));
        Assert.That(Directory.Exists(Path.Combine(_root, "never")), Is.False, "nothing written");
    }
}
