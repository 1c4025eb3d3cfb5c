using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>Reader features on hand-written headers whose expected meaning follows from the NRRD spec, not from our writer.</summary>
public class NrrdReaderTests
{
    static readonly NrrdFormat Nrrd = new();

    internal static string WriteNrrd(TempFolder tmp, string name, string header, byte[] payload)
    {
        string path = tmp.File(name);
        File.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(header).Concat(payload).ToArray());
        return path;
    }

    internal static string Header(string type, string sizes = "2 3 4", string extra = "", int dimension = 3, string encoding = "raw")
        => $"NRRD0004\ntype: {type}\ndimension: {dimension}\nsizes: {sizes}\nencoding: {encoding}\nendian: little\n{extra}\n";

    static byte[] Bytes<T>(params T[] v) where T : unmanaged
        => System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()).ToArray();

    [TestCase("uchar", VoxelType.UInt8)]
    [TestCase("unsigned char", VoxelType.UInt8)]
    [TestCase("uint8", VoxelType.UInt8)]
    [TestCase("uint8_t", VoxelType.UInt8)]
    [TestCase("short", VoxelType.Int16)]
    [TestCase("short int", VoxelType.Int16)]
    [TestCase("signed short", VoxelType.Int16)]
    [TestCase("signed short int", VoxelType.Int16)]
    [TestCase("int16", VoxelType.Int16)]
    [TestCase("int16_t", VoxelType.Int16)]
    [TestCase("ushort", VoxelType.UInt16)]
    [TestCase("unsigned short", VoxelType.UInt16)]
    [TestCase("unsigned short int", VoxelType.UInt16)]
    [TestCase("uint16", VoxelType.UInt16)]
    [TestCase("uint16_t", VoxelType.UInt16)]
    [TestCase("int", VoxelType.Int32)]
    [TestCase("signed int", VoxelType.Int32)]
    [TestCase("int32", VoxelType.Int32)]
    [TestCase("int32_t", VoxelType.Int32)]
    [TestCase("float", VoxelType.Float32)]
    [TestCase("double", VoxelType.Float64)]
    [TestCase("Unsigned  Short", VoxelType.UInt16)]
    public void EveryTypeSpellingReads(string spelling, VoxelType expected)
    {
        using var tmp = new TempFolder();
        var payload = Enumerable.Range(0, 24 * expected.SizeOf()).Select(i => (byte)(i * 7)).ToArray();
        var v = Nrrd.Read(WriteNrrd(tmp, "t.nrrd", Header(spelling), payload));
        Assert.That(v.VoxelType, Is.EqualTo(expected));
        Assert.That(v.Bytes.ToArray(), Is.EqualTo(payload));
    }

    [TestCase("covariant-vector", 3, VolumeKind.Vector)]
    [TestCase("3-vector", 3, VolumeKind.Vector)]
    [TestCase("RGB-color", 3, VolumeKind.Vector)]
    [TestCase("list", 5, VolumeKind.Vector)]
    [TestCase("vector", 2, VolumeKind.Vector)]
    public void FourDimensionalWithComponentAxisFirstIsAMultiComponentVolume(string kind, int components, VolumeKind expected)
    {
        using var tmp = new TempFolder();
        var data = Enumerable.Range(0, components * 24).Select(i => (short)(i - 40)).ToArray();
        string h = Header("short", $"{components} 2 3 4", $"space: right-anterior-superior\nkinds: {kind} domain domain domain\nspace directions: none (2,0,0) (0,3,0) (0,0,4)\n", dimension: 4);
        var v = Nrrd.Read(WriteNrrd(tmp, "v.nrrd", h, Bytes(data)));
        Assert.That(v.Components, Is.EqualTo(components));
        Assert.That(v.Kind, Is.EqualTo(expected));
        Assert.That(v.Size, Is.EqualTo(new GridSize(2, 3, 4)));
        Assert.That(v.As<short>(), Is.EqualTo(data), "components stay interleaved and unflipped");
        Assert.That(v.Geometry.Spacing, Is.EqualTo(new Vec3(2, 3, 4)));
    }

    [Test]
    public void SpaceDirectionNoneAloneMarksTheComponentAxis()
    {
        using var tmp = new TempFolder();
        string h = Header("uchar", "2 2 3 4", "space: LPS\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\n", dimension: 4);
        var v = Nrrd.Read(WriteNrrd(tmp, "v.nrrd", h, new byte[48]));
        Assert.That(v.Components, Is.EqualTo(2));
        Assert.That(v.Kind, Is.EqualTo(VolumeKind.Vector));
    }

    [Test]
    public void SpacingsFallbackWithNanOnTheComponentAxis()
    {
        using var tmp = new TempFolder();
        string h = Header("uchar", "3 2 3 4", "spacings: nan 0.5 0.25 2\n", dimension: 4);
        var v = Nrrd.Read(WriteNrrd(tmp, "v.nrrd", h, new byte[72]));
        Assert.That(v.Components, Is.EqualTo(3));
        // No space field: ITK (and Slicer, plastimatch) take the identity frame to be LPS.
        AssertMatrix(v.Geometry.IjkToRas, new double[] { -0.5, 0, 0, 0, 0, -0.25, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1 });
    }

    [Test]
    public void RasHeaderGeometryIsTakenAsIs()
    {
        using var tmp = new TempFolder();
        string h = Header("uchar", extra: "space: right-anterior-superior\nspace directions: (0,2,0) (-1,0,0) (0,0,3)\nspace origin: (5,-6,7)\n");
        var v = Nrrd.Read(WriteNrrd(tmp, "r.nrrd", h, new byte[24]));
        AssertMatrix(v.Geometry.IjkToRas, new double[] { 0, -1, 0, 5, 2, 0, 0, -6, 0, 0, 3, 7, 0, 0, 0, 1 });
    }

    [Test]
    public void LpsHeaderGeometryIsFlippedToRas()
    {
        using var tmp = new TempFolder();
        string h = Header("uchar", extra: "space: left-posterior-superior\nspace directions: (0,2,0) (-1,0,0) (0,0,3)\nspace origin: (5,-6,7)\n");
        var v = Nrrd.Read(WriteNrrd(tmp, "l.nrrd", h, new byte[24]));
        AssertMatrix(v.Geometry.IjkToRas, new double[] { 0, 1, 0, -5, -2, 0, 0, 6, 0, 0, 3, 7, 0, 0, 0, 1 });
    }

    [Test]
    public void KeyValuePairsBecomeMetadataAndOtherFieldsAreIgnored()
    {
        using var tmp = new TempFolder();
        string h = Header("uchar", extra: "content: test\nthicknesses: 1 1 1\nmodality:=CT\nnote:=a\\nb\\\\c\nempty:=\n");
        var v = Nrrd.Read(WriteNrrd(tmp, "k.nrrd", h, new byte[24]));
        Assert.That(v.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["modality"] = "CT", ["note"] = "a\nb\\c", ["empty"] = "" }));
    }

    [Test]
    public void CrLfHeaderReads()
    {
        using var tmp = new TempFolder();
        string h = Header("uchar").Replace("\n", "\r\n");
        var v = Nrrd.Read(WriteNrrd(tmp, "crlf.nrrd", h, Enumerable.Range(0, 24).Select(i => (byte)i).ToArray()));
        Assert.That(v[1, 0, 0], Is.EqualTo(1));
    }

    [Test]
    public void DetachedHeaderWithRelativeAndAbsoluteDataFile([Values] bool absolute)
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("data"));
        var payload = Enumerable.Range(0, 24).Select(i => (byte)(3 * i)).ToArray();
        File.WriteAllBytes(tmp.File("data/v.raw"), payload);
        string dataFile = absolute ? tmp.File("data/v.raw") : "data/v.raw";
        string h = $"NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\ndata file: {dataFile}\n";
        File.WriteAllText(tmp.File("v.nhdr"), h);
        var v = Nrrd.Read(tmp.File("v.nhdr"));
        Assert.That(v.Bytes.ToArray(), Is.EqualTo(payload));
    }

    [Test]
    public void DetachedGzipDataFile()
    {
        using var tmp = new TempFolder();
        var payload = Bytes(Enumerable.Range(0, 24).Select(i => i * 1000.5f).ToArray());
        File.WriteAllBytes(tmp.File("v.raw.gz"), NrrdPlastimatchTests.Gzip(payload));
        File.WriteAllText(tmp.File("v.nhdr"), "NRRD0005\ntype: float\ndimension: 3\nsizes: 2 3 4\nendian: little\nencoding: gzip\ndatafile: v.raw.gz\n");
        Assert.That(Nrrd.Read(tmp.File("v.nhdr")).Bytes.ToArray(), Is.EqualTo(payload));
    }

    // ---------------------------------------------------------------- kinds

    [TestCase("femur_label.nrrd", true)]
    [TestCase("femur-labels.nhdr", true)]
    [TestCase("label.nrrd", true)]
    [TestCase("Label_femur.nrrd", true)]
    [TestCase("ct_seg.nrrd", true)]
    [TestCase("Seg.nrrd", true)]
    [TestCase("mylabel.nrrd", false)]
    [TestCase("labelled.nrrd", false)]
    [TestCase("segment.nrrd", false)]
    [TestCase("ct.nrrd", false)]
    public void LabelMapFileNameFollowsSlicersRule(string name, bool expected)
        => Assert.That(NrrdFormat.IsLabelMapFileName("/some/folder/" + name), Is.EqualTo(expected));

    [TestCase("short", "femur_label.nrrd", VolumeKind.LabelMap)]
    [TestCase("uchar", "femur-seg.nrrd", VolumeKind.LabelMap)]
    [TestCase("float", "femur_label.nrrd", VolumeKind.Scalar)]
    [TestCase("short", "femur.nrrd", VolumeKind.Scalar)]
    public void ForeignIntegerVolumeUnderALabelNameIsALabelMap(string type, string name, VolumeKind expected)
    {
        using var tmp = new TempFolder();
        int size = type == "short" ? 2 : type == "float" ? 4 : 1;
        var v = Nrrd.Read(WriteNrrd(tmp, name, Header(type), new byte[24 * size]));
        Assert.That(v.Kind, Is.EqualTo(expected));
    }

    [TestCase("right-anterior-superior", 1, 1)]
    [TestCase("left-posterior-superior", -1, -1)]
    public void DisplacementIntentConvertsComponentsToRas(string space, int sx, int sy)
    {
        using var tmp = new TempFolder();
        var comps = new float[] { 1, 2, 3 };
        var data = Enumerable.Range(0, 24).SelectMany(_ => comps).ToArray();
        string h = Header("float", "3 2 3 4", $"space: {space}\nkinds: vector domain domain domain\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\nintent_code:=1006\nother:=kept\n", dimension: 4);
        var v = Nrrd.Read(WriteNrrd(tmp, "f.nrrd", h, Bytes(data)));
        Assert.That(v.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(v.As<float>()[..3], Is.EqualTo(new float[] { sx * 1, sy * 2, 3 }));
        Assert.That(v.Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["other"] = "kept" }), "the intent code is the kind, not metadata");
    }

    [Test]
    public void MeasurementFrameMapsDisplacementComponentsIntoTheSpace()
    {
        using var tmp = new TempFolder();
        // Columns: measured x → space y, measured y → space x (spec: vectors are the columns), space RAS.
        var data = Enumerable.Range(0, 24).SelectMany(_ => new double[] { 1, 2, 3 }).ToArray();
        string h = Header("double", "3 2 3 4", "space: RAS\nkinds: vector domain domain domain\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\nmeasurement frame: (0,1,0) (1,0,0) (0,0,1)\nintent_code:=1006\n", dimension: 4);
        var v = Nrrd.Read(WriteNrrd(tmp, "mf.nrrd", h, Bytes(data)));
        Assert.That(v.As<double>()[..3], Is.EqualTo(new double[] { 2, 1, 3 }));
    }

    [TestCase("vector", "left-posterior-superior", "float", VolumeKind.DisplacementField)]
    [TestCase("vector", "left-posterior-superior", "double", VolumeKind.DisplacementField)]
    [TestCase("vector", "right-anterior-superior", "float", VolumeKind.Vector)]
    [TestCase("covariant-vector", "left-posterior-superior", "float", VolumeKind.Vector)]
    [TestCase("vector", "left-posterior-superior", "short", VolumeKind.Vector)]
    public void ItkStyleVectorFieldRule(string kind, string space, string type, VolumeKind expected)
    {
        using var tmp = new TempFolder();
        int size = type == "double" ? 8 : type == "float" ? 4 : 2;
        string h = Header(type, "3 2 3 4", $"space: {space}\nkinds: {kind} domain domain domain\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\n", dimension: 4);
        Assert.That(Nrrd.Read(WriteNrrd(tmp, "k.nrrd", h, new byte[72 * size])).Kind, Is.EqualTo(expected));
    }

    [Test]
    public void KindMarkerMustFitTheData()
    {
        using var tmp = new TempFolder();
        var path = WriteNrrd(tmp, "m.nrrd", Header("float", extra: $"{NrrdFormat.KindKey}:=LabelMap\n"), new byte[96]);
        var e = Assert.Throws<ImageFormatException>(() => Nrrd.Read(path))!;
        Assert.That(e.Message, Does.Contain(NrrdFormat.KindKey));
    }

    static void AssertMatrix(Mat4 m, double[] rowMajor)
    {
        var a = m.ToRowMajor();
        for (int n = 0; n < 16; n++) Assert.That(a[n], Is.EqualTo(rowMajor[n]).Within(1e-12), $"element {n} of {m}");
    }
}
