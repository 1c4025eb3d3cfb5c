using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.MetaImageTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Cross-checks against plastimatch 1.9.4 (ITK 5.2 MetaImageIO inside) and nibabel, both independent of our code:
/// (a) our file → plastimatch → NIfTI → nibabel must hold our voxels and our IJK→RAS;
/// (b) nibabel NIfTI → plastimatch → .mha/.mhd → our reader must give back nibabel's voxels and affine.
/// </summary>
[TestFixture]
public class MetaImagePlastimatchTests
{
    const double AffineToleranceMm = 1e-4;

    static IEnumerable<TestCaseData> AllTypesAllLayouts()
    {
        foreach (var t in VoxelTypes.All)
            foreach (var ext in new[] { ".mha", ".mhd" })
                foreach (var compress in new[] { true, false })
                    yield return new TestCaseData(t, ext, compress).SetArgDisplayNames(t.ToString(), ext, compress ? "zlib" : "raw");
    }

    // ---------------------------------------------------------------- (a) ours -> plastimatch

    [TestCaseSource(nameof(AllTypesAllLayouts))]
    public void OurFileReadByPlastimatch_KeepsVoxelsAndObliqueGeometry(VoxelType type, string ext, bool compress)
    {
        using var tmp = new TempFolder();
        var volume = Make(type);
        string ours = tmp.File("ours" + ext);
        VolumeFile.Write(volume, ours, new VolumeWriteOptions { Compress = compress });

        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", ours, "--output-img", tmp.File("p.nii"));
        var (raw, json) = NibabelDump(tmp.File("p.nii"), tmp.File("p"));

        Assert.That(json.GetProperty("dtype").GetString(), Is.EqualTo(NumpyDtype(type)), "plastimatch/ITK read a different voxel type");
        Assert.That(raw, Is.EqualTo(volume.Bytes.ToArray()), "voxels differ after ITK read our file");
        Assert.That(MaxDifference(AffineOf(json), volume.Geometry.IjkToRas), Is.LessThan(AffineToleranceMm), "IJK->RAS differs");
    }

    [TestCase(".mha", true)]
    [TestCase(".mhd", false)]
    public void OurLabelMapReadByPlastimatch_KeepsLabels(string ext, bool compress)
    {
        using var tmp = new TempFolder();
        var labels = Make(VoxelType.UInt8, kind: VolumeKind.LabelMap);
        string ours = tmp.File("labels" + ext);
        VolumeFile.Write(labels, ours, new VolumeWriteOptions { Compress = compress });

        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", ours, "--output-img", tmp.File("p.nii"));
        var (raw, json) = NibabelDump(tmp.File("p.nii"), tmp.File("p"));
        Assert.That(raw, Is.EqualTo(labels.As<byte>()));
        Assert.That(MaxDifference(AffineOf(json), labels.Geometry.IjkToRas), Is.LessThan(AffineToleranceMm));
        Assert.That(VolumeFile.Read(ours).Kind, Is.EqualTo(VolumeKind.LabelMap), "our own reader should keep the label-map kind");
    }

