using System.Text.Json;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NrrdTestVolumes;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Cross-checks against plastimatch 1.9.4 (ITK 5.2 NrrdImageIO/NiftiImageIO, an independent implementation) and nibabel.
/// (a) ours → NRRD → plastimatch → NIfTI → nibabel: voxels byte-exact, nibabel's RAS affine = our IJK→RAS within 1e-4 mm.
/// (b) nibabel → NIfTI → plastimatch → NRRD → ours: same check the other way.
/// <para>
/// What plastimatch does with vector components (observed here): it copies them unchanged between NRRD and NIfTI while it
/// converts the grid between LPS (ITK) and the NIfTI RAS affine. So a displacement field's components stay in ITK's LPS in
/// the NIfTI file. It reads a NIfTI vector image only when intent_code is 1007 (NIFTI_INTENT_VECTOR): with 1006 (DISPVECT) or
/// 0 it keeps the first component only, so test (b) uses 1007. It preserves every voxel type we hold (uint8 … double).
/// </para>
/// </summary>
public class NrrdPlastimatchTests
{
    static readonly NrrdFormat Nrrd = new();

    sealed record Dumped(JsonElement Json, byte[] Raw)
    {
        public string Dtype => Json.GetProperty("dtype").GetString()!;
        public int[] Shape => Json.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        public double[,] Affine
        {
            get
            {
                var a = new double[4, 4];
                int r = 0;
                foreach (var row in Json.GetProperty("affine").EnumerateArray())
                {
                    int c = 0;
                    foreach (var x in row.EnumerateArray()) a[r, c++] = x.GetDouble();
                    r++;
                }
                return a;
            }
        }
    }

