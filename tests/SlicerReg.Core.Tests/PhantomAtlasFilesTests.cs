using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>The atlas files committed in atlas/ are what the code rasterises today (regenerate them when the phantom changes).</summary>
public class PhantomAtlasFilesTests
{
    static string Sha(Volume v) => Convert.ToHexStringLower(SHA256.HashData(v.Bytes));

    [TestCase("tiny")]
    [TestCase("standard")]
    [TestCase("paper")]
    public void CommittedAtlasMatchesItsCardAndTheCode(string preset)
    {
        string dir = Path.Combine(ExternalTool.RepoRoot, "atlas", preset);
        var card = JObject.Parse(File.ReadAllText(Path.Combine(dir, "femur_atlas.json")));
        var ct = VolumeFile.Read(Path.Combine(dir, "femur_atlas.nrrd"));
        var label = VolumeFile.Read(Path.Combine(dir, "femur_atlas_label.nrrd"));
        Assert.That(Sha(ct), Is.EqualTo(card["sha256"]!["ct"]!.Value<string>()), "CT voxels vs card");
        Assert.That(Sha(label), Is.EqualTo(card["sha256"]!["label"]!.Value<string>()), "label voxels vs card");
        var grid = AtlasGrid.Parse(preset);
        Assert.That(ct.Geometry.ApproximatelyEquals(grid.Geometry, 1e-9), Is.True);
        var now = FemurPhantom.Rasterise(FemurParameters.Mean, grid.Geometry);
        Assert.That(Sha(now.Ct), Is.EqualTo(Sha(ct)), $"atlas/{preset} is stale: rebuild with `slicerreg phantom --preset {preset} --mean --out atlas/{preset}`");
        Assert.That(Sha(now.Label), Is.EqualTo(Sha(label)));
    }
}
