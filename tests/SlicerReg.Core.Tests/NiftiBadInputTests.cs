using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;
using static SlicerReg.Core.Tests.NiftiTestSupport;

namespace SlicerReg.Core.Tests;

/// <summary>Broken files must fail with an <see cref="ImageFormatException"/> that names the file and the problem.</summary>
[TestFixture]
public class NiftiBadInputTests
{
    static readonly NiftiFormat Nifti = new();

    /// <summary>A valid small file from nibabel (an independent writer), which the tests then damage.</summary>
    static string ValidFile(TempFolder tmp, string name = "good.nii", string dtype = "int16", string forms = "both")
    {
        var v = RandomVolume(VoxelType.Int16, TestGeometry("oblique"));
        var spec = Spec(v, forms);
        string path = tmp.File(name);
        if (dtype == "int16") Make(path, v.Bytes.ToArray(), spec, tmp);
        else
        {
            // a type we do not read: zero voxels of that numpy dtype
            spec["dtype"] = dtype;
            int size = dtype switch { "int8" => 1, "uint32" => 4, "int64" or "complex64" => 8, _ => throw new ArgumentException(dtype) };
            Make(path, new byte[v.VoxelCount * size], spec, tmp);
        }
        return path;
    }

    static ImageFormatException Fails(string path, params string[] words)
    {
        var e = Assert.Throws<ImageFormatException>(() => Nifti.Read(path))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(path), "the message names the file");
        foreach (var w in words) Assert.That(e.Message, Does.Contain(w).IgnoreCase, "the message names the problem");
        // and through the format-neutral entry point too
        var e2 = Assert.Throws<ImageFormatException>(() => VolumeFile.Read(path))!;
        Assert.That(e2.Message, Is.EqualTo(e.Message));
        return e;
    }

    [Test]
    public void TruncatedData()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        Fails(path, "truncated");
    }

    [Test]
    public void TruncatedHeader()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..200]);
        Fails(path, "ends inside the NIfTI header");
    }

    [Test]
    public void GzipEndingEarly([Values(0.3, 0.9)] double keep)
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp, "good.nii.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * keep)]);
        var e = Assert.Throws<ImageFormatException>(() => Nifti.Read(path))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(e.Message, Does.Contain("gzip").IgnoreCase);
    }

    [Test]
    public void CorruptGzip()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp, "good.nii.gz");
        var bytes = File.ReadAllBytes(path);
        for (int n = 20; n < bytes.Length - 8; n += 7) bytes[n] ^= 0x5a;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ImageFormatException>(() => Nifti.Read(path))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(path));
    }

    [TestCase("int8", 256)]
    [TestCase("uint32", 768)]
    [TestCase("int64", 1024)]
    [TestCase("complex64", 32)]
    public void UnsupportedDatatype(string dtype, int code)
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp, dtype: dtype);
        Assert.That(Dump(path, tmp).Datatype, Is.EqualTo(code), "nibabel wrote the datatype under test");
        Fails(path, $"unsupported datatype {code}");
    }

    /// <summary>Huge declared sizes are refused from the header alone, before any allocation (the file is tiny).</summary>
    [Test]
    public void AbsurdDimensionsAreRefusedBeforeAllocating()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        for (int n = 1; n <= 3; n++) PatchInt16(path, 40 + 2 * n, 32767);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(path, "more than the limit");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(50_000_000), "no voxel buffer was allocated");
    }

    [TestCase(0, (short)-4, "dim[3]")]
    [TestCase(1, (short)0, "dim[0]")]
    [TestCase(2, (short)6, "dim[0]")]
    public void BadDimensions(int which, short value, string named)
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        PatchInt16(path, which == 0 ? 46 : 40, value);
        Fails(path, named);
    }

    [Test]
    public void TimeSeriesIsRefused()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        PatchInt16(path, 40, 4);
        PatchInt16(path, 48, 3);
        Fails(path, "time series");
    }

    [Test]
    public void NonInvertibleSform()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp, forms: "sform");
        for (int n = 0; n < 4; n++) PatchFloat(path, 296 + 4 * n, 0); // srow_y = 0: the grid collapses onto a plane
        Fails(path, "sform is not invertible");
    }

    [Test]
    public void NonInvertibleQform()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp, forms: "qform");
        PatchFloat(path, 76 + 4 * 3, 0); // pixdim[3] = 0
        Fails(path, "qform is not invertible");
    }

    [Test]
    public void WrongSizeofHdr()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        PatchInt32(path, 0, 300);
        Fails(path, "sizeof_hdr is 300");
    }

    [Test]
    public void Nifti2IsNamed()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        PatchInt32(path, 0, 540);
        Fails(path, "NIfTI-2");
    }

    [TestCase("abc\0", "magic")]
    [TestCase("ni1\0", ".hdr/.img")]
    public void WrongMagic(string magic, string named)
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        Patch(path, 344, System.Text.Encoding.ASCII.GetBytes(magic));
        Fails(path, named);
    }

    [Test]
    public void VoxOffsetInsideHeader()
    {
        using var tmp = new TempFolder();
        string path = ValidFile(tmp);
        PatchFloat(path, 108, 100);
        Fails(path, "vox_offset");
    }

    [Test]
    public void NotANiftiAtAll()
    {
        using var tmp = new TempFolder();
        string path = tmp.File("text.nii");
        File.WriteAllText(path, new string('x', 1000));
        Fails(path, "sizeof_hdr");
    }
}