    static Dumped Dump(string nii, TempFolder tmp)
    {
        string prefix = tmp.File("dump");
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "dump", nii, prefix);
        using var doc = JsonDocument.Parse(File.ReadAllText(prefix + ".json"));
        return new Dumped(doc.RootElement.Clone(), File.ReadAllBytes(prefix + ".raw"));
    }

    static string NumpyDtype(VoxelType t) => t switch
    {
        VoxelType.UInt8 => "uint8", VoxelType.Int16 => "int16", VoxelType.UInt16 => "uint16",
        VoxelType.Int32 => "int32", VoxelType.Float32 => "float32", _ => "float64",
    };

    /// <summary>nibabel writes a NIfTI from raw voxels and an IJK→RAS affine (tests/tools/nibabel_io.py make).</summary>
    static string MakeNifti(TempFolder tmp, string name, byte[] raw, VoxelType type, ImageGeometry g, int components = 1, int intentCode = 0)
    {
        string rawPath = tmp.File(name + ".in.raw"), jsonPath = tmp.File(name + ".in.json"), nii = tmp.File(name + ".nii");
        File.WriteAllBytes(rawPath, raw);
        var m = g.IjkToRas.ToRowMajor();
        var spec = new
        {
            shape = components == 1 ? new[] { g.Size.I, g.Size.J, g.Size.K } : new[] { g.Size.I, g.Size.J, g.Size.K, 1, components },
            dtype = NumpyDtype(type),
            affine = new[] { m[0..4], m[4..8], m[8..12], m[12..16] },
            forms = "both",
            intent_code = intentCode,
        };
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(spec));
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "make", nii, rawPath, jsonPath);
        return nii;
    }

    static void AssertDumpMatches(Volume v, Dumped d, byte[] expectedRaw)
    {
        Assert.That(d.Dtype, Is.EqualTo(NumpyDtype(v.VoxelType)), "plastimatch changed the voxel type");
        Assert.That(d.Shape.Take(3), Is.EqualTo(v.Size.ToArray()), "shape");
        Assert.That(d.Raw.SequenceEqual(expectedRaw), Is.True, "voxels differ");
        AssertSameIjkToRas(v.Geometry, d.Affine, 1e-4);
    }

    // ------------------------------------------------------------------ (a) ours → plastimatch

    [Test]
    public void OursReadByPlastimatch(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values] bool compress,
        [Values(".nrrd", ".nhdr")] string extension,
        [Values(CoordinateSystem.RAS, CoordinateSystem.LPS)] CoordinateSystem space)
    {
        using var tmp = new TempFolder();
        var v = Random(type, Oblique(), seed: 100 + (int)type);
        string nrrd = tmp.File("ours" + extension), nii = tmp.File("theirs.nii");
        Nrrd.Write(v, nrrd, new VolumeWriteOptions { Compress = compress, Space = space });
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", nrrd, "--output-img", nii);
        AssertDumpMatches(v, Dump(nii, tmp), v.Bytes.ToArray());
    }

    [Test]
    public void OursAxisAlignedReadByPlastimatch([ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type)
    {
        using var tmp = new TempFolder();
        var v = Random(type, AxisAligned(), seed: 200 + (int)type);
        string nrrd = tmp.File("ours.nrrd"), nii = tmp.File("theirs.nii");
        Nrrd.Write(v, nrrd);
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", nrrd, "--output-img", nii);
        AssertDumpMatches(v, Dump(nii, tmp), v.Bytes.ToArray());
    }

    [Test]
    public void OurLabelMapReadByPlastimatch()
    {
        using var tmp = new TempFolder();
        var v = LabelMap(Oblique());
        string nrrd = tmp.File("femur_label.nrrd"), nii = tmp.File("theirs.nii");
        Nrrd.Write(v, nrrd);
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", nrrd, "--output-img", nii);
        AssertDumpMatches(v, Dump(nii, tmp), v.Bytes.ToArray());
    }

    [Test]
    public void OurDisplacementFieldReadByPlastimatchHasLpsComponents([Values] bool compress)
    {
        using var tmp = new TempFolder();
        var v = DisplacementField(Oblique());
        string nrrd = tmp.File("field.nrrd"), nii = tmp.File("theirs.nii");
        Nrrd.Write(v, nrrd, new VolumeWriteOptions { Compress = compress });
        // plastimatch treats a vector NRRD as a transform: xf-convert writes it as a NIfTI vector field.
        ExternalTool.Check(ExternalTool.Plastimatch, "xf-convert", "--input", nrrd, "--output", nii);
        var d = Dump(nii, tmp);
        Assert.That(d.Shape, Is.EqualTo(new[] { 7, 5, 4, 1, 3 }));
        var lps = (float[])v.As<float>().Clone();
        for (int n = 0; n < lps.Length; n += 3) { lps[n] = -lps[n]; lps[n + 1] = -lps[n + 1]; }
        var expected = new byte[lps.Length * 4];
        Buffer.BlockCopy(lps, 0, expected, 0, expected.Length);
        AssertDumpMatches(v, d, expected);
    }

    /// <summary>
    /// Slicer's vtkSlicerTransformsReader loads a NRRD as a grid transform when itk::NrrdImageIO reports a 3D image with
    /// vector voxels and metadata intent_code "1006". ITK inside plastimatch shows both: converting our field to MetaImage
    /// (which writes ITK's metadata dictionary out) gives NDims 3, 3 channels and intent_code = 1006.
    /// </summary>
    [Test]
    public void ItkSeesOurDisplacementFieldAsA3dVectorImageWithDisplacementIntent()
    {
        using var tmp = new TempFolder();
        string nrrd = tmp.File("field.nrrd"), mha = tmp.File("theirs.mha");
        Nrrd.Write(DisplacementField(AxisAligned()), nrrd);
        ExternalTool.Check(ExternalTool.Plastimatch, "xf-convert", "--input", nrrd, "--output", mha);
        var bytes = File.ReadAllBytes(mha);
        string header = System.Text.Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        Assert.That(header, Does.Contain("NDims = 3"));
        Assert.That(header, Does.Contain("ElementNumberOfChannels = 3"));
        Assert.That(header, Does.Contain("intent_code = 1006"));
    }

    // ------------------------------------------------------------------ (b) plastimatch → ours

    [Test]
    public void PlastimatchNrrdReadByUs(
        [ValueSource(typeof(VoxelTypes), nameof(VoxelTypes.All))] VoxelType type,
        [Values(".nrrd", ".nhdr")] string extension)
    {
        using var tmp = new TempFolder();
        var expected = Random(type, Oblique(), seed: 300 + (int)type);
        string nii = MakeNifti(tmp, "theirs", expected.Bytes.ToArray(), type, expected.Geometry);
        string nrrd = tmp.File("converted" + extension);
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", nii, "--output-img", nrrd);
        // ITK writes .nrrd attached+gzip and .nhdr detached+raw, both in LPS.
        var header = File.ReadAllText(nrrd, System.Text.Encoding.Latin1);
        Assert.That(header, Does.Contain(extension == ".nrrd" ? "encoding: gzip" : "encoding: raw"));
        Assert.That(header, Does.Contain("space: left-posterior-superior"));
        var r = Nrrd.Read(nrrd);
        AssertSameVoxels(expected, r);
        AssertSameGeometry(expected.Geometry, r.Geometry, 1e-4);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.Scalar));
    }

    [Test]
    public void PlastimatchLabelMapReadByUsAsLabelMap()
    {
        using var tmp = new TempFolder();
        var expected = LabelMap(Oblique());
        string nii = MakeNifti(tmp, "theirs", expected.Bytes.ToArray(), VoxelType.UInt8, expected.Geometry);
        string nrrd = tmp.File("femur-label.nrrd");
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", nii, "--output-img", nrrd);
        var r = Nrrd.Read(nrrd);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.LabelMap), "Slicer's file-name rule: 'label' word in the name");
        AssertSameVoxels(expected, r);
        AssertSameGeometry(expected.Geometry, r.Geometry, 1e-4);
    }

    [Test]
    public void PlastimatchDisplacementFieldReadByUsInRas([Values(".nrrd", ".nhdr")] string extension)
    {
        using var tmp = new TempFolder();
        var g = Oblique();
        // Components as ITK holds them (LPS); intent 1007 because plastimatch reads only 1007 NIfTI as vectors.
        var lps = DisplacementField(g, seed: 9);
        string nii = MakeNifti(tmp, "theirs", lps.Bytes.ToArray(), VoxelType.Float32, g, components: 3, intentCode: 1007);
        string nrrd = tmp.File("field" + extension);
        ExternalTool.Check(ExternalTool.Plastimatch, "xf-convert", "--input", nii, "--output", nrrd);
        var r = Nrrd.Read(nrrd);
        Assert.That(r.Kind, Is.EqualTo(VolumeKind.DisplacementField), "ITK rule: float 3-vector, kind vector, LPS space");
        AssertSameGeometry(g, r.Geometry, 1e-4);
        var inFile = lps.As<float>();
        var ras = r.As<float>();
        for (int n = 0; n < ras.Length; n++)
            Assert.That(ras[n], Is.EqualTo(n % 3 == 2 ? inFile[n] : -inFile[n]), $"element {n}: RAS = LPS with x, y negated");
    }

    // ------------------------------------------------------------------ hand-written headers: plastimatch and we agree

    /// <summary>Header variants our writer never produces; plastimatch (teem inside ITK) is the reference reading.</summary>
    static IEnumerable<TestCaseData> HandWrittenHeaders()
    {
        // (name, header lines after magic, data maker)
        yield return new TestCaseData("NRRD0001", "type: unsigned short\ndimension: 3\nsizes: 7 5 4\nspacings: 0.5 1.5 2\nendian: big\nencoding: raw\n", VoxelType.UInt16, "big")
            .SetName("SpacingsOnlyBigEndianNoSpaceIsLps");
        yield return new TestCaseData("NRRD0004", "type: uint16_t\ndimension: 3\nsizes: 7 5 4\nspacings: 0.5 1.5 2\naxis mins: 10 -20 30\nendian: little\nencoding: raw\n", VoxelType.UInt16, "raw")
            .SetName("AxisMinsDefaultCellCentred");
        yield return new TestCaseData("NRRD0004", "type: uint16_t\ndimension: 3\nsizes: 7 5 4\nspacings: 0.5 1.5 2\naxismins: 10 -20 30\ncenterings: node cell node\nendian: little\nencoding: raw\n", VoxelType.UInt16, "raw")
            .SetName("AxisMinsNodeAndCellCentred");
        yield return new TestCaseData("NRRD0005", "type: signed short\ndimension: 3\nspace: RAS\nsizes: 7 5 4\nspace directions: (0,1.5,0) (-0.5,0,0) (0,0,2)\nspace origin: (1,2,3)\nendian: little\nencoding: gzip\nbyte skip: 6\n", VoxelType.Int16, "gzip-skip6")
            .SetName("RasAbbreviationGzipWithByteSkip");
        yield return new TestCaseData("NRRD0004", "type: float\ndimension: 3\nspace: LPS\nsizes: 7 5 4\nspace directions: (0.5,0,0) (0,0,1.5) (0,-2,0)\nspace origin: (-5,6,7.5)\nendian: little\nencoding: raw\nline skip: 2\nbyte skip: 3\n", VoxelType.Float32, "lines2-skip3")
            .SetName("LpsAbbreviationRawWithLineAndByteSkip");
        yield return new TestCaseData("NRRD0003", "type: int\ndimension: 3\nspace: left-posterior-superior\nsizes: 7 5 4\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nendian: little\nencoding: raw\nbyte skip: -1\n", VoxelType.Int32, "skip-1")
            .SetName("ByteSkipMinusOneReadsTheFileTail");
        yield return new TestCaseData("NRRD0004", "type: uchar\ndimension: 3\nspace: right-anterior-superior\nsizes: 7 5 4\nspace directions: (0.3,0.4,0) (-0.4,0.3,0) (0,0,1)\nspace origin: (0,0,0)\nencoding: ascii\n", VoxelType.UInt8, "ascii")
            .SetName("AsciiEncodingNeedsNoEndian");
        yield return new TestCaseData("NRRD0004", "type: double\ndimension: 3\nspace: right-anterior-superior\nsizes: 7 5 4\nspace directions: (0.3,0.4,0) (-0.4,0.3,0) (0,0,1)\nspace origin: (3,2,1)\nendian: big\nencoding: gz\n", VoxelType.Float64, "big-gzip")
            .SetName("BigEndianDoubleGz");
    }

    [TestCaseSource(nameof(HandWrittenHeaders))]
    public void HandWrittenNrrdReadAlikeByPlastimatchAndUs(string magic, string fields, VoxelType type, string variant)
    {
        using var tmp = new TempFolder();
        var values = Random(type, AxisAligned(), seed: 400 + (int)type);
        string path = tmp.File("hand.nrrd");
        using (var f = File.Create(path))
        {
            f.Write(System.Text.Encoding.ASCII.GetBytes($"{magic}\n# a comment\n{fields}\n"));
            byte[] le = values.Bytes.ToArray();
            byte[] payload = le;
            if (variant.Contains("big"))
            {
                payload = (byte[])le.Clone();
                int s = type.SizeOf();
                for (int n = 0; n < payload.Length; n += s) Array.Reverse(payload, n, s);
            }
            if (variant == "ascii")
                payload = System.Text.Encoding.ASCII.GetBytes(string.Join(" ", le.Select(b => b.ToString())) + "\n");
            if (variant == "gzip-skip6") payload = Gzip(new byte[] { 1, 2, 3, 4, 5, 6 }.Concat(payload).ToArray());
            else if (variant.Contains("gzip")) payload = Gzip(payload);
            if (variant == "lines2-skip3") payload = System.Text.Encoding.ASCII.GetBytes("junk line one\nline two\n").Concat(new byte[] { 9, 9, 9 }).Concat(payload).ToArray();
            if (variant == "skip-1") payload = new byte[] { 7, 7, 7, 7, 7 }.Concat(payload).ToArray();
            f.Write(payload);
        }
        var ours = Nrrd.Read(path);
        AssertSameVoxels(values, ours);

        string nii = tmp.File("theirs.nii");
        ExternalTool.Check(ExternalTool.Plastimatch, "convert", "--input", path, "--output-img", nii);
        AssertDumpMatches(ours, Dump(nii, tmp), values.Bytes.ToArray());
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return ms.ToArray();
    }
}
