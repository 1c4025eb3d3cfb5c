using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Tests;

public class VolumeTests
{
    static readonly ImageGeometry Grid = ImageGeometry.Axial(new GridSize(3, 2, 2), new Vec3(1, 1, 1));

    [TestCase(VoxelType.UInt8, 255.0, -3.0, 0.0)]
    [TestCase(VoxelType.Int16, -32768.0, 40000.0, 32767.0)]
    [TestCase(VoxelType.UInt16, 60000.0, -1.0, 0.0)]      // a ushort[] must not be treated as a short[]
    [TestCase(VoxelType.Int32, -2000000000.0, 1e12, 2147483647.0)]
    [TestCase(VoxelType.Float32, -1.5, 3.25, 3.25)]
    [TestCase(VoxelType.Float64, 1e-300, -7.0, -7.0)]
    public void ElementsKeepTheirTypeRangeAndClampOutside(VoxelType type, double inRange, double outside, double clamped)
    {
        var v = new Volume(Grid, type);
        v.SetElement(5, inRange);
        Assert.That(v.GetElement(5), Is.EqualTo(inRange).Within(Math.Abs(inRange) * 1e-7));
        v.SetElement(6, outside);
        Assert.That(v.GetElement(6), Is.EqualTo(clamped));
    }

    [Test]
    public void IndexingIsIFastestWithInterleavedComponents()
    {
        var v = new Volume(Grid, VoxelType.Float32, components: 3, kind: VolumeKind.DisplacementField);
        v[2, 1, 1, 2] = 9;
        // ((k·J + j)·I + i)·C + c = ((1·2 + 1)·3 + 2)·3 + 2 = 35
        Assert.That(v.As<float>()[35], Is.EqualTo(9f));
    }

    [Test]
    public void MismatchedBuffersAndKindsAreRefused()
    {
        Assert.That(() => new Volume(Grid, VoxelType.Int16, data: new float[12]), Throws.ArgumentException.With.Message.Contains("Single"));
        Assert.That(() => new Volume(Grid, VoxelType.Int16, data: new short[11]), Throws.ArgumentException.With.Message.Contains("11"));
        Assert.That(() => new Volume(Grid, VoxelType.Float32, kind: VolumeKind.LabelMap), Throws.ArgumentException.With.Message.Contains("label"));
        Assert.That(() => new Volume(Grid, VoxelType.Float32, components: 2, kind: VolumeKind.DisplacementField), Throws.ArgumentException.With.Message.Contains("3 components"));
    }

    [Test]
    public void ConversionRoundsAndClamps()
    {
        var v = Volume.Create(Grid, Enumerable.Range(0, 12).Select(n => n * 30.6f - 100).ToArray());
        var u = v.ConvertTo(VoxelType.UInt8);
        Assert.That(u.As<byte>()[0], Is.EqualTo(0));       // −100 clamps to 0
        Assert.That(u.As<byte>()[5], Is.EqualTo(53));      // 53.0
        Assert.That(u.As<byte>()[11], Is.EqualTo(237));    // 236.6 rounds to 237
    }
}
