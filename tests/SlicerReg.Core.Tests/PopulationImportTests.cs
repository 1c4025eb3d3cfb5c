using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.PopulationTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Importing CTs: head location, side detection and resampling into the atlas frame, on phantoms with known truth.</summary>
public class PopulationImportTests
{
    /// <summary>A phantom CT + label (standard grid) moved by <paramref name="shift"/> in RAS, optionally mirrored into a left femur.</summary>
    static PhantomImages Scan(FemurParameters p, Vec3 shift, bool left)
    {
        var g = NetworkPreset.Standard.AtlasGrid;
        var moved = new ImageGeometry(g.Size, g.Spacing, g.Origin + shift, g.Direction);
        var images = FemurPhantom.Rasterise(p, moved, x => x - shift);
        if (!left) return images;
        // A left femur at the same place: reflect the anatomy through the plane x = shift.X.
        var ct = FemurMirror.Mirror(images.Ct); var label = FemurMirror.Mirror(images.Label);
        var back = new Mat4(Mat3.Identity, new Vec3(2 * shift.X, 0, 0));
        ct.SetGeometry(ImageGeometry.FromIjkToRas(ct.Size, back * ct.Geometry.IjkToRas));
        label.SetGeometry(ImageGeometry.FromIjkToRas(label.Size, back * label.Geometry.IjkToRas));
        return new PhantomImages(ct, label);
    }

    [TestCase(-1, false)]
    [TestCase(7, false)]
    [TestCase(8, true)]
    public void HeadCentreRadiusAndSideFromTheLabel(int seed, bool left)
    {
        var p = seed < 0 ? FemurParameters.Mean : FemurParameters.Sample(seed);
        var shift = new Vec3(-130, 40, 800);
        var label = Scan(p, shift, left).Label;
        var head = FemoralHead.Locate(label, 1, "scan");
        Assert.That((head.Centre - shift).Norm, Is.LessThan(1.5), $"head centre {head.Centre} vs {shift}");
        Assert.That(2 * head.RadiusMm, Is.EqualTo(p.HeadDiameter).Within(2.5), "head diameter from the cap volume");
        Assert.That(FemoralHead.DetectSide(label, 1, head.Centre, "scan"), Is.EqualTo(left ? FemurSide.Left : FemurSide.Right));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ImportBringsTheFemurBackIntoTheAtlasFrame(bool left)
    {
        var p = FemurParameters.Sample(31);
        var shift = new Vec3(95, -20, -400);
        var scan = Scan(p, shift, left);
        using var tmp = new TempFolder();
        VolumeFile.Write(scan.Ct, tmp.File("hip.nii.gz"));
        VolumeFile.Write(scan.Label, tmp.File("hip_label.nrrd"));
        var pairs = CtImport.FindPairs(tmp.Path);
        Assert.That(pairs, Has.Count.EqualTo(1));
        Assert.That(pairs[0].Name, Is.EqualTo("hip"));
        var imported = CtImport.Import(pairs[0], NetworkPreset.Standard);
        Assert.That(imported.Side, Is.EqualTo(left ? FemurSide.Left : FemurSide.Right));
        // Reference: the same anatomy rasterised directly in the atlas frame (always a right femur).
        var truth = FemurPhantom.Rasterise(p, NetworkPreset.Standard.AtlasGrid);
        Assert.That(Dice(imported.Images.Label, truth.Label, 1), Is.GreaterThan(0.95), "femur label after import");
        var a = imported.Images.Ct.As<short>(); var b = truth.Ct.As<short>();
        double meanAbs = Enumerable.Range(0, a.Length).Average(n => Math.Abs(a[n] - b[n]));
        Assert.That(meanAbs, Is.LessThan(40), "mean |ΔHU| after trilinear resampling");
    }

    [Test]
    public void PairingErrorsNameTheFile()
    {
        using var tmp = new TempFolder();
        var v = new Volume(NetworkPreset.Tiny.AtlasGrid, VoxelType.UInt8, kind: VolumeKind.LabelMap);
        VolumeFile.Write(v, tmp.File("lonely_label.nrrd"));
        var e = Assert.Throws<ImageFormatException>(() => CtImport.FindPairs(tmp.Path))!;
        Assert.That(e.Message, Does.Contain("lonely_label.nrrd").And.Contain("without its CT"));
        VolumeFile.Write(new Volume(NetworkPreset.Tiny.AtlasGrid, VoxelType.Int16), tmp.File("lonely.mha"));
        var pair = CtImport.FindPairs(tmp.Path).Single();
        var e2 = Assert.Throws<ImageFormatException>(() => CtImport.Import(pair, NetworkPreset.Tiny))!;
        Assert.That(e2.Message, Does.Contain("lonely_label.nrrd").And.Contain("no femur voxels"));
    }
}
