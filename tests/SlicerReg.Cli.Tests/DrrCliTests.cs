using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>`slicerreg drr` as a user runs it: files in, a calibrated radiograph file out, clear errors otherwise.</summary>
public class DrrCliTests
{
    /// <summary>A small oblique CT (water cube in air, HU) and a label inside it, centred near the isocentre.</summary>
    static (string Ct, string Label) Inputs(TempFolder tmp)
    {
        var dir = new Mat3(new[] { Math.Cos(0.3), -Math.Sin(0.3), 0, Math.Sin(0.3), Math.Cos(0.3), 0, 0, 0, 1 });
        var g = new ImageGeometry(new GridSize(40, 32, 36), new Vec3(1.5, 1.5, 2), new Vec3(-30, -25, -35), dir);
        var ct = new Volume(g, VoxelType.Int16);
        var labels = new Volume(g, VoxelType.UInt8, kind: VolumeKind.LabelMap);
        for (int k = 0; k < 36; k++) for (int j = 0; j < 32; j++) for (int i = 0; i < 40; i++)
        {
            bool inside = i is > 5 and < 34 && j is > 5 and < 26 && k is > 5 and < 30;
            ct[i, j, k] = inside ? (i is > 15 and < 22 ? 1200 : 0) : -1000;
            labels[i, j, k] = (byte)(inside && i is > 15 and < 22 ? 1 : 0);
        }
        VolumeFile.Write(ct, tmp.File("ct.nrrd"));
        VolumeFile.Write(labels, tmp.File("label.nrrd"));
        return (tmp.File("ct.nrrd"), tmp.File("label.nrrd"));
    }

    [Test]
    public void Drr_WritesARadiographOnTheDetectorPlane_WithItsView()
    {
        using var tmp = new TempFolder();
        var (ct, label) = Inputs(tmp);
        var (code, o, e) = SlicerRegProcess.Run("drr", "--ct", ct, "--view", "ap", "--out", tmp.File("drr.nrrd"),
                                                "--label", label, "--mask-out", tmp.File("mask.nrrd"));
        Assert.That(code, Is.EqualTo(0), e + o);

        var drr = Radiograph.Read(tmp.File("drr.nrrd"));
        var ap = ViewPresets.Ap.ToView();
        Assert.That((drr.View.Source - ap.Source).Norm, Is.LessThan(1e-9));
        Assert.That((drr.Image.Columns, drr.Image.Rows), Is.EqualTo((160, 224)));
        var vol = VolumeFile.Read(tmp.File("drr.nrrd"));
        Assert.That(vol.Size, Is.EqualTo(new GridSize(160, 224, 1)));
        foreach (var (c, r) in new[] { (0, 0), (159, 223), (40, 100) })
            Assert.That((vol.Geometry.IndexToRas(new Vec3(c, r, 0)) - ap.PixelCenter(c, r)).Norm, Is.LessThan(1e-6), "pixel at its detector position");
        Assert.That(vol.Metadata[Radiograph.SourceKey], Does.StartWith("0 925 0"));

        // The same DRR as the library renders in-process.
        var expected = DrrRenderer.Render(VolumeFile.Read(ct), ap);
        Assert.That(drr.Image.Pixels, Is.EqualTo(expected.Pixels).Within(1e-5f));
        Assert.That(drr.Image.Pixels.Max(), Is.GreaterThan(0.5f));

        var mask = VolumeFile.Read(tmp.File("mask.nrrd"));
        Assert.That(mask.Kind, Is.EqualTo(VolumeKind.LabelMap));
        Assert.That(mask.Geometry.ApproximatelyEquals(vol.Geometry));
        var m = Radiograph.FromVolume(mask, "mask").Image.Pixels;
        Assert.That(m.Count(x => x == 1) , Is.GreaterThan(100));
        // Wherever the mask is set the DRR sees bone (1200 HU), so it is brighter than the soft-tissue-only pixels around.
        for (int n = 0; n < m.Length; n++) if (m[n] == 1) Assert.That(drr.Image.Pixels[n], Is.GreaterThan(0));
    }

