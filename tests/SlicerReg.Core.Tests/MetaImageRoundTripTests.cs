using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.MetaImageTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Ours → ours for every option, plus the header variants other writers produce (hand-written headers).</summary>
[TestFixture]
public class MetaImageRoundTripTests
{
    static IEnumerable<TestCaseData> AllOptions()
    {
        foreach (var t in VoxelTypes.All)
            foreach (var ext in new[] { ".mha", ".mhd" })
                foreach (var compress in new[] { true, false })
                    foreach (int comps in new[] { 1, 3 })
                        yield return new TestCaseData(t, ext, compress, comps).SetArgDisplayNames(t.ToString(), ext, compress ? "zlib" : "raw", $"{comps}ch");
    }

    [TestCaseSource(nameof(AllOptions))]
    public void WriteThenRead_GivesTheSameVolume(VoxelType type, string ext, bool compress, int components)
    {
        using var tmp = new TempFolder();
        var kind = components == 3 ? VolumeKind.Vector : VolumeKind.Scalar;
        var v = Make(type, components, kind);
        v.Metadata["PatientName"] = "Femur^Atlas";
        v.Metadata["Comment"] = "key with = sign in value = fine";
        string file = tmp.File("v" + ext);
        VolumeFile.Write(v, file, new VolumeWriteOptions { Compress = compress });

        var expectedFiles = ext == ".mha" ? new[] { "v.mha" } : new[] { "v.mhd", compress ? "v.zraw" : "v.raw" };
        Assert.That(FilesIn(tmp.Path), Is.EqualTo(expectedFiles.OrderBy(x => x)), "exactly the header/data files, no temporaries");

        var r = VolumeFile.Read(file);
        Assert.That(r.VoxelType, Is.EqualTo(type));
        Assert.That(r.Components, Is.EqualTo(components));
        Assert.That(r.Kind, Is.EqualTo(kind), "a 3-channel vector is marked so it is not mistaken for a displacement field");
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
        Assert.That(r.Geometry.ApproximatelyEquals(v.Geometry, 1e-12), $"{r.Geometry} vs {v.Geometry}");
        Assert.That(r.Metadata["PatientName"], Is.EqualTo("Femur^Atlas"));
        Assert.That(r.Metadata["Comment"], Is.EqualTo("key with = sign in value = fine"));

        var h = HeaderText(file);
        Assert.That(h["CompressedData"], Is.EqualTo(compress ? "True" : "False"));
        Assert.That(h.ContainsKey("CompressedDataSize"), Is.EqualTo(compress));
        Assert.That(h["ElementDataFile"], Is.EqualTo(expectedFiles.Length == 1 ? "LOCAL" : expectedFiles[1]));
        Assert.That(h.ContainsKey("ElementNumberOfChannels"), Is.EqualTo(components > 1));
    }

    [Test]
    public void CompressedData_IsZlibOfTheRawVoxels_WithTheDeclaredSize()
    {
        using var tmp = new TempFolder();
        var v = Make(VoxelType.Int16);
        VolumeFile.Write(v, tmp.File("v.mha"));
        var file = File.ReadAllBytes(tmp.File("v.mha"));
        int start = DataOffset(file);
        Assert.That(long.Parse(HeaderText(tmp.File("v.mha"))["CompressedDataSize"]), Is.EqualTo(file.Length - start));
        Assert.That(file[start], Is.EqualTo(0x78), "zlib header (RFC 1950), not gzip");
        using var z = new ZLibStream(new MemoryStream(file, start, file.Length - start), CompressionMode.Decompress);
        var inflated = new MemoryStream();
        z.CopyTo(inflated);
        Assert.That(inflated.ToArray(), Is.EqualTo(v.Bytes.ToArray()));
    }

    [TestCase(".mha", true)]
    [TestCase(".mhd", false)]
    public void DisplacementField_RoundTripsInRas_AndIsLpsInTheFile(string ext, bool compress)
    {
        using var tmp = new TempFolder();
        var field = Make(VoxelType.Float32, 3, VolumeKind.DisplacementField);
        var before = (float[])field.As<float>().Clone();
        VolumeFile.Write(field, tmp.File("f" + ext), new VolumeWriteOptions { Compress = compress });
        Assert.That(field.As<float>(), Is.EqualTo(before), "writing must not change the caller's volume");

        var r = VolumeFile.Read(tmp.File("f" + ext));
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(r.As<float>(), Is.EqualTo(before));
        Assert.That(r.Geometry.ApproximatelyEquals(field.Geometry, 1e-12));

        if (!compress)
        {
            var raw = File.ReadAllBytes(tmp.File("f.raw"));
            var inFile = new float[raw.Length / 4];
            Buffer.BlockCopy(raw, 0, inFile, 0, raw.Length);
            Assert.That(inFile, Is.EqualTo(ToLps(before)));
        }
    }

