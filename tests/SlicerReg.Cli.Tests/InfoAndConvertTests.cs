using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

public class InfoAndConvertTests
{
    static Volume ObliqueCt()
    {
        double a = 0.4;
        var dir = new Mat3(new[] { Math.Cos(a), 0, Math.Sin(a), 0, 1, 0, -Math.Sin(a), 0, Math.Cos(a) });
        var g = new ImageGeometry(new GridSize(6, 5, 4), new Vec3(0.664, 0.664, 1.0), new Vec3(-20.5, 13.25, 101), dir);
        var v = new Volume(g, VoxelType.Int16);
        var rng = new Random(7);
        var d = v.As<short>();
        for (int n = 0; n < d.Length; n++) d[n] = (short)rng.Next(-1024, 3000);
        return v;
    }

    [Test]
    public void InfoPrintsGeometryAsTextAndJson()
    {
        using var tmp = new TempFolder();
        var v = ObliqueCt();
        string path = tmp.File("ct.nrrd");
        VolumeFile.Write(v, path);

        var (code, text, err) = SlicerRegProcess.Run("info", path);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("size (i j k):  6 5 4").And.Contain("int16").And.Contain("0.664 0.664 1"));

        (code, text, err) = SlicerRegProcess.Run("info", path, "--json");
        Assert.That(code, Is.EqualTo(0), err);
        var o = JObject.Parse(text);
        Assert.That(o["size"]!.ToObject<int[]>(), Is.EqualTo(new[] { 6, 5, 4 }));
        Assert.That(o["voxelType"]!.Value<string>(), Is.EqualTo("int16"));
        Assert.That(o["ijkToRas"]!.ToObject<double[]>(), Is.EqualTo(v.Geometry.IjkToRas.ToRowMajor()).Within(1e-9));
        var d = v.As<short>();
        Assert.That(o["min"]!.Value<double>(), Is.EqualTo((double)d.Min()));
        Assert.That(o["max"]!.Value<double>(), Is.EqualTo((double)d.Max()));
    }

    [TestCase("ct.nii.gz")]
    [TestCase("ct.mha")]
    [TestCase("ct.nhdr")]
    public void ConvertKeepsVoxelsAndGeometry(string outName)
    {
        using var tmp = new TempFolder();
        var v = ObliqueCt();
        VolumeFile.Write(v, tmp.File("ct.nrrd"));
        var (code, _, err) = SlicerRegProcess.Run("convert", tmp.File("ct.nrrd"), tmp.File(outName));
        Assert.That(code, Is.EqualTo(0), err);
        var w = VolumeFile.Read(tmp.File(outName));
        Assert.That(w.VoxelType, Is.EqualTo(VoxelType.Int16));
        Assert.That(w.As<short>(), Is.EqualTo(v.As<short>()));
        Assert.That(w.Geometry.ApproximatelyEquals(v.Geometry, 1e-6), Is.True, $"{w.Geometry} vs {v.Geometry}");
    }

    [Test]
    public void ConvertToALabelMapAndAFloatType()
    {
        using var tmp = new TempFolder();
        var v = ObliqueCt();
        VolumeFile.Write(v, tmp.File("ct.nrrd"));
        var (code, _, err) = SlicerRegProcess.Run("convert", tmp.File("ct.nrrd"), tmp.File("ct_f.nii"), "--type", "float32");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(VolumeFile.Read(tmp.File("ct_f.nii")).VoxelType, Is.EqualTo(VoxelType.Float32));
        (code, _, err) = SlicerRegProcess.Run("convert", tmp.File("ct.nrrd"), tmp.File("ct_label.nrrd"), "--label");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(VolumeFile.Read(tmp.File("ct_label.nrrd")).Kind, Is.EqualTo(VolumeKind.LabelMap));
    }

    [Test]
    public void TruncatedInputFailsWithTheFileNameAndLeavesNoOutput()
    {
        using var tmp = new TempFolder();
        VolumeFile.Write(ObliqueCt(), tmp.File("ct.nrrd"), new VolumeWriteOptions { Compress = false });
        var bytes = File.ReadAllBytes(tmp.File("ct.nrrd"));
        File.WriteAllBytes(tmp.File("cut.nrrd"), bytes[..^20]);
        var (code, _, err) = SlicerRegProcess.Run("convert", tmp.File("cut.nrrd"), tmp.File("out.nii.gz"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("cut.nrrd").And.Contain("truncated"));
        Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "ct.nrrd", "cut.nrrd" }));
        (code, _, err) = SlicerRegProcess.Run("info", tmp.File("cut.nrrd"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("cut.nrrd"));
    }

    [Test]
    public void BadCommandLinesExitWithUsage()
    {
        var (code, _, err) = SlicerRegProcess.Run("frobnicate");
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("unknown verb"));
        (code, _, err) = SlicerRegProcess.Run("info", "a.nrrd", "--jsno");
        Assert.That(code, Is.EqualTo(2)); Assert.That(err, Does.Contain("--jsno"));
        (code, _, err) = SlicerRegProcess.Run("convert", "a.nrrd", "b.png");
        Assert.That(code, Is.EqualTo(1)); Assert.That(err, Does.Contain("b.png").And.Contain("unknown file type"));
        (code, _, err) = SlicerRegProcess.Run("info", "/no/such/file.nii");
        Assert.That(code, Is.EqualTo(1)); Assert.That(err, Does.Contain("/no/such/file.nii").And.Contain("not found"));
    }
}

public class VersionTests
{
    [Test]
    public void VersionLoadsTheTorchEngine()
    {
        var (code, text, err) = SlicerRegProcess.Run("version");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("libtorch").And.Contain("device: cpu"));
    }
}