    [Test]
    public void Drr_IntensityWithNoise_IsSeeded()
    {
        using var tmp = new TempFolder();
        var (ct, _) = Inputs(tmp);
        string[] Args(string outName, string seed) => new[] { "drr", "--ct", ct, "--view", "lateral", "--out", tmp.File(outName),
            "--mode", "uniform", "--output", "intensity", "--noise", "5000", "--seed", seed };
        Assert.That(SlicerRegProcess.Run(Args("a.nrrd", "7")).Code, Is.EqualTo(0));
        Assert.That(SlicerRegProcess.Run(Args("b.nrrd", "7")).Code, Is.EqualTo(0));
        var a = Radiograph.Read(tmp.File("a.nrrd")).Image.Pixels;
        var b = Radiograph.Read(tmp.File("b.nrrd")).Image.Pixels;
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.Max(), Is.InRange(0.95f, 1.1f), "I0 = 1: air pixels near 1, ±1.4% quantum noise at 5000 photons");
        Assert.That(a.Min(), Is.LessThan(0.5f));
    }

    [Test]
    public void Drr_BadViewJson_Exit1_NoOutput()
    {
        using var tmp = new TempFolder();
        var (ct, _) = Inputs(tmp);
        File.WriteAllText(tmp.File("view.json"), """{"primaryAngle": 0, "size": [160, 224], "pixelSpacing": [1, 1], "tilt": 5}""");
        var (code, _, err) = SlicerRegProcess.Run("drr", "--ct", ct, "--view", tmp.File("view.json"), "--out", tmp.File("drr.nrrd"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain(tmp.File("view.json")).And.Contain("\"tilt\""));
        Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "ct.nrrd", "label.nrrd", "view.json" }));
    }

    [Test]
    public void Drr_MissingCt_Exit1_NoOutput()
    {
        using var tmp = new TempFolder();
        var (code, _, err) = SlicerRegProcess.Run("drr", "--ct", tmp.File("nope.nrrd"), "--view", "ap", "--out", tmp.File("drr.nrrd"));
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain("nope.nrrd").And.Contain("not found"));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
    }

    [TestCase("--view", "ap", "--out", "x.nrrd")]                                       // no --ct
    [TestCase("--ct", "ct.nrrd", "--view", "ap", "--out", "x.nrrd", "--mode", "fast")]
    [TestCase("--ct", "ct.nrrd", "--view", "ap", "--out", "x.nrrd", "--label", "l.nrrd")] // no --mask-out
    [TestCase("--ct", "ct.nrrd", "--view", "ap", "--out", "x.nrrd", "--noise", "-5")]
    [TestCase("--ct", "ct.nrrd", "--view", "ap", "--out", "x.nrrd", "--bogus", "1")]
    public void Drr_BadUsage_Exit2(params string[] args)
    {
        var (code, _, err) = SlicerRegProcess.Run(new[] { "drr" }.Concat(args).ToArray());
        Assert.That(code, Is.EqualTo(2), err);
        Assert.That(err, Does.Contain("usage:"));
    }

    [Test]
    public void Bench_DrrSection_WritesJson()
    {
        using var tmp = new TempFolder();
        var (code, o, e) = SlicerRegProcess.Run("bench", "--section", "drr", "--runs", "1", "--no-plastimatch", "--json", tmp.File("bench.json"));
        Assert.That(code, Is.EqualTo(0), e + o);
        Assert.That(o, Does.Contain("ours exact"));
        var j = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(tmp.File("bench.json")));
        var rows = (Newtonsoft.Json.Linq.JArray)j["sections"]!["drr"]!["rows"]!;
        Assert.That(rows.Select(r => (string)r["name"]!), Does.Contain("ours exact").And.Contain("ours uniform"));
        Assert.That(rows.All(r => (double)r["medianMs"]! > 0));
    }
}
