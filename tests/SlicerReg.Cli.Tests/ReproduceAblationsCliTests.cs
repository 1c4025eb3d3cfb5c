using System.Globalization;
using Newtonsoft.Json.Linq;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// `slicerreg reproduce ablations` as a user runs it, with a very small budget (4 training, 2 validation, 3 test subjects,
/// 1 epoch). The learning rate is far above a useful one so that four steps move every network visibly and the five
/// networks score differently: a table that read one variant's results for another would then show it.
/// </summary>
public class ReproduceAblationsCliTests
{
    static readonly string[] Variants = { "full", "no-intermediate-concatenation", "no-skip-connections", "shared-decoder", "no-invprost" };
    // intermediateConcatenation, skipConnections, separateDecoders, inverseProjection of each variant.
    static readonly bool[][] Switches =
    {
        new[] { true, true, true, true }, new[] { false, true, true, true }, new[] { true, false, true, true },
        new[] { true, true, false, true }, new[] { true, true, true, false },
    };
    static readonly string[] SwitchNames = { "intermediateConcatenation", "skipConnections", "separateDecoders", "inverseProjection" };

    string _root = "", _out = "", _firstErr = "";
    string[] Command => new[] { "reproduce", "ablations", "--out", _out, "--preset", "tiny", "--train-count", "4", "--validation-count", "2",
                                "--test-count", "3", "--epochs", "1", "--lr", "0.01", "--seed", "5" };

    [OneTimeSetUp]
    public void RunTheStudy()
    {
        _root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-ablations-" + Guid.NewGuid().ToString("N")[..8]);
        _out = Path.Combine(_root, "study");
        var (code, _, err) = SlicerRegProcess.Run(Command);
        Assert.That(code, Is.EqualTo(0), err);
        _firstErr = err;
    }

    [OneTimeTearDown] public void Clean() { try { Directory.Delete(_root, true); } catch (IOException) { } }