    [TestCase(VoxelType.Float64)]
    [TestCase(VoxelType.Int16)]
    public void DisplacementFieldOfOtherSignedTypes_RoundTrips(VoxelType type)
    {
        using var tmp = new TempFolder();
        var field = Make(type, 3, VolumeKind.DisplacementField);
        VolumeFile.Write(field, tmp.File("f.mha"));
        var r = VolumeFile.Read(tmp.File("f.mha"));
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(r.Bytes.ToArray(), Is.EqualTo(field.Bytes.ToArray()));
    }

    [Test]
    public void UnsignedDisplacementField_IsRefused_WithoutWritingAFile()
    {
        using var tmp = new TempFolder();
        var field = Make(VoxelType.UInt16, 3, VolumeKind.DisplacementField);
        var e = Assert.Throws<ImageFormatException>(() => VolumeFile.Write(field, tmp.File("f.mha")))!;
        Assert.That(e.Message, Does.Contain("cannot change sign"));
        Assert.That(FilesIn(tmp.Path), Is.Empty);
    }

    [Test]
    public void LabelMap_KeepsItsKind()
    {
        using var tmp = new TempFolder();
        var labels = Make(VoxelType.Int16, kind: VolumeKind.LabelMap);
        VolumeFile.Write(labels, tmp.File("l.mha"));
        var r = VolumeFile.Read(tmp.File("l.mha"));
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.LabelMap));
        Assert.That(r.As<short>(), Is.EqualTo(labels.As<short>()));
    }

    [Test]
    public void ThreeChannelFloatWithoutMarker_IsADisplacementField_OtherChannelCountsAreVectors()
    {
        using var tmp = new TempFolder();
        var lps = new float[] { 1, 2, 3, -4, -5, -6 };
        File.WriteAllBytes(tmp.File("f3.mha"), Header("NDims = 3\nDimSize = 2 1 1\nElementNumberOfChannels = 3\nElementType = MET_FLOAT", "LOCAL").Concat(Bytes(lps)).ToArray());
        var f3 = VolumeFile.Read(tmp.File("f3.mha"));
        Assert.That(f3.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(f3.As<float>(), Is.EqualTo(new float[] { -1, -2, 3, 4, 5, -6 }));

        File.WriteAllBytes(tmp.File("f2.mha"), Header("NDims = 3\nDimSize = 3 1 1\nElementNumberOfChannels = 2\nElementType = MET_FLOAT", "LOCAL").Concat(Bytes(lps)).ToArray());
        var f2 = VolumeFile.Read(tmp.File("f2.mha"));
        Assert.That(f2.Kind, Is.EqualTo(VolumeKind.Vector));
        Assert.That(f2.As<float>(), Is.EqualTo(lps));

        var rgb = new byte[] { 10, 20, 30, 40, 50, 60 };
        File.WriteAllBytes(tmp.File("u3.mha"), Header("NDims = 3\nDimSize = 2 1 1\nElementNumberOfChannels = 3\nElementType = MET_UCHAR", "LOCAL").Concat(rgb).ToArray());
        Assert.That(VolumeFile.Read(tmp.File("u3.mha")).Kind, Is.EqualTo(VolumeKind.Vector));
    }

    [Test]
    public void HandWrittenHeader_AliasesBigEndianAndTransformMatrixLayout()
    {
        // TransformMatrix triples are the LPS directions of i, j, k: i -> +P (LPS y), j -> +L (LPS x), k -> +S.
        using var tmp = new TempFolder();
        var values = new short[] { 1, -2, 300, -32768, 32767, 7 };
        var be = new byte[values.Length * 2];
        for (int n = 0; n < values.Length; n++) BinaryPrimitives.WriteInt16BigEndian(be.AsSpan(2 * n), values[n]);
        string fields = "ObjectType = Image\nNDims = 3\nBinaryData = True\nElementByteOrderMSB = True\n" +
                        "Rotation = 0 1 0 1 0 0 0 0 1\nPosition = 5 6 7\nElementSize = 0.5 2 3\nDimSize = 3 2 1\nElementType = MET_SHORT\nModality = MET_MOD_CT";
        File.WriteAllBytes(tmp.File("h.mha"), Header(fields, "LOCAL").Concat(be).ToArray());

        var v = VolumeFile.Read(tmp.File("h.mha"));
        Assert.That(v.As<short>(), Is.EqualTo(values));
        // Expected IJK->RAS by hand: RAS = flip(LPS); i -> LPS (0,1,0) = RAS (0,-1,0); j -> RAS (-1,0,0); origin RAS (-5,-6,7).
        var expected = new Mat4(Mat3.FromColumns(new Vec3(0, -0.5, 0), new Vec3(-2, 0, 0), new Vec3(0, 0, 3)), new Vec3(-5, -6, 7));
        Assert.That(MaxDifference(v.Geometry.IjkToRas, expected), Is.LessThan(1e-12), v.Geometry.ToString());
        Assert.That(v.Metadata["Modality"], Is.EqualTo("MET_MOD_CT"));
        Assert.That(v.Metadata.ContainsKey("Rotation"), Is.False);
    }

    [Test]
    public void OriginAlias_AsciiData_AndOrientationAlias()
    {
        using var tmp = new TempFolder();
        string fields = "NDims = 3\nBinaryData = False\nOrigin = 1 2 3\nOrientation = 1 0 0 0 1 0 0 0 1\nDimSize = 2 2 1\nElementType = MET_FLOAT";
        File.WriteAllBytes(tmp.File("a.mha"), Header(fields, "LOCAL").Concat(Encoding.ASCII.GetBytes("1.5 -2\n3e2 4\n")).ToArray());
        var v = VolumeFile.Read(tmp.File("a.mha"));
        Assert.That(v.As<float>(), Is.EqualTo(new float[] { 1.5f, -2, 300, 4 }));
        Assert.That(v.Geometry.Origin, Is.EqualTo(new Vec3(-1, -2, 3)));

        File.WriteAllBytes(tmp.File("u.mha"), Header("NDims = 3\nBinaryData = False\nDimSize = 3 1 1\nElementType = MET_USHORT", "LOCAL").Concat(Encoding.ASCII.GetBytes("65535 40000 7")).ToArray());
        Assert.That(VolumeFile.Read(tmp.File("u.mha")).As<ushort>(), Is.EqualTo(new ushort[] { 65535, 40000, 7 }));
    }

    [Test]
    public void HeaderSize_SkipsBytes_AndMinusOneMeansDataAtTheEnd_InADetachedFile()
    {
        using var tmp = new TempFolder();
        var values = new ushort[] { 1, 2, 65535, 4 };
        File.WriteAllBytes(tmp.File("skip.raw"), new byte[] { 9, 9, 9, 9, 9 }.Concat(Bytes(values)).ToArray());
        File.WriteAllBytes(tmp.File("skip.mhd"), Header("NDims = 3\nHeaderSize = 5\nDimSize = 2 2 1\nElementType = MET_USHORT", "skip.raw"));
        Assert.That(VolumeFile.Read(tmp.File("skip.mhd")).As<ushort>(), Is.EqualTo(values));

        File.WriteAllBytes(tmp.File("end.mhd"), Header("NDims = 3\nHeaderSize = -1\nDimSize = 2 2 1\nElementType = MET_USHORT", "skip.raw"));
        Assert.That(VolumeFile.Read(tmp.File("end.mhd")).As<ushort>(), Is.EqualTo(values));
    }

    [Test]
    public void AbsoluteDataFilePath_AndGzipCompressedData_AreAccepted()
    {
        using var tmp = new TempFolder();
        using var other = new TempFolder();
        var values = new int[] { -7, 0, 123456789, 5 };
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) z.Write(Bytes(values));
        File.WriteAllBytes(other.File("data.gz"), gz.ToArray());
        File.WriteAllBytes(tmp.File("abs.mhd"), Header($"NDims = 3\nCompressedData = True\nDimSize = 2 2 1\nElementType = MET_INT", other.File("data.gz")));
        Assert.That(VolumeFile.Read(tmp.File("abs.mhd")).As<int>(), Is.EqualTo(values));
    }

    [Test]
    public void OverwritingAnMhd_ReplacesBothFiles()
    {
        using var tmp = new TempFolder();
        var a = Make(VoxelType.UInt8, seed: 1);
        var b = Make(VoxelType.UInt8, seed: 2);
        VolumeFile.Write(a, tmp.File("x.mhd"), new VolumeWriteOptions { Compress = false });
        VolumeFile.Write(b, tmp.File("x.mhd"), new VolumeWriteOptions { Compress = false });
        Assert.That(FilesIn(tmp.Path), Is.EqualTo(new[] { "x.mhd", "x.raw" }));
        Assert.That(VolumeFile.Read(tmp.File("x.mhd")).As<byte>(), Is.EqualTo(b.As<byte>()));
    }

    internal static byte[] Header(string fields, string dataFile)
        => Encoding.ASCII.GetBytes(fields.TrimEnd('\n') + "\nElementDataFile = " + dataFile + "\n");

    internal static byte[] Bytes<T>(T[] values) where T : unmanaged
        => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
