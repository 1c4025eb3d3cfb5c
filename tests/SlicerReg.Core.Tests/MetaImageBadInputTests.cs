using System.Diagnostics;
using System.Text;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.MetaImageRoundTripTests;
using static SlicerReg.Core.Tests.MetaImageTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Every malformed file gives an <see cref="ImageFormatException"/> naming the file and the problem; failed writes leave nothing behind.</summary>
[TestFixture]
public class MetaImageBadInputTests
{
    TempFolder _tmp = null!;
    [SetUp] public void SetUp() => _tmp = new TempFolder();
    [TearDown] public void TearDown() => _tmp.Dispose();

    ImageFormatException ReadFails(string path, string expectedProblem)
    {
        var e = Assert.Throws<ImageFormatException>(() => VolumeFile.Read(path))!;
        Assert.That(e.Message, Does.Contain(path), "the message names the file");
        Assert.That(e.Message, Does.Contain(expectedProblem).IgnoreCase);
        return e;
    }

    string WriteMha(string name, string fields, byte[] data)
    {
        string path = _tmp.File(name);
        File.WriteAllBytes(path, Header(fields, "LOCAL").Concat(data).ToArray());
        return path;
    }

    [Test]
    public void TruncatedData()
    {
        string good = _tmp.File("good.mha");
        VolumeFile.Write(Make(VoxelType.Float32), good, new VolumeWriteOptions { Compress = false });
        var bytes = File.ReadAllBytes(good);
        string bad = _tmp.File("cut.mha");
        File.WriteAllBytes(bad, bytes[..^5]);
        ReadFails(bad, "truncated");
    }

    [Test]
    public void ZlibStreamEndingEarly()
    {
        string good = _tmp.File("good.mha");
        VolumeFile.Write(Make(VoxelType.Float64), good); // compressed by default
        var bytes = File.ReadAllBytes(good);
        int start = DataOffset(bytes);
        int keep = (bytes.Length - start) / 2;
        string text = Encoding.ASCII.GetString(bytes, 0, start);
        string size = HeaderText(good)["CompressedDataSize"];

        // Header still declares the full size: the file is shorter than CompressedDataSize.
        string shortFile = _tmp.File("short.mha");
        File.WriteAllBytes(shortFile, bytes[..(start + keep)]);
        ReadFails(shortFile, "compressed data is truncated");

        // Header declares the cut size: the zlib stream itself ends before all voxels came out.
        string cutStream = _tmp.File("cutstream.mha");
        var header = Encoding.ASCII.GetBytes(text.Replace($"CompressedDataSize = {size}", $"CompressedDataSize = {keep}"));
        File.WriteAllBytes(cutStream, header.Concat(bytes[start..(start + keep)]).ToArray());
        ReadFails(cutStream, "compressed data ends early");
    }

    [Test]
    public void CorruptZlibData()
    {
        string path = WriteMha("junk.mha", "NDims = 3\nCompressedData = True\nCompressedDataSize = 16\nDimSize = 2 2 1\nElementType = MET_UCHAR", Enumerable.Repeat((byte)0xAB, 16).ToArray());
        ReadFails(path, "corrupt zlib data");
    }

    [TestCase("MET_FOO", "unknown ElementType")]
    [TestCase("MET_CHAR", "ElementType MET_CHAR is not supported")]
    [TestCase("MET_UINT", "ElementType MET_UINT is not supported")]
    [TestCase("MET_LONG", "ElementType MET_LONG is not supported")]
    public void UnsupportedOrUnknownElementType(string type, string problem)
        => ReadFails(WriteMha("t.mha", $"NDims = 3\nDimSize = 1 1 1\nElementType = {type}", new byte[8]), problem);

