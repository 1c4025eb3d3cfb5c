using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Every preset of <see cref="NetworkPreset.All"/> has its atlas committed in atlas/NAME (a new preset fails here until its
/// files are made), and the files are what the code rasterises today (regenerate them when the phantom changes).
/// </summary>
public class PhantomAtlasFilesTests
{
    static string Sha(Volume v) => Convert.ToHexStringLower(SHA256.HashData(v.Bytes));

    static IEnumerable<string> Presets => NetworkPreset.All.Select(p => p.Name);

    [TestCaseSource(nameof(Presets))]
    public void CommittedAtlasMatchesItsCardAndTheCode(string preset)
    {
        string dir = Path.Combine(ExternalTool.RepoRoot, "atlas", preset);
        foreach (var file in new[] { "femur_atlas.json", ShippedAtlas.CtFileName, ShippedAtlas.LabelFileName })
            Assert.That(File.Exists(Path.Combine(dir, file)), Is.True,
                $"atlas/{preset}/{file} is missing: make it with `slicerreg phantom --preset {preset} --mean --out atlas/{preset}`");
        var card = JObject.Parse(File.ReadAllText(Path.Combine(dir, "femur_atlas.json")));
        var ct = VolumeFile.Read(Path.Combine(dir, "femur_atlas.nrrd"));
        var label = VolumeFile.Read(Path.Combine(dir, "femur_atlas_label.nrrd"));
        Assert.That(Sha(ct), Is.EqualTo(card["sha256"]!["ct"]!.Value<string>()), "CT voxels vs card");
        Assert.That(Sha(label), Is.EqualTo(card["sha256"]!["label"]!.Value<string>()), "label voxels vs card");
        var grid = NetworkPreset.Named(preset).AtlasGrid;
        Assert.That(ct.Geometry.ApproximatelyEquals(grid, 1e-9), Is.True);
        var now = FemurPhantom.Rasterise(FemurParameters.Mean, grid);
        Assert.That(Sha(now.Ct), Is.EqualTo(Sha(ct)), $"atlas/{preset} is stale: rebuild with `slicerreg phantom --preset {preset} --mean --out atlas/{preset}`");
        Assert.That(Sha(now.Label), Is.EqualTo(Sha(label)));
    }
}
