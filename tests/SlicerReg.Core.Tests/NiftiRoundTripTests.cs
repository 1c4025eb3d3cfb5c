using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NiftiTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Ours → ours, atomic writes, and the quaternion conversion.</summary>
[TestFixture]
public class NiftiRoundTripTests
{
    static readonly NiftiFormat Nifti = new();

    [Test]
    public void RoundTrip(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values(".nii", ".nii.gz")] string ext,
        [ValueSource(typeof(NiftiTestSupport), nameof(GeometryNames))] string geometry)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry(geometry));
        string path = tmp.File("v" + ext);
        VolumeFile.Write(v, path);
        var r = VolumeFile.Read(path);
        Assert.That(r.VoxelType, Is.EqualTo(type));
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Scalar));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
        Assert.That(r.Geometry.ApproximatelyEquals(v.Geometry, 1e-6), Is.True, $"{r.Geometry}\n vs {v.Geometry}");
    }

    [Test]
    public void LabelMapRoundTrip([Values(VoxelType.UInt8, VoxelType.Int16, VoxelType.UInt16, VoxelType.Int32)] VoxelType type)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(type, TestGeometry("flipped"));
        v.Kind = VolumeKind.LabelMap;
        string path = tmp.File("labels.nii.gz");
        Nifti.Write(v, path);
        var r = Nifti.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.LabelMap));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }

    [Test]
    public void DisplacementFieldRoundTrip([Values(VoxelType.Float32, VoxelType.Float64)] VoxelType type, [Values(".nii", ".nii.gz")] string ext)
    {
        using var tmp = new TempFolder();
        var u = RandomVolume(type, TestGeometry("oblique"), 3, VolumeKind.DisplacementField);
        var copy = u.Clone();
        string path = tmp.File("field" + ext);
        Nifti.Write(u, path);
        Assert.That(u.Bytes.ToArray(), Is.EqualTo(copy.Bytes.ToArray()), "writing does not change the caller's volume");
        var r = Nifti.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(u.Bytes.ToArray()));
        Assert.That(r.Geometry.ApproximatelyEquals(u.Geometry, 1e-6), Is.True);
    }

    [Test]
    public void VectorVolumeRoundTripKeepsItsKind([Values(2, 3, 5)] int components)
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Float32, TestGeometry("axial"), components, VolumeKind.Vector);
        string path = tmp.File("vector.nii");
        Nifti.Write(v, path);
        var r = Nifti.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Vector), "not mistaken for a displacement field");
        Assert.That(r.Components, Is.EqualTo(components));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }

    /// <summary>Many random rotations, proper and mirrored, survive direction → quaternion/qfac → direction (1e-7: a = √(1 − b² − c² − d²) loses digits at exactly 180°).</summary>
    [Test]
    public void QuaternionRoundTrip()
    {
        var rng = new Random(5);
        for (int n = 0; n < 2000; n++)
        {
            var axis = new Vec3(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5);
            // angles up to 180°, including exactly 180° turns (the hard case for quaternion extraction)
            double angle = n % 10 == 0 ? Math.PI : rng.NextDouble() * Math.PI;
            var d = AxisAngle(axis, angle);
            if (n % 2 == 1) d = d * Mat3.Diagonal(1, -1, 1);
            var q = NiftiQuaternion.FromDirection(d);
            Assert.That(q.B * q.B + q.C * q.C + q.D * q.D, Is.LessThanOrEqualTo(1 + 1e-12));
            Assert.That(q.Qfac, Is.EqualTo(n % 2 == 1 ? -1 : 1));
            Assert.That(q.Direction.ApproximatelyEquals(d, 1e-7), Is.True, $"case {n}: {d} → {q.Direction}");
        }
    }

    [Test]
    public void WriteFailureLeavesNoFileAndNoTempFile()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("axial"));
        string path = tmp.File("target.nii.gz");
        Directory.CreateDirectory(path); // the final rename onto a folder fails after the data is written
        var e = Assert.Throws<ImageFormatException>(() => Nifti.Write(v, path))!;
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty, "no temporary file left behind");
    }

    [Test]
    public void RefusedWriteKeepsTheOldFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("old.nii");
        var old = RandomVolume(VoxelType.Int16, TestGeometry("axial"));
        Nifti.Write(old, path);
        var before = File.ReadAllBytes(path);
        var tooLong = new Volume(ImageGeometry.Axial(new GridSize(40000, 1, 1), new Vec3(1, 1, 1)), VoxelType.UInt8);
        var e = Assert.Throws<ImageFormatException>(() => Nifti.Write(tooLong, path))!;
        Assert.That(e.Message, Does.Contain("16-bit"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(tmp.Path), Has.Length.EqualTo(1));
    }

    [Test]
    public void CompressionMustMatchTheName()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.UInt8, TestGeometry("axial"));
        Assert.Throws<ImageFormatException>(() => Nifti.Write(v, tmp.File("a.nii"), new VolumeWriteOptions { Compress = true }));
        Assert.Throws<ImageFormatException>(() => Nifti.Write(v, tmp.File("a.nii.gz"), new VolumeWriteOptions { Compress = false }));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
    }

    /// <summary>Compressed-ness is detected from the bytes, so a gzip file named .nii (or the reverse) still reads.</summary>
    [Test]
    public void GzipIsDetectedFromContent()
    {
        using var tmp = new TempFolder();
        var v = RandomVolume(VoxelType.Int16, TestGeometry("oblique"));
        string gz = tmp.File("v.nii.gz");
        Nifti.Write(v, gz);
        string misnamed = tmp.File("v-really-gzip.nii");
        File.Copy(gz, misnamed);
        Assert.That(Nifti.Read(misnamed).Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }
}