    [Test]
    public void AbsurdDimSize_IsRefusedBeforeAllocating()
    {
        var clock = Stopwatch.StartNew();
        // Beyond Volume.MaxElements.
        ReadFails(WriteMha("huge.mha", "NDims = 3\nDimSize = 100000 100000 100000\nElementType = MET_FLOAT", new byte[16]), "more than the limit");
        // Within the element limit, but the file cannot hold it (raw and zlib).
        ReadFails(WriteMha("big.mha", "NDims = 3\nDimSize = 1000 1000 1000\nElementType = MET_SHORT", new byte[16]), "truncated");
        ReadFails(WriteMha("bigz.mha", "NDims = 3\nCompressedData = True\nDimSize = 1000 1000 1000\nElementType = MET_SHORT", new byte[16]), "cannot hold");
        ReadFails(WriteMha("neg.mha", "NDims = 3\nDimSize = 7 -5 4\nElementType = MET_SHORT", new byte[16]), "DimSize must be 3 positive integers");
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(2), "refusal should not allocate or read gigabytes");
    }

    [TestCase("1 0 0 1 0 0 0 0 1", "not invertible")]
    [TestCase("1 0 0 0 0 0 0 0 1", "not invertible")]
    [TestCase("1 0 0 0 1 0", "TransformMatrix needs 9 numbers")]
    [TestCase("1 0 0 0 1 0 0 0 nan", "not a finite number")]
    public void NonInvertibleOrMalformedTransformMatrix(string matrix, string problem)
        => ReadFails(WriteMha("m.mha", $"NDims = 3\nTransformMatrix = {matrix}\nDimSize = 1 1 1\nElementType = MET_UCHAR", new byte[1]), problem);

    [Test]
    public void MissingDimSize()
        => ReadFails(WriteMha("nodim.mha", "NDims = 3\nElementType = MET_UCHAR", new byte[1]), "DimSize is missing");

    [Test]
    public void MissingElementDataFileLine()
    {
        string path = _tmp.File("nodata.mha");
        File.WriteAllText(path, "ObjectType = Image\nNDims = 3\nDimSize = 1 1 1\nElementType = MET_UCHAR\n");
        ReadFails(path, "ElementDataFile");
    }

    [Test]
    public void MissingMhdDataFile()
    {
        string path = _tmp.File("lonely.mhd");
        File.WriteAllBytes(path, Header("NDims = 3\nDimSize = 1 1 1\nElementType = MET_UCHAR", "lonely.raw"));
        ReadFails(path, "lonely.raw");
        ReadFails(path, "does not exist");
    }

    [Test]
    public void WrongDimensionCountAndObjectType()
    {
        ReadFails(WriteMha("2d.mha", "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR", new byte[4]), "NDims is 2");
        ReadFails(WriteMha("obj.mha", "ObjectType = Tube\nNDims = 3\nDimSize = 1 1 1\nElementType = MET_UCHAR", new byte[1]), "ObjectType is Tube");
        ReadFails(WriteMha("nota.mha", "this is not a header", new byte[1]), "not 'Key = Value'");
    }

    /// <summary>
    /// A write that fails part-way (the header holds a value MetaImage cannot store, found while writing) leaves no new
    /// file and no temporary, and an existing file at the target is kept intact.
    /// </summary>
    [TestCase(".mha")]
    [TestCase(".mhd")]
    public void FailedWrite_LeavesNoFileAndNoTemporary(string ext)
    {
        var bad = Make(VoxelType.Int16);
        bad.Metadata["Note"] = "two\nlines";
        string target = _tmp.File("out" + ext);
        var e = Assert.Throws<ImageFormatException>(() => VolumeFile.Write(bad, target))!;
        Assert.That(e.Message, Does.Contain(target).And.Contain("single line"));
        Assert.That(FilesIn(_tmp.Path), Is.Empty);

        var good = Make(VoxelType.Int16, seed: 3);
        VolumeFile.Write(good, target);
        var before = FilesIn(_tmp.Path).ToDictionary(f => f, f => File.ReadAllBytes(_tmp.File(f)));
        Assert.Throws<ImageFormatException>(() => VolumeFile.Write(bad, target));
        Assert.That(FilesIn(_tmp.Path), Is.EqualTo(before.Keys.OrderBy(x => x)));
        foreach (var (f, bytes) in before) Assert.That(File.ReadAllBytes(_tmp.File(f)), Is.EqualTo(bytes), f);
        Assert.That(VolumeFile.Read(target).As<short>(), Is.EqualTo(good.As<short>()));
    }
}
