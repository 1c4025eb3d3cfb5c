using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>DatasetManifest.Read: what Write wrote comes back, and a broken dataset is refused naming the file and the fault.</summary>
public class PopulationManifestReadTests
{
    static string Simulate(TempFolder tmp)
    {
        string dir = tmp.File("ds");
        DatasetSimulator.Run(new DatasetOptions { OutputFolder = dir, Count = 2, Seed = 3, Subjects = new SubjectOptions { Preset = NetworkPreset.Tiny }, SplitFractions = new[] { 0.5, 0.5, 0.0 } });
        return dir;
    }

    [Test]
    public void ReadGivesBackTheSubjectsSplitsViewsAndFiles()
    {
        using var tmp = new TempFolder();
        string dir = Simulate(tmp);
        var m = DatasetManifest.Read(dir);
        Assert.That(m.Subjects.Select(s => s.Id), Is.EqualTo(new[] { "subject_0000", "subject_0001" }));
        Assert.That(m.Split("train").Count + m.Split("validation").Count, Is.EqualTo(2));
        Assert.That(m.Split("test"), Is.Empty);
        var s0 = m.Subjects[0];
        Assert.That(s0.Views.Select(v => (v.View.Name, v.View.CArm.PrimaryAngleDeg)), Is.EqualTo(new[] { ("ap", 0.0), ("lateral", 90.0) }));
        Assert.That(File.Exists(m.PathOf(s0.Views[1].MaskedDrr)));
        Assert.That((string?)s0.Source["kind"], Is.EqualTo("phantom"));
        Assert.That(m.ToJson()["subjects"]!.ToString(), Is.EqualTo(JObject.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))["subjects"]!.ToString()), "read → write gives the same subjects");
    }

    [Test]
    public void BrokenDatasetsAreRefusedNamingTheFault()
    {
        using var tmp = new TempFolder();
        string dir = Simulate(tmp), manifest = Path.Combine(dir, "manifest.json");
        var good = File.ReadAllText(manifest);
        Assert.Throws<DirectoryNotFoundException>(() => DatasetManifest.Read(tmp.File("nowhere")));
        var e = Assert.Throws<ImageFormatException>(() => DatasetManifest.Read(tmp.Path));
        Assert.That(e!.Message, Does.Contain("manifest.json").And.Contain("not found"));
        void Expect(string json, string message)
        {
            File.WriteAllText(manifest, json);
            var ex = Assert.Throws<ImageFormatException>(() => DatasetManifest.Read(dir));
            Assert.That(ex!.Message, Does.Contain(message));
        }
        Expect("{ not json", "not valid JSON");
        Expect(good.Replace("\"formatVersion\": 1", "\"formatVersion\": 7"), "\"formatVersion\" must be 1, got 7");
        Expect(good.Replace("slicerreg-dataset", "other"), "\"format\" must be \"slicerreg-dataset\"");
        Expect(good.Replace("\"split\": \"train\"", "\"split\": \"holdout\""), "split \"holdout\"");
        File.WriteAllText(manifest, good);
        File.Delete(Path.Combine(dir, "subject_0001", "lateral_drr.nrrd"));
        e = Assert.Throws<ImageFormatException>(() => DatasetManifest.Read(dir));
        Assert.That(e!.Message, Does.Contain("lateral_drr.nrrd").And.Contain("subject_0001").And.Contain("not found"));
    }
}
