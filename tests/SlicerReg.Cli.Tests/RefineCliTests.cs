using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Cli.Tests;

/// <summary>`slicerreg register --model none --refine` as a user runs it, and the refinement options' usage errors.</summary>
public class RefineCliTests
{
    [Test]
    public void RegisterWithoutAModelRefinesFromTheAtlas()
    {
        string root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-refine-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string data = Path.Combine(root, "ds"), outDir = Path.Combine(root, "out");
            var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", data, "--count", "1", "--seed", "8", "--views", "orthogonal", "--preset", "tiny", "--split", "0,0,1");
            Assert.That(code, Is.EqualTo(0), err);
            string subject = Directory.GetDirectories(data).First(d => Path.GetFileName(d).StartsWith("subject_"));
            (code, var text, err) = SlicerRegProcess.Run("register", "--ap", Path.Combine(subject, "ap_masked_drr.nrrd"), "--lat", Path.Combine(subject, "lateral_masked_drr.nrrd"),
                "--model", "none", "--refine", "--refine-grid", "tiny", "--refine-iterations", "12", "--output-grid", "model", "--out", outDir);
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(text, Does.Contain("image NCC").And.Contain("unregistered atlas"));
            var report = JObject.Parse(File.ReadAllText(Path.Combine(outDir, "refinement.json")));
            Assert.That((double)report["image_ncc"]!["after"]!, Is.GreaterThan((double)report["image_ncc"]!["before"]!), "the refinement matched the radiographs better");
            var label = VolumeFile.Read(Path.Combine(outDir, "warped_labels.nrrd"));
            var field = VolumeFile.Read(Path.Combine(outDir, "displacement_field.nrrd"));
            Assert.That((label.Size, field.Size, field.Kind), Is.EqualTo((NetworkPreset.Tiny.VolumeSize, NetworkPreset.Tiny.VolumeSize, VolumeKind.DisplacementField)));
        }
        finally { try { Directory.Delete(root, true); } catch (IOException) { } }
    }

    [TestCase(new[] { "register", "--ap", "a.nrrd", "--lat", "b.nrrd", "--model", "none", "--out", "o" }, "--refine")]
    [TestCase(new[] { "register", "--ap", "a.nrrd", "--lat", "b.nrrd", "--model", "m", "--refine-pose", "--out", "o" }, "need --refine")]
    [TestCase(new[] { "register", "--ap", "a.nrrd", "--lat", "b.nrrd", "--model", "m", "--refine", "--refine-grid", "huge", "--out", "o" }, "huge")]
    [TestCase(new[] { "demo", "--refine", "--refine-iterations", "-3" }, "-3")]
    public void RefineOptionsAreChecked(string[] args, string message)
    {
        var (code, _, err) = SlicerRegProcess.Run(args);
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain(message));
    }
}