    /// <summary>ITK reads 3-channel float .mha as a vector field with LPS components; plastimatch copies them unchanged to NIfTI.</summary>
    [TestCase(".mha", true)]
    [TestCase(".mha", false)]
    [TestCase(".mhd", true)]
    public void OurDisplacementFieldReadByPlastimatch_HasLpsComponents(string ext, bool compress)
    {
        using var tmp = new TempFolder();
        var field = Make(VoxelType.Float32, 3, VolumeKind.DisplacementField);
        string ours = tmp.File("field" + ext);
        VolumeFile.Write(field, ours, new VolumeWriteOptions { Compress = compress });

        ExternalTool.Check(ExternalTool.Plastimatch, "xf-convert", "--input", ours, "--output", tmp.File("p.nii"));
        var (raw, json) = NibabelDump(tmp.File("p.nii"), tmp.File("p"));
        var got = new float[raw.Length / 4];
        Buffer.BlockCopy(raw, 0, got, 0, raw.Length);
        Assert.That(json.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 7, 5, 4, 1, 3 }));
        Assert.That(got, Is.EqualTo(ToLps(field.As<float>())), "file components should be LPS (x, y negated from our RAS)");
        Assert.That(MaxDifference(AffineOf(json), field.Geometry.IjkToRas), Is.LessThan(AffineToleranceMm));
    }

    // ---------------------------------------------------------------- (b) plastimatch -> ours

    [TestCaseSource(nameof(AllTypesAllLayouts))]
    public void PlastimatchFileReadByUs_KeepsVoxelsAndObliqueGeometry(VoxelType type, string ext, bool compress)
    {
        using var tmp = new TempFolder();
        var reference = Make(type, seed: 11);
        NibabelMake(reference, tmp.File("ref.nii"), tmp.File("ref"));
        string file = tmp.File("p" + ext);
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", tmp.File("ref.nii"), "--output-img", file);
        Assert.That(HeaderText(file)["ElementType"], Is.EqualTo(ElementTypeName(type)), "plastimatch changed the voxel type");
        if (compress) ZlibCompressWithPython(file);

        var read = VolumeFile.Read(file);
        Assert.That(read.VoxelType, Is.EqualTo(type));
        Assert.That(read.Components, Is.EqualTo(1));
        Assert.That(read.Kind, Is.EqualTo(VolumeKind.Scalar));
        Assert.That(read.Bytes.ToArray(), Is.EqualTo(reference.Bytes.ToArray()));
        Assert.That(MaxDifference(read.Geometry.IjkToRas, reference.Geometry.IjkToRas), Is.LessThan(AffineToleranceMm));
        // Keys ITK adds (e.g. ITK_original_spacing) are kept as metadata, geometry keys are not.
        Assert.That(read.Metadata.Keys, Does.Contain("ITK_original_spacing"));
        Assert.That(read.Metadata.Keys, Has.None.EqualTo("TransformMatrix").And.None.EqualTo("Offset"));
    }

    /// <summary>Several orientations: our AnatomicalOrientation code must equal the one ITK writes for the same direction.</summary>
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void AnatomicalOrientationCode_MatchesItk(int which)
    {
        var directions = new[]
        {
            Mat3.Identity,                                                   // RAS axes: ITK writes LPI
            ObliqueRas(),
            Mat3.FromColumns(new Vec3(0, 0, 1), new Vec3(-1, 0, 0), new Vec3(0, 1, 0)), // i→S, j→R, k→A (sagittal-like)
            Mat3.FromColumns(new Vec3(1, 0, 0), new Vec3(0, 0, -1), new Vec3(0, 1, 0)), // coronal, k→A
        };
        using var tmp = new TempFolder();
        var reference = Make(VoxelType.Int16, geometry: new ImageGeometry(Size, new Vec3(1, 2, 3), new Vec3(1, 2, 3), directions[which]));
        NibabelMake(reference, tmp.File("ref.nii"), tmp.File("ref"));
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", tmp.File("ref.nii"), "--output-img", tmp.File("p.mha"));
        string itkCode = HeaderText(tmp.File("p.mha"))["AnatomicalOrientation"];

        var read = VolumeFile.Read(tmp.File("p.mha"));
        Assert.That(MaxDifference(read.Geometry.IjkToRas, reference.Geometry.IjkToRas), Is.LessThan(AffineToleranceMm));
        VolumeFile.Write(read, tmp.File("ours.mha"));
        Assert.That(HeaderText(tmp.File("ours.mha"))["AnatomicalOrientation"], Is.EqualTo(itkCode));
    }

    /// <summary>A NIfTI vector field (components LPS to ITK) through plastimatch: we must read it as a displacement field in RAS.</summary>
    [TestCase(".mha", false)]
    [TestCase(".mha", true)]
    [TestCase(".mhd", false)]
    public void PlastimatchDisplacementFieldReadByUs_IsRasField(string ext, bool compress)
    {
        using var tmp = new TempFolder();
        var fileComponents = Make(VoxelType.Float32, 3, VolumeKind.Vector, seed: 5); // what plastimatch writes, untouched
        NibabelMake(fileComponents, tmp.File("ref.nii"), tmp.File("ref"), intentCode: 1007);
        string file = tmp.File("p" + ext);
        ExternalTool.Check(ExternalTool.Plastimatch, "xf-convert", "--input", tmp.File("ref.nii"), "--output", file);
        Assert.That(HeaderText(file)["ElementNumberOfChannels"], Is.EqualTo("3"));
        if (compress) ZlibCompressWithPython(file);

        var read = VolumeFile.Read(file);
        Assert.That(read.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(ToLps(read.As<float>()), Is.EqualTo(fileComponents.As<float>()), "RAS in memory = file LPS with x, y negated");
        Assert.That(MaxDifference(read.Geometry.IjkToRas, fileComponents.Geometry.IjkToRas), Is.LessThan(AffineToleranceMm));
    }

    static string ElementTypeName(VoxelType t) => t switch
    {
        VoxelType.UInt8 => "MET_UCHAR", VoxelType.Int16 => "MET_SHORT", VoxelType.UInt16 => "MET_USHORT",
        VoxelType.Int32 => "MET_INT", VoxelType.Float32 => "MET_FLOAT", VoxelType.Float64 => "MET_DOUBLE",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>
    /// plastimatch writes MetaImages uncompressed, so the compressed variant of (b) recompresses its data with Python's
    /// zlib (the C library, independent of .NET's) and edits its header text as MetaIO would write it.
    /// </summary>
    static void ZlibCompressWithPython(string file)
    {
        const string script = """
            import sys, zlib, os
            path = sys.argv[1]
            head = open(path, 'rb').read()
            end = head.index(b'ElementDataFile'); end = head.index(b'\n', end) + 1
            line = head[head.index(b'ElementDataFile'):end].decode()
            name = line.split('=', 1)[1].strip()
            if name == 'LOCAL':
                header, data = head[:end], head[end:]
            else:
                header = head[:end]
                data = open(os.path.join(os.path.dirname(path), name), 'rb').read()
            packed = zlib.compress(data, 6)
            header = header.replace(b'CompressedData = False', b'CompressedData = True\nCompressedDataSize = %d' % len(packed))
            if name == 'LOCAL':
                open(path, 'wb').write(header + packed)
            else:
                zname = os.path.splitext(name)[0] + '.zraw'
                header = header.replace(('ElementDataFile = ' + name).encode(), ('ElementDataFile = ' + zname).encode())
                open(os.path.join(os.path.dirname(path), zname), 'wb').write(packed)
                os.remove(os.path.join(os.path.dirname(path), name))
                open(path, 'wb').write(header)
            """;
        ExternalTool.Check(ExternalTool.Python, "-c", script, file);
        Assert.That(HeaderText(file)["CompressedData"], Is.EqualTo("True"));
    }
}
