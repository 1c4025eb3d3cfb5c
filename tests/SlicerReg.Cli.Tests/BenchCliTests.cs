using Newtonsoft.Json.Linq;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>`slicerreg bench`: the inference section on the tiny preset, the machine description, the options' errors (docs/benchmark.md).</summary>
public class BenchCliTests
{
    [Test]
    public void Bench_InferenceSection_WritesPresetTimingsAndTheMachine()
    {
        using var tmp = new TempFolder();
        // A saved run to compare with: one row of the same name, one that this run does not have.
        File.WriteAllText(tmp.File("old.json"), """
            {"machine": {"cpu": "then", "loadAverage": "0.5"},
             "sections": {"inference": {"rows": [{"name": "tiny: register (Registrar)", "medianMs": 1000, "cpuMs": 2000, "runs": 1},
                                                 {"name": "gone", "medianMs": 5, "runs": 1}]}}}
            """);
        var (code, o, e) = SlicerRegProcess.Run("bench", "--section", "inference", "--presets", "tiny", "--runs", "1", "--json", tmp.File("bench.json"),
                                                "--compare", tmp.File("old.json"));
        Assert.That(code, Is.EqualTo(0), e + o);
        Assert.That(o, Does.Contain("tiny: register (Registrar)").And.Not.Contain("standard:"));
        var j = JObject.Parse(File.ReadAllText(tmp.File("bench.json")));
        var machine = (JObject)j["machine"]!;
        Assert.That((string?)machine["torch"], Does.StartWith("TorchSharp 0.107"));
        Assert.That((double)machine["memoryGiB"]!, Is.GreaterThan(0.5));
        Assert.That((string?)machine["cpu"], Is.Not.Empty);
        var tiny = (JObject)j["sections"]!["inference"]!["summary"]!["tiny"]!;
        Assert.That((double)tiny["registerMs"]!, Is.GreaterThan(0));
        Assert.That((double)tiny["peakRssMiB"]!, Is.GreaterThanOrEqualTo((double)tiny["rssBeforeLoadMiB"]!).And.GreaterThan(50));
        Assert.That(((JObject)tiny["stageMs"]!).Properties().Select(p => p.Name), Does.Contain("running network").And.Contain("warping the atlas"));
        Assert.That((string?)machine["convolutionPath"], Is.Not.Empty, "the convolution path the timings were made with");

        // --compare: the row beside the saved one, with the ratio new / old.
        var compared = ((JArray)j["comparison"]!).OfType<JObject>().Single(r => (string?)r["name"] == "tiny: register (Registrar)");
        Assert.That(((double)compared["wallMsThen"]!, (double)compared["cpuMsThen"]!), Is.EqualTo((1000.0, 2000.0)));
        Assert.That((double)compared["wallMsNow"]!, Is.EqualTo((double)j["sections"]!["inference"]!["rows"]![0]!["medianMs"]!));
        string line = o.Split('\n').Single(l => l.StartsWith("inference") && l.Contains("tiny: register (Registrar)") && l.Contains("1000.0"));
        string ratio = ((double)compared["wallMsNow"]! / 1000).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(line, Does.Contain(" " + ratio + " "), "the wall-time ratio new / old");
        Assert.That(o, Does.Contain("compared with " + tmp.File("old.json")));
    }

    [Test]
    public void Bench_UnknownSectionOrPreset_IsAUsageError()
    {
        var (code, _, e) = SlicerRegProcess.Run("bench", "--section", "drr,nope");
        Assert.That((code, e), Is.EqualTo((2, e)));
        Assert.That(e, Does.Contain("--section 'nope'"));
        (code, _, e) = SlicerRegProcess.Run("bench", "--presets", "huge");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(e, Does.Contain("unknown preset 'huge'"));
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("notes.json"), "{\"a\": 1}");
        (code, _, e) = SlicerRegProcess.Run("bench", "--section", "drr", "--compare", tmp.File("notes.json"));
        Assert.That(code, Is.EqualTo(2), "refused before anything is timed");
        Assert.That(e, Does.Contain("notes.json").And.Contain("not a `slicerreg bench --json` report"));
    }
}