    static List<Dictionary<string, string>> Csv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => { var f = l.Split(','); Assert.That(f, Has.Length.EqualTo(header.Length), l); return header.Zip(f).ToDictionary(p => p.First, p => p.Second); }).ToList();
    }

    static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    [Test]
    public void WritesOneRowPerNetworkInTheCsvAndTheMarkdown()
    {
        var rows = Csv(Path.Combine(_out, "ablations.csv"));
        Assert.That(rows.Select(r => r["variant"]), Is.EqualTo(Variants));
        foreach (var r in rows)
        {
            Assert.That((r["steps"], r["test_cases"], r["best_epoch"]), Is.EqualTo(("4", "3", "1")), r["variant"] + ": equal budget, every test case scored");
            foreach (var metric in new[] { "dice_mean", "affine_dice_mean", "best_validation_dice" })
                Assert.That(D(r[metric]), Is.InRange(0.0, 1.0), $"{r["variant"]} {metric}");
            foreach (var metric in new[] { "assd_mm_mean", "hd95_mm_mean", "dice_sd", "assd_mm_sd", "hd95_mm_sd", "train_seconds", "evaluation_seconds" })
                Assert.That(D(r[metric]), Is.GreaterThanOrEqualTo(0).And.Not.NaN.And.LessThan(1e6), $"{r["variant"]} {metric}");
        }
        Assert.That(rows.Select(r => r["dice_mean"]).Distinct().Count(), Is.GreaterThanOrEqualTo(4), "the networks differ, so their scores do");
        Assert.That((rows[0]["paper_dice"], rows[0]["paper_assd_mm"]), Is.EqualTo(("0.94", "0.84")));

        var markdown = File.ReadAllLines(Path.Combine(_out, "ablations.md"));
        var tableRows = markdown.Where(l => l.StartsWith("| ") && !l.StartsWith("| network")).ToList();
        Assert.That(tableRows, Has.Count.EqualTo(5));
        for (int n = 0; n < 5; n++)
        {
            Assert.That(tableRows[n], Does.Contain($"(`{Variants[n]}`)"));
            Assert.That(tableRows[n], Does.Contain(D(rows[n]["dice_mean"]).ToString("F4", CultureInfo.InvariantCulture) + " ± "), "the Markdown shows the CSV's Dice");
        }
        Assert.That(string.Join("\n", markdown), Does.Contain("slicerreg reproduce ablations --out " + _out).And.Contain("1 epochs = 4 steps"));
        Assert.That(_firstErr, Does.Contain("[1/5] full: training").And.Contain("[5/5] no-invprost: scoring"), "progress on stderr");
    }

    [Test]
    public void EachNetworkCarriesItsSwitchesAndItsOwnWeights()
    {
        var rows = Csv(Path.Combine(_out, "ablations.csv"));
        var sizes = new long[5];
        for (int n = 0; n < 5; n++)
        {
            foreach (var folder in new[] { "model", "model/best" })
            {
                var config = JObject.Parse(File.ReadAllText(Path.Combine(_out, Variants[n], folder, "network.json")));
                Assert.That(SwitchNames.Select(s => (bool)config[s]!), Is.EqualTo(Switches[n]), $"{Variants[n]}/{folder}/network.json");
                Assert.That(((string)config["preset"]!, (long)config["seed"]!, (int)config["nccWindow"]!), Is.EqualTo(("tiny", 5L, 0)));
            }
            Assert.That(SwitchNames.Select(s => bool.Parse(rows[n][string.Concat(s.Select(c => char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : c.ToString()))])),
                        Is.EqualTo(Switches[n]), "the CSV's switches");
            sizes[n] = new FileInfo(Path.Combine(_out, Variants[n], "model", "best", "weights.dat")).Length;
        }
        var parameters = rows.Select(r => long.Parse(r["parameters"], CultureInfo.InvariantCulture)).ToArray();
        // invProST has no weights: the same tensors as the full network. Every other ablation removes layers.
        Assert.That(parameters[4], Is.EqualTo(parameters[0]));
        Assert.That(sizes[4], Is.EqualTo(sizes[0]));
        for (int n = 1; n < 4; n++) Assert.That(parameters[n], Is.LessThan(parameters[0]), Variants[n]);
        // The saved weights (read as files, not through the program) order the networks as the counted parameters do.
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 5; b++)
                Assert.That(Math.Sign(sizes[a] - sizes[b]), Is.EqualTo(Math.Sign(parameters[a] - parameters[b])), $"{Variants[a]} vs {Variants[b]}");
    }

    [Test]
    public void TheTableHoldsTheMeansOfEachNetworksOwnCases()
    {
        var rows = Csv(Path.Combine(_out, "ablations.csv"));
        for (int n = 0; n < 5; n++)
        {
            var cases = Csv(Path.Combine(_out, Variants[n], "eval", "cases.csv"));
            Assert.That(cases.Select(c => c["case"]).Distinct().Count(), Is.EqualTo(3));
            foreach (var (column, method, metric) in new[] { ("dice_mean", "full", "dice"), ("assd_mm_mean", "full", "assd_mm"), ("hd95_mm_mean", "full", "hd95_mm"), ("affine_dice_mean", "affine", "dice") })
            {
                var values = cases.Where(c => c["method"] == method).Select(c => D(c[metric])).ToList();
                Assert.That(values, Has.Count.EqualTo(3));
                Assert.That(D(rows[n][column]), Is.EqualTo(values.Average()).Within(1e-9), $"{Variants[n]} {column}");
            }
            var dice = cases.Where(c => c["method"] == "full").Select(c => D(c["dice"])).ToList();
            double sd = Math.Sqrt(dice.Sum(x => (x - dice.Average()) * (x - dice.Average())) / (dice.Count - 1));
            Assert.That(D(rows[n]["dice_sd"]), Is.EqualTo(sd).Within(1e-9), $"{Variants[n]}: sample sd");
        }
    }

    [Test]
    public void RunningTheSameCommandAgainRetrainsNothingAndRescoresOnlyWhatIsMissing()
    {
        string csv = Path.Combine(_out, "ablations.csv");
        var weights = Variants.Select(v => Path.Combine(_out, v, "model", "weights.dat")).ToList();
        var before = weights.Select(File.GetLastWriteTimeUtc).ToList();
        Directory.Delete(Path.Combine(_out, "shared-decoder", "eval"), recursive: true);
        var table = Csv(csv);

        var (code, _, err) = SlicerRegProcess.Run(Command);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(weights.Select(File.GetLastWriteTimeUtc), Is.EqualTo(before), "no network was trained again");
        Assert.That(err, Does.Not.Contain(": training").And.Not.Contain("resuming").And.Not.Contain("simulating"));
        Assert.That(err.Split('\n').Count(l => l.Contains("already trained")), Is.EqualTo(5));
        Assert.That(err.Split('\n').Where(l => l.Contains(": scoring")), Has.Exactly(1).Contains("shared-decoder"), "only the missing evaluation is made again");
        var again = Csv(csv);
        for (int n = 0; n < 5; n++)
            foreach (var column in again[n].Keys.Where(k => k != "evaluation_seconds"))
                Assert.That(again[n][column], Is.EqualTo(table[n][column]), $"{Variants[n]} {column}: the same files give the same table");
    }

    [Test]
    public void AnotherBudgetInTheSameFolderIsRefusedNotMixedIn()
    {
        var command = Command.ToList();
        command[command.IndexOf("--lr") + 1] = "0.02";
        var (code, _, err) = SlicerRegProcess.Run(command.ToArray());
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("learning rate 0.01").And.Contain("another --out"));
        command = Command.ToList();
        command[command.IndexOf("--epochs") + 1] = "0";
        (code, _, err) = SlicerRegProcess.Run(command.ToArray());
        Assert.That((code, err.Contains("--epochs '0'")), Is.EqualTo((2, true)), err);
    }

    [TestCase("--preset", "huge", "huge")]
    [TestCase("--train-count", "0", "--train-count '0': expected an integer ≥ 1")]
    [TestCase("--test-count", "x", "--test-count 'x'")]
    [TestCase("--views", "sideways", "sideways")]
    [TestCase("--ncc-window", "4", "--ncc-window '4'")]
    public void BadOptionsAreRefusedWithTheirName(string option, string value, string message)
    {
        using var tmp = new SlicerReg.Tests.Common.TempFolder();
        var (code, _, err) = SlicerRegProcess.Run("reproduce", "ablations", "--out", tmp.File("x"), option, value);
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(message).And.Contain("usage:"));
        Assert.That(Directory.Exists(tmp.File("x")), Is.False, "nothing written for a wrong command line");
    }

    [Test]
    public void AnUnknownExperimentIsRefused()
    {
        var (code, _, err) = SlicerRegProcess.Run("reproduce", "table9", "--out", "x");
        Assert.That((code, err.Contains("unknown experiment 'table9' (expected: ablations)")), Is.EqualTo((2, true)), err);
    }
}
