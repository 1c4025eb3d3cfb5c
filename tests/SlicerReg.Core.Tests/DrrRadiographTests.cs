using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>A DRR as a file: a one-slice volume placed on the detector, carrying its view in the metadata.</summary>
public class DrrRadiographTests
{
    static CalibratedView View() => new CArmGeometry
    {
        PrimaryAngleDeg = 37, SecondaryAngleDeg = -12, Isocenter = new Vec3(5, -8, 20), Columns = 20, Rows = 14,
        ColumnSpacingMm = 1.2, RowSpacingMm = 0.9, PrincipalOffsetColumnMm = 3,
    }.ToView();

    [Test]
    public void Volume_PutsEveryPixelAtItsDetectorPosition()
    {
        var view = View();
        var img = new Image2D(20, 14, 1.2, 0.9, Enumerable.Range(0, 280).Select(n => (float)n).ToArray());
        var vol = new Radiograph(img, view).ToVolume();
        Assert.That(vol.Size, Is.EqualTo(new GridSize(20, 14, 1)));
        Assert.That(vol.VoxelType, Is.EqualTo(VoxelType.Float32));
        foreach (var (c, r) in new[] { (0, 0), (19, 0), (0, 13), (7, 9) })
        {
            Assert.That((vol.Geometry.IndexToRas(new Vec3(c, r, 0)) - view.PixelCenter(c, r)).Norm, Is.LessThan(1e-9));
            Assert.That(vol[c, r, 0], Is.EqualTo(img[c, r]));
        }
        // The k axis is the detector normal.
        Assert.That(Math.Abs(vol.Geometry.Direction.Column(2).Dot(view.Normal)), Is.EqualTo(1).Within(1e-12));
    }

    [TestCase("drr.nrrd")]
    [TestCase("drr.mha")]
    public void File_RoundTrip_KeepsImageAndCalibration(string name)
    {
        using var tmp = new TempFolder();
        var view = View();
        var img = new Image2D(20, 14, 1.2, 0.9, Enumerable.Range(0, 280).Select(n => (float)Math.Sqrt(n)).ToArray());
        new Radiograph(img, view).Write(tmp.File(name));
        var back = Radiograph.Read(tmp.File(name));
        Assert.That(back.Image.Pixels, Is.EqualTo(img.Pixels));
        Assert.That((back.View.Source - view.Source).Norm, Is.LessThan(1e-9));
        Assert.That((back.View.DetectorCenter - view.DetectorCenter).Norm, Is.LessThan(1e-9));
        Assert.That((back.View.RowDirection - view.RowDirection).Norm, Is.LessThan(1e-12));
        Assert.That(back.View.ColumnSpacingMm, Is.EqualTo(1.2).Within(1e-12));
    }

    [Test]
    public void ProjectionMatrix_RoundTrip_OfAMirroredView()
    {
        // Columns along normal × up (a detector read out mirrored): not a C-arm pose, but still a pinhole camera.
        var v = View();
        var mirrored = new CalibratedView(v.Source, v.DetectorCenter, -v.ColumnDirection, v.RowDirection, 1.2, 0.9, 20, 14);
        var back = ProjectionMatrix.FromView(mirrored).ToView(20, 14, 1.2, 0.9);
        Assert.That((back.Source - mirrored.Source).Norm, Is.LessThan(1e-9));
        Assert.That((back.ColumnDirection - mirrored.ColumnDirection).Norm, Is.LessThan(1e-9));
        Assert.That((back.DetectorCenter - mirrored.DetectorCenter).Norm, Is.LessThan(1e-9));
        Assert.Throws<ArgumentException>(() => CArmGeometry.FromView(mirrored));
    }

    [Test]
    public void FromVolume_RejectsMissingOrContradictingCalibration()
    {
        var r = new Radiograph(new Image2D(20, 14, 1.2, 0.9), View());
        var v = r.ToVolume();
        var moved = v.Clone();
        moved.SetGeometry(new ImageGeometry(v.Size, v.Geometry.Spacing, v.Geometry.Origin + new Vec3(5, 0, 0), v.Geometry.Direction));
        Assert.That(Assert.Throws<ImageFormatException>(() => Radiograph.FromVolume(moved, "x.nrrd"))!.Message, Does.Contain("disagrees"));
        var bare = v.Clone(); bare.Metadata.Clear();
        Assert.That(Assert.Throws<ImageFormatException>(() => Radiograph.FromVolume(bare, "x.nrrd"))!.Message, Does.Contain(Radiograph.ViewKey));
    }
}
