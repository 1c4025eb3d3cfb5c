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
        var (code, o, e) = SlicerRegProcess.Run("bench", "--section", "inference", "--presets", "tiny", "--runs", "1", "--json", tmp.File("bench.json"));
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
    }
}
