using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NrrdTestVolumes;

namespace SlicerReg.Core.Tests;

/// <summary>Ours → file → ours, for every option the writer has. (Independent cross-checks are in NrrdPlastimatchTests.)</summary>
public class NrrdRoundTripTests
{
    static readonly NrrdFormat Nrrd = new();

    [Test]
    public void EveryTypeAndOptionRoundTrips(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values] bool compress,
        [Values(".nrrd", ".nhdr")] string extension,
        [Values(CoordinateSystem.RAS, CoordinateSystem.LPS)] CoordinateSystem space)
    {
        using var tmp = new TempFolder();
        var v = Random(type, Oblique(), seed: (int)type + 10);
        v.Metadata["patient"] = "femur atlas";
        string path = tmp.File("vol" + extension);
        VolumeFile.Write(v, path, new VolumeWriteOptions { Compress = compress, Space = space });
        var r = VolumeFile.Read(path);
        AssertSameVoxels(v, r);
        AssertSameGeometry(v.Geometry, r.Geometry, 1e-9);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Scalar));
        Assert.That(r.Metadata, Is.EquivalentTo(v.Metadata));
        string header = File.ReadAllText(extension == ".nhdr" ? path : path, System.Text.Encoding.Latin1);
        Assert.That(header, Does.Contain(space == CoordinateSystem.RAS ? "space: right-anterior-superior" : "space: left-posterior-superior"));
        Assert.That(header, Does.Contain(compress ? "encoding: gzip" : "encoding: raw"));
        if (extension == ".nhdr")
            Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "vol.nhdr", compress ? "vol.raw.gz" : "vol.raw" }));
        else
            Assert.That(Directory.GetFiles(tmp.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "vol.nrrd" }));
    }

    [Test]
    public void DefaultsAreGzipAndRas()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("d.nrrd");
        Nrrd.Write(Random(VoxelType.Int16, AxisAligned()), path);
        string header = File.ReadAllText(path, System.Text.Encoding.Latin1);
        Assert.That(header, Does.StartWith("NRRD0004\n"));
        Assert.That(header, Does.Contain("encoding: gzip\n"));
        Assert.That(header, Does.Contain("space: right-anterior-superior\n"));
        Assert.That(header, Does.Contain("endian: little\n"));
        Assert.That(header, Does.Contain("kinds: domain domain domain\n"));
    }

    [Test]
    public void LabelMapRoundTripsEvenUnderANeutralName()
    {
        using var tmp = new TempFolder();
        var v = LabelMap(Oblique());
        string path = tmp.File("femur.nrrd");
        Nrrd.Write(v, path);
        var r = Nrrd.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.LabelMap));
        AssertSameVoxels(v, r);
        Assert.That(r.Metadata, Is.Empty, "the kind marker is not user metadata");
    }

    [Test]
    public void ScalarIntegerVolumeUnderALabelNameStaysScalarWhenWrittenByUs()
    {
        using var tmp = new TempFolder();
        var v = Random(VoxelType.Int16, AxisAligned());
        string path = tmp.File("ct_seg.nrrd");
        Nrrd.Write(v, path);
        Assert.That(Nrrd.Read(path).Kind, Is.EqualTo(VolumeKind.Scalar));
    }

    [Test]
    public void DisplacementFieldRoundTripsInRasAndIsStoredInLps([Values(VoxelType.Float32, VoxelType.Float64)] VoxelType type, [Values] bool compress)
    {
        using var tmp = new TempFolder();
        var v = DisplacementField(Oblique(), type);
        var before = v.Clone();
        string path = tmp.File("field.nrrd");
        // The Space option is ignored for displacement fields: always LPS (ITK convention, Slicer grid transform).
        Nrrd.Write(v, path, new VolumeWriteOptions { Space = CoordinateSystem.RAS, Compress = compress });
        AssertSameVoxels(before, v); // the caller's volume is untouched
        var r = Nrrd.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        AssertSameVoxels(v, r);
        AssertSameGeometry(v.Geometry, r.Geometry, 1e-9);
        string header = ReadHeader(path);
        Assert.That(header, Does.Contain("space: left-posterior-superior\n"));
        Assert.That(header, Does.Contain("kinds: vector domain domain domain\n"));
        Assert.That(header, Does.Contain("space directions: none ("));
        Assert.That(header, Does.Contain("intent_code:=1006\n"));
        Assert.That(r.Metadata, Is.Empty);
    }

    [Test]
    public void DisplacementComponentsInTheFileAreLps()
    {
        using var tmp = new TempFolder();
        var v = DisplacementField(AxisAligned());
        string path = tmp.File("field.nrrd");
        Nrrd.Write(v, path, new VolumeWriteOptions { Compress = false });
        // Read the raw floats after the header: x and y negated, z kept.
        var bytes = File.ReadAllBytes(path);
        int start = IndexOfBlankLine(bytes);
        var stored = new float[v.ElementCount];
        Buffer.BlockCopy(bytes, start, stored, 0, stored.Length * 4);
        var mem = v.As<float>();
        for (int n = 0; n < mem.Length; n++)
            Assert.That(stored[n], Is.EqualTo(n % 3 == 2 ? mem[n] : -mem[n]), $"element {n}");
    }

    [Test]
    public void VectorVolumeKeepsComponentsUnflipped()
    {
        using var tmp = new TempFolder();
        var v = Random(VoxelType.Float32, Oblique(), components: 3, kind: VolumeKind.Vector);
        string path = tmp.File("rgb.nrrd");
        Nrrd.Write(v, path, new VolumeWriteOptions { Space = CoordinateSystem.LPS });
        var r = Nrrd.Read(path);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Vector));
        AssertSameVoxels(v, r);
        AssertSameGeometry(v.Geometry, r.Geometry);
    }

    [TestCase(VolumeKind.Scalar, 3)]
    [TestCase(VolumeKind.Vector, 1)]
    [TestCase(VolumeKind.Vector, 2)]
    public void UnusualKindAndComponentCombinationsRoundTrip(VolumeKind kind, int components)
    {
        using var tmp = new TempFolder();
        var v = Random(VoxelType.Float32, AxisAligned(), components, kind);
        string path = tmp.File("u.nrrd");
        Nrrd.Write(v, path);
        var r = Nrrd.Read(path);
        Assert.That(r.Kind, Is.EqualTo(kind));
        AssertSameVoxels(v, r);
    }

    [Test]
    public void MetadataWithNewlinesAndBackslashesRoundTrips()
    {
        using var tmp = new TempFolder();
        var v = Random(VoxelType.UInt8, AxisAligned());
        v.Metadata["note"] = "line one\nline two \\ backslash: and := too";
        v.Metadata["ümlaut key"] = "välue";
        string path = tmp.File("m.nhdr");
        Nrrd.Write(v, path);
        var r = Nrrd.Read(path);
        Assert.That(r.Metadata, Is.EquivalentTo(v.Metadata));
    }

    [Test]
    public void OverwritingReplacesTheFile()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("o.nrrd");
        Nrrd.Write(Random(VoxelType.Float32, AxisAligned(), seed: 1), path);
        var second = Random(VoxelType.Int16, Oblique(), seed: 2);
        Nrrd.Write(second, path);
        AssertSameVoxels(second, Nrrd.Read(path));
        Assert.That(Directory.GetFiles(tmp.Path), Has.Length.EqualTo(1));
    }

    internal static string ReadHeader(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return System.Text.Encoding.Latin1.GetString(bytes, 0, IndexOfBlankLine(bytes));
    }

    internal static int IndexOfBlankLine(byte[] bytes)
    {
        for (int n = 1; n < bytes.Length; n++) if (bytes[n] == '\n' && bytes[n - 1] == '\n') return n + 1;
        throw new AssertionException("no blank line after the header");
    }
}
