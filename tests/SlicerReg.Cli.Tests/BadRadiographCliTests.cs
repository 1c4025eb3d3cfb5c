using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// Issue 21, as a user meets it on the command line: `register` refused (exit 1, nothing written) a radiograph with NaN
/// pixels instead of writing an empty result; every message names the file and never a .NET parameter name; `info` on a
/// detached header whose data file is a FIFO fails at once instead of blocking forever.
/// </summary>
[NonParallelizable]
public class BadRadiographCliTests
{
    TempFolder _tmp = null!;
    string _ap = null!, _lat = null!;
    static string Model => Path.Combine(ExternalTool.RepoRoot, "atlas", "models", "femur-tiny");

    [OneTimeSetUp]
    public void RenderRadiographs()
    {
        _tmp = new TempFolder();
        string ct = Path.Combine(ExternalTool.RepoRoot, "atlas", "tiny", "femur_atlas.nrrd");
        _ap = _tmp.File("ap.nrrd"); _lat = _tmp.File("lat.nrrd");
        foreach (var (view, path) in new[] { ("ap", _ap), ("lateral", _lat) })
        {
            var (code, _, err) = SlicerRegProcess.Run("drr", "--ct", ct, "--view", view, "--out", path);
            Assert.That(code, Is.EqualTo(0), err);
        }
    }

    [OneTimeTearDown]
    public void Clean() => _tmp.Dispose();

    /// <summary>A copy of a radiograph (written by our writer, calibration kept) with its pixels edited.</summary>
    string Edited(string source, string name, Action<float[]> edit)
    {
        var r = Radiograph.Read(source);
        edit(r.Image.Pixels);
        string path = _tmp.File(name);
        r.Write(path);
        return path;
    }

    (int Code, string Err, string Out) Register(string ap, string lat)
    {
        string outDir = _tmp.File("out-" + Path.GetFileNameWithoutExtension(ap) + "-" + Path.GetFileNameWithoutExtension(lat));
        var (code, _, err) = SlicerRegProcess.Run("register", "--ap", ap, "--lat", lat, "--model", Model, "--out", outDir);
        return (code, err, outDir);
    }

    [Test]
    public void Register_EveryHundredthPixelNaN_IsRefusedNamingTheFile_NothingWritten()
    {
        string bad = Edited(_ap, "ap_nan.nrrd", p => { for (int n = 0; n < p.Length; n += 100) p[n] = float.NaN; });
        var (code, err, outDir) = Register(bad, _lat);
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err.Trim(), Is.EqualTo($"slicerreg register: {bad}: 359 of 35840 pixels are NaN or infinite (first at column 0, row 0); every pixel must be a finite number"));
        Assert.That(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), Is.False, "no result written");
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void Register_NoFinitePixel_NamesTheFile_NotAParameter(float value)
    {
        string bad = Edited(_lat, $"lat_{(float.IsNaN(value) ? "nan" : "inf")}.nrrd", p => Array.Fill(p, value));
        var (code, err, _) = Register(_ap, bad);
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain($"{bad}: 35840 of 35840 pixels are NaN or infinite"));
        Assert.That(err, Does.Not.Contain("Parameter"));
    }

    [Test]
    public void Register_TheSameViewTwice_IsRefused()
    {
        var (code, err, _) = Register(_ap, _ap);
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain($"{_ap} and {_ap}: the two views look along the same direction (0° apart)"));
    }

    [Test]
    public void Info_DetachedHeaderWhoseDataFileIsAFifo_FailsAtOnce()
    {
        string pipe = _tmp.File("pipe.raw");
        ExternalTool.Check("mkfifo", pipe);
        string header = _tmp.File("fifo.nhdr");
        File.WriteAllText(header, "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 3 4\nencoding: raw\ndata file: pipe.raw\n");
        var (code, _, err) = SlicerRegProcess.Run("info", header); // the process timeout (300 s) would fail a hang
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err.Trim(), Is.EqualTo($"slicerreg info: {header}: its data file {pipe} is a FIFO (named pipe), not a regular file (only files on disk are read)"));
    }
}
