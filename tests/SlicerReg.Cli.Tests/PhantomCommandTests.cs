using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

public class PhantomCommandTests
{
    static string Sha(Volume v) => Convert.ToHexStringLower(SHA256.HashData(v.Bytes));

    [Test]
    public void TinyAtlasWritesThreeFilesWhoseCardHashesTheVoxelsAndRebuildsThemExactly()
    {
        using var tmp = new TempFolder();
        var (code, text, err) = SlicerRegProcess.Run("phantom", "--preset", "tiny", "--out", tmp.Path);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("femur_atlas.nrrd"));
        Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "femur_atlas.nrrd", "femur_atlas_label.nrrd", "femur_atlas.json" }));

        var ct = VolumeFile.Read(tmp.File("femur_atlas.nrrd"));
        var label = VolumeFile.Read(tmp.File("femur_atlas_label.nrrd"));
        var card = JObject.Parse(File.ReadAllText(tmp.File("femur_atlas.json")));
        Assert.That(ct.VoxelType, Is.EqualTo(VoxelType.Int16));
        Assert.That(label.VoxelType, Is.EqualTo(VoxelType.UInt8));
        Assert.That(label.Kind, Is.EqualTo(VolumeKind.LabelMap));
        Assert.That(ct.Size.ToArray(), Is.EqualTo(new[] { 48, 32, 48 }));
        Assert.That(card["grid"]!["size"]!.ToObject<int[]>(), Is.EqualTo(ct.Size.ToArray()));
        Assert.That(card["grid"]!["ijkToRas"]!.ToObject<double[]>(), Is.EqualTo(ct.Geometry.IjkToRas.ToRowMajor()).Within(1e-9));
        Assert.That(label.Geometry.ApproximatelyEquals(ct.Geometry, 1e-9), Is.True);
        Assert.That(card["sha256"]!["ct"]!.Value<string>(), Is.EqualTo(Sha(ct)));
        Assert.That(card["sha256"]!["label"]!.Value<string>(), Is.EqualTo(Sha(label)));
        Assert.That(card["seed"]!.Type, Is.EqualTo(JTokenType.Null));
        Assert.That(card["program"]!["version"]!.Value<string>(), Is.Not.Empty);
        Assert.That(card["parameters"]!["NeckShaftAngle"]!["value"]!.Value<double>(), Is.EqualTo(card["parameters"]!["NeckShaftAngle"]!["mean"]!.Value<double>()));
        var labels = label.As<byte>();
        Assert.That(labels.Distinct().Order(), Is.EqualTo(new byte[] { 0, 1, 2 }));
        var hu = ct.As<short>();
        Assert.That(hu.Min(), Is.EqualTo(-1000));
        Assert.That(hu.Max(), Is.InRange(1200, 1800));

        // The card's rebuild command, run again, gives the same voxels bit for bit.
        using var again = new TempFolder();
        var rebuild = card["rebuild"]!["args"]!.ToObject<string[]>()!.Concat(new[] { "--out", again.Path }).ToArray();
        (code, _, err) = SlicerRegProcess.Run(rebuild);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(Sha(VolumeFile.Read(again.File("femur_atlas.nrrd"))), Is.EqualTo(Sha(ct)));
        Assert.That(Sha(VolumeFile.Read(again.File("femur_atlas_label.nrrd"))), Is.EqualTo(Sha(label)));
    }

    [Test]
    public void ASeedWritesARandomSubjectThatIsReproducible()
    {
        using var tmp = new TempFolder();
        var (code, _, err) = SlicerRegProcess.Run("phantom", "--preset", "tiny", "--seed", "7", "--out", tmp.Path);
        Assert.That(code, Is.EqualTo(0), err);
        (code, _, err) = SlicerRegProcess.Run("phantom", "--preset", "tiny", "--mean", "--out", tmp.Path);
        Assert.That(code, Is.EqualTo(0), err);
        var card = JObject.Parse(File.ReadAllText(tmp.File("femur_seed7.json")));
        Assert.That(card["seed"]!.Value<int>(), Is.EqualTo(7));
        Assert.That(card["rebuild"]!["args"]!.ToObject<string[]>(), Does.Contain("--seed").And.Contain("7"));
        var subject = VolumeFile.Read(tmp.File("femur_seed7.nrrd"));
        Assert.That(Sha(subject), Is.EqualTo(card["sha256"]!["ct"]!.Value<string>()));
        Assert.That(Sha(subject), Is.Not.EqualTo(Sha(VolumeFile.Read(tmp.File("femur_atlas.nrrd")))));
        foreach (var p in ((JObject)card["parameters"]!).Properties())
            Assert.That(p.Value["value"]!.Value<double>(), Is.InRange(p.Value["min"]!.Value<double>(), p.Value["max"]!.Value<double>()), p.Name);
    }

    [Test]
    public void PlastimatchReadsTheAtlasGeometry()
    {
        // An independent ITK-based reader sees the same grid (in LPS) and value range.
        using var tmp = new TempFolder();
        var (code, _, err) = SlicerRegProcess.Run("phantom", "--preset", "tiny", "--out", tmp.Path);
        Assert.That(code, Is.EqualTo(0), err);
        var ct = VolumeFile.Read(tmp.File("femur_atlas.nrrd"));
        string header = ExternalTool.Check(ExternalTool.Plastimatch, "header", tmp.File("femur_atlas.nrrd"));
        Assert.That(header, Does.Contain("Size = 48 32 48").And.Contain("Spacing = 2.6560 2.6560 4.0000"));
        var o = ct.Geometry.Origin;
        Assert.That(header, Does.Contain(FormattableString.Invariant($"Origin = {-o.X:F4} {-o.Y:F4} {o.Z:F4}")));
        string stats = ExternalTool.Check(ExternalTool.Plastimatch, "stats", tmp.File("femur_atlas.nrrd"));
        var hu = ct.As<short>();
        Assert.That(stats, Does.Contain(FormattableString.Invariant($"MIN {hu.Min():F6}")).And.Contain(FormattableString.Invariant($"MAX {hu.Max():F6}")));
    }

    [Test]
    public void BadPhantomCommandLinesExitWithUsage()
    {
        var (code, _, err) = SlicerRegProcess.Run("phantom", "--preset", "tiny");
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("--out"));
        (code, _, err) = SlicerRegProcess.Run("phantom", "--out", "/tmp", "--mean", "--seed", "3");
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("exclude"));
        (code, _, err) = SlicerRegProcess.Run("phantom", "--out", "/tmp", "--preset", "huge");
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("huge"));
        (code, _, err) = SlicerRegProcess.Run("phantom", "--out", "/tmp", "--seed", "-4");
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("-4"));
        (code, _, err) = SlicerRegProcess.Run("phantom", "--out", "/no/such/folder", "--preset", "tiny");
        Assert.That(code, Is.EqualTo(1)); Assert.That(err, Does.Contain("/no/such/folder"));
    }
}
