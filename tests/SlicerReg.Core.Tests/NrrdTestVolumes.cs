using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Tests;

/// <summary>Small deterministic volumes and comparisons shared by the NRRD tests.</summary>
public static class NrrdTestVolumes
{
    public static readonly GridSize Size = new(7, 5, 4);

    /// <summary>Axis-aligned RAS grid with unequal spacings and a non-zero origin.</summary>
    public static ImageGeometry AxisAligned() => ImageGeometry.Axial(Size, new Vec3(0.8, 1.25, 2.5), new Vec3(-12.5, 30.25, -7));

    /// <summary>A rotated (non-axis-aligned), proper grid: rotation about an oblique axis, unequal spacings.</summary>
    public static ImageGeometry Oblique()
    {
        var axis = new Vec3(1, 2, 3).Normalized();
        double a = 0.6, c = Math.Cos(a), s = Math.Sin(a), t = 1 - c;
        double x = axis.X, y = axis.Y, z = axis.Z;
        var r = new Mat3(new[]
        {
            t * x * x + c, t * x * y - s * z, t * x * z + s * y,
            t * x * y + s * z, t * y * y + c, t * y * z - s * x,
            t * x * z - s * y, t * y * z + s * x, t * z * z + c,
        });
        return new ImageGeometry(Size, new Vec3(0.7, 1.1, 1.9), new Vec3(15.5, -22.75, 40.125), r);
    }

    /// <summary>Random voxels covering the type's range (fixed seed).</summary>
    public static Volume Random(VoxelType type, ImageGeometry geometry, int components = 1, VolumeKind kind = VolumeKind.Scalar, int seed = 1)
    {
        var v = new Volume(geometry, type, components, kind);
        var rng = new Random(seed);
        for (long n = 0; n < v.ElementCount; n++)
        {
            double value = type switch
            {
                VoxelType.UInt8 => rng.Next(0, 256),
                VoxelType.Int16 => rng.Next(short.MinValue, short.MaxValue + 1),
                VoxelType.UInt16 => rng.Next(0, ushort.MaxValue + 1),
                VoxelType.Int32 => rng.Next(int.MinValue, int.MaxValue),
                VoxelType.Float32 => (float)((rng.NextDouble() - 0.5) * 2000),
                _ => (rng.NextDouble() - 0.5) * 1e6,
            };
            v.SetElement(n, value);
        }
        return v;
    }

    public static Volume LabelMap(ImageGeometry geometry, int seed = 2)
    {
        var v = new Volume(geometry, VoxelType.UInt8, 1, VolumeKind.LabelMap);
        var rng = new Random(seed);
        for (long n = 0; n < v.ElementCount; n++) v.SetElement(n, rng.Next(0, 4));
        return v;
    }

    /// <summary>A displacement field (RAS mm) with distinct, signed components.</summary>
    public static Volume DisplacementField(ImageGeometry geometry, VoxelType type = VoxelType.Float32, int seed = 3)
    {
        var v = new Volume(geometry, type, 3, VolumeKind.DisplacementField);
        var rng = new Random(seed);
        for (long n = 0; n < v.ElementCount; n++) v.SetElement(n, (float)((rng.NextDouble() - 0.5) * 20));
        return v;
    }

    public static void AssertSameVoxels(Volume expected, Volume actual)
    {
        Assert.That(actual.VoxelType, Is.EqualTo(expected.VoxelType), "voxel type");
        Assert.That(actual.Components, Is.EqualTo(expected.Components), "components");
        Assert.That(actual.Size, Is.EqualTo(expected.Size), "size");
        Assert.That(actual.Bytes.SequenceEqual(expected.Bytes), Is.True, "voxel bytes differ");
    }

    public static void AssertSameGeometry(ImageGeometry expected, ImageGeometry actual, double tolMm = 1e-9)
    {
        Assert.That(actual.Size, Is.EqualTo(expected.Size), "size");
        var e = expected.IjkToRas.ToRowMajor();
        var a = actual.IjkToRas.ToRowMajor();
        for (int n = 0; n < 16; n++)
            Assert.That(a[n], Is.EqualTo(e[n]).Within(tolMm), $"IJK→RAS element {n}: expected {expected.IjkToRas}, got {actual.IjkToRas}");
    }

    public static void AssertSameIjkToRas(ImageGeometry expected, double[,] affine, double tolMm)
    {
        var e = expected.IjkToRas.ToRowMajor();
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                Assert.That(affine[r, c], Is.EqualTo(e[4 * r + c]).Within(tolMm), $"affine[{r},{c}]: expected {expected.IjkToRas}");
    }
}
