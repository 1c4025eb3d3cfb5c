using System.Diagnostics;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>Timings for a CT-sized volume; explicit (run on demand), it only reports.</summary>
[TestFixture, Explicit("timing report, run on demand")]
public class NiftiPerformanceTests
{
    [Test]
    public void CtSizedReadWriteTimes([Values(".nii", ".nii.gz")] string ext)
    {
        using var tmp = new TempFolder();
        var g = new ImageGeometry(new GridSize(512, 512, 200), new Vec3(0.7, 0.7, 1.25), new Vec3(-180, -180, -120), Mat3.Identity);
        var v = new Volume(g, VoxelType.Int16);
        var a = v.As<short>();
        var rng = new Random(1);
        for (long n = 0; n < a.LongLength; n++) a[n] = (short)(((n % 512) * 3 + (n / 512 % 512)) % 2000 - 1000 + rng.Next(0, 16));
        string path = tmp.File("ct" + ext);
        var nifti = new NiftiFormat();
        var sw = Stopwatch.StartNew();
        nifti.Write(v, path);
        double write = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var r = nifti.Read(path);
        double read = sw.Elapsed.TotalSeconds;
        Assert.That(r.Bytes.SequenceEqual(v.Bytes), Is.True);
        TestContext.Out.WriteLine($"{ext}: 512x512x200 int16 ({v.Bytes.Length / 1e6:F0} MB), file {new FileInfo(path).Length / 1e6:F1} MB, write {write:F2} s, read {read:F2} s");
    }
}
