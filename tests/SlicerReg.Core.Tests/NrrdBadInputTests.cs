using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NrrdReaderTests;

namespace SlicerReg.Core.Tests;

/// <summary>Broken files and failing writes: each gives an ImageFormatException naming the file and the problem, and no debris.</summary>
public class NrrdBadInputTests
{
    static readonly NrrdFormat Nrrd = new();

    /// <summary>Reads through both entry points; both must name the file and the problem.</summary>
    static ImageFormatException Refused(string path, string problem)
    {
        var e = Assert.Throws<ImageFormatException>(() => Nrrd.Read(path))!;
        Assert.That(e.FilePath, Is.EqualTo(path));
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(e.Message, Does.Contain(problem).IgnoreCase);
        var e2 = Assert.Throws<ImageFormatException>(() => VolumeFile.Read(path))!;
        Assert.That(e2.Message, Does.Contain(problem).IgnoreCase);
        return e;
    }

    [Test]
    public void TruncatedRawData()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "t.nrrd", Header("short"), new byte[47]), "truncated");
    }

    [Test]
    public void TruncatedDetachedRawData()
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("t.raw"), new byte[20]);
        File.WriteAllText(tmp.File("t.nhdr"), "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\ndata file: t.raw\n");
        Refused(tmp.File("t.nhdr"), "truncated");
    }

    [Test]
    public void TruncatedAsciiData()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "a.nrrd", Header("uchar", encoding: "ascii"), System.Text.Encoding.ASCII.GetBytes(string.Join(" ", Enumerable.Range(0, 23)))), "truncated");
    }

    [Test]
    public void GzipStreamCutShort()
    {
        using var tmp = new TempFolder();
        var rng = new Random(5);
        var payload = new byte[2 * 24];
        rng.NextBytes(payload);
        var gz = NrrdPlastimatchTests.Gzip(payload);
        var e = Refused(WriteNrrd(tmp, "g.nrrd", Header("short", encoding: "gzip"), gz[..(gz.Length / 2)]), "");
        Assert.That(e.Problem, Does.Contain("ends early").Or.Contain("corrupt gzip"));
    }

    [Test]
    public void GzipStreamHoldingTooFewVoxels()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "g.nrrd", Header("short", encoding: "gzip"), NrrdPlastimatchTests.Gzip(new byte[40])), "ends early");
    }

    [Test]
    public void GarbageInsteadOfGzip()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "g.nrrd", Header("short", encoding: "gzip"), Enumerable.Repeat((byte)0x55, 64).ToArray()), "gzip");
    }

    [TestCase("int8")]
    [TestCase("signed char")]
    [TestCase("uint32")]
    [TestCase("unsigned int")]
    [TestCase("int64")]
    [TestCase("long long int")]
    [TestCase("unsigned long long")]
    [TestCase("block")]
    public void UnsupportedType(string type)
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "u.nrrd", Header(type), new byte[200]), $"unsupported NRRD type '{type}'");
    }

    [Test]
    public void UnknownType()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "u.nrrd", Header("quaternion"), new byte[200]), "unknown NRRD type 'quaternion'");
    }

    [Test]
    public void AbsurdSizesAreRefusedBeforeAllocating()
    {
        using var tmp = new TempFolder();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Refused(WriteNrrd(tmp, "huge.nrrd", Header("float", "100000 100000 100000"), new byte[16]), "more than the limit");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(50_000_000));
    }

    [Test]
    public void SizesBeyondTheRawFileAreRefusedBeforeAllocating()
    {
        using var tmp = new TempFolder();
        long before = GC.GetAllocatedBytesForCurrentThread();
        // 10^9 shorts is under Volume.MaxElements but 2 GB more than the file holds.
        Refused(WriteNrrd(tmp, "big.nrrd", Header("short", "1000 1000 1000"), new byte[16]), "truncated");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(50_000_000));
    }

    [Test]
    public void SizesBeyondWhatTheGzipDataCanHoldAreRefusedBeforeAllocating()
    {
        using var tmp = new TempFolder();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Refused(WriteNrrd(tmp, "big.nrrd", Header("short", "1000 1000 1000", encoding: "gzip"), NrrdPlastimatchTests.Gzip(new byte[1000])), "gzip data can hold");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(50_000_000));
    }

    [TestCase("(0,0,0) (0,1,0) (0,0,1)")]
    [TestCase("(1,0,0) (2,0,0) (0,0,1)")]
    [TestCase("(1,0,0) (0,1,0) (1,1,0)")]
    [TestCase("(1,0,0) (0,1,0) (0,0,nan)")]
    [TestCase("(1,0,0) (0,1,0) none")]
    [TestCase("(1,0,0) (0,1,0)")]
    [TestCase("(1,0) (0,1,0) (0,0,1)")]
    public void DegenerateSpaceDirections(string directions)
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "d.nrrd", Header("uchar", extra: $"space: RAS\nspace directions: {directions}\n"), new byte[24]), "space directions");
    }

    [Test]
    public void NonPositiveSpacing()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "s.nrrd", Header("uchar", extra: "spacings: 1 0 1\n"), new byte[24]), "spacings");
    }

    [TestCase("type")]
    [TestCase("dimension")]
    [TestCase("sizes")]
    [TestCase("encoding")]
    [TestCase("endian")]
    public void MissingRequiredField(string field)
    {
        using var tmp = new TempFolder();
        string h = string.Join("\n", Header("short").Split('\n').Where(l => !l.StartsWith(field + ":")));
        Refused(WriteNrrd(tmp, "m.nrrd", h, new byte[48]), $"lacks the required field '{field}'");
    }

    [Test]
    public void DetachedDataFileMissing()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("d.nhdr"), "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\ndata file: gone.raw\n");
        var e = Refused(tmp.File("d.nhdr"), "not found");
        Assert.That(e.Message, Does.Contain("gone.raw"));
    }

    [Test]
    public void DataSplitOverSeveralFiles()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("d.nhdr"), "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\ndata file: slice%03d.raw 1 4 1 2\n");
        Refused(tmp.File("d.nhdr"), "several files");
    }

    [TestCase("\x89PNG\r\n\x1a", "not a NRRD file")]
    [TestCase("NRRD0006\n", "unsupported NRRD magic")]
    [TestCase("P5\n", "not a NRRD file")]
    [TestCase("", "not a NRRD file")]
    public void BadMagic(string first, string problem)
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "b.nrrd", first + "type: uchar\n\n", new byte[24]), problem);
    }

    [Test]
    public void BinaryFileWithoutNewlines()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "bin.nrrd", "", Enumerable.Repeat((byte)'A', 8 << 20).ToArray()), "not a NRRD file");
        Refused(WriteNrrd(tmp, "bin2.nrrd", "NRRD0004\ntype: uchar", Enumerable.Repeat((byte)'A', 8 << 20).ToArray()), "header is longer");
    }

    [TestCase("dimension: 2\nsizes: 4 6\n", "dimension 2")]
    [TestCase("dimension: 5\nsizes: 1 2 3 4 5\n", "dimension 5")]
    [TestCase("dimension: 3\nsizes: 2 3\n", "sizes lists 2 values")]
    [TestCase("dimension: 3\nsizes: 2 -3 4\n", "not a valid axis length")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nspace: scanner-xyz\n", "unsupported NRRD space 'scanner-xyz'")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nspace: 3D-right-handed\n", "unsupported NRRD space")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nkinds: list domain domain\n", "not spatial")]
    [TestCase("dimension: 4\nsizes: 2 3 4 5\nkinds: domain domain domain list\n", "time series")]
    [TestCase("dimension: 4\nsizes: 2 3 4 5\nkinds: domain domain domain time\n", "time series")]
    [TestCase("dimension: 4\nsizes: 2 3 4 5\n", "first axis is not marked")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nsizes: 2 3 4\n", "appears twice")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nthis line is nonsense\n", "malformed NRRD header line")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nspace units: \"cm\" \"cm\" \"cm\"\n", "space units")]
    [TestCase("dimension: 3\nsizes: 2 3 4\nbyte skip: -2\n", "byte skip")]
    public void BadHeader(string fields, string problem)
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "b.nrrd", $"NRRD0004\ntype: uchar\nencoding: raw\n{fields}\n", new byte[200]), problem);
    }

    [Test]
    public void AttachedHeaderWithoutBlankLine()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("nb.nrrd");
        File.WriteAllText(path, "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\n");
        Refused(path, "no blank line");
    }

    [Test]
    public void ByteSkipMinusOneWithGzipIsRefused()
    {
        using var tmp = new TempFolder();
        Refused(WriteNrrd(tmp, "b.nrrd", Header("uchar", encoding: "gzip", extra: "byte skip: -1\n"), NrrdPlastimatchTests.Gzip(new byte[24])), "only defined for raw");
    }

    // ---------------------------------------------------------------- failing writes leave nothing behind

    static Volume Small() => NrrdTestVolumes.Random(VoxelType.Int16, NrrdTestVolumes.AxisAligned());

    [Test]
    public void WriteOverAFolderFailsAndLeavesNoTempFile()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("x.nrrd"));
        var e = Assert.Throws<ImageFormatException>(() => VolumeFile.Write(Small(), tmp.File("x.nrrd")))!;
        Assert.That(e.Message, Does.Contain("x.nrrd"));
        Assert.Throws<ImageFormatException>(() => Nrrd.Write(Small(), tmp.File("x.nrrd")));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty, "no temp file left");
    }

    [Test]
    public void DetachedWriteWhoseDataFileCannotBeCreatedLeavesNoHeader()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("x.raw.gz"));
        Assert.Throws<ImageFormatException>(() => VolumeFile.Write(Small(), tmp.File("x.nhdr")));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty, "neither header nor temp files left");
    }

    [Test]
    public void WriteIntoAMissingFolderFails()
    {
        using var tmp = new TempFolder();
        var e = Assert.Throws<ImageFormatException>(() => Nrrd.Write(Small(), tmp.File("no/such/x.nrrd")))!;
        Assert.That(e.Message, Does.Contain("does not exist"));
    }

    [TestCase("")]
    [TestCase("a:=b")]
    [TestCase("#comment")]
    [TestCase(" padded")]
    public void UnwritableMetadataKeyFailsAndLeavesNoFile(string key)
    {
        using var tmp = new TempFolder();
        var v = Small();
        v.Metadata[key] = "x";
        var e = Assert.Throws<ImageFormatException>(() => Nrrd.Write(v, tmp.File("k.nrrd")))!;
        Assert.That(e.Message, Does.Contain("metadata key"));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
    }

    [Test]
    public void IntegerDisplacementFieldIsRefused()
    {
        using var tmp = new TempFolder();
        var v = new Volume(ImageGeometry.Axial(new GridSize(2, 2, 2), new Vec3(1, 1, 1)), VoxelType.Int16, 3, VolumeKind.DisplacementField);
        var e = Assert.Throws<ImageFormatException>(() => Nrrd.Write(v, tmp.File("f.nrrd")))!;
        Assert.That(e.Message, Does.Contain("float or double"));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
    }
}
