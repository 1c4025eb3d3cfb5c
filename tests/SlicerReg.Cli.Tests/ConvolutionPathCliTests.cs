using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// `slicerreg version` says which convolution path runs on this CPU and why (docs/engine-reliability.md); the verdict is
/// cached per CPU, libtorch and build, a cache that does not match or does not parse is checked afresh, and a forced path
/// is still checked.
/// </summary>
public class ConvolutionPathCliTests
{
    [Test]
    public void VersionReportsThePathAndCachesTheVerdictSafely()
    {
        using var tmp = new TempFolder();
        var env = new Dictionary<string, string> { ["XDG_CACHE_HOME"] = tmp.Path, ["SLICERREG_CONVOLUTION"] = "" };
        string cache = Path.Combine(tmp.Path, "slicerreg", "convolution-check.json");

        var (code, o, e) = SlicerRegProcess.RunWith(env, "version");
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("CPU: ").And.Contain("convolution path: ").And.Contain("self-check OneDnn: "));
        Assert.That(o, Does.Not.Contain("cached in"), "the first run checks");
        Assert.That(File.Exists(cache), Is.True, "and keeps its verdict");
        string path = o.Split('\n').Single(l => l.StartsWith("convolution path: ", StringComparison.Ordinal)).Split(' ')[2];

        (code, o, e) = SlicerRegProcess.RunWith(env, "version");
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("convolution path: " + path).And.Contain("cached in " + cache), "the second run reuses it");

        // A verdict made for another CPU (or libtorch, or build) is not reused; nor is a damaged file, and neither stops the run.
        File.WriteAllText(cache, File.ReadAllText(cache).Replace("\"key\": \"", "\"key\": \"another CPU "));
        (code, o, e) = SlicerRegProcess.RunWith(env, "version");
        Assert.That((code, o.Contains("cached in")), Is.EqualTo((0, false)), e);
        File.WriteAllText(cache, "{ not json");
        (code, o, e) = SlicerRegProcess.RunWith(env, "version");
        Assert.That((code, o.Contains("cached in")), Is.EqualTo((0, false)), e);
        Assert.That(o, Does.Contain("convolution path: " + path));
    }

    [Test]
    public void AForcedPathIsStillCheckedAndAWrongOneIsRefused()
    {
        using var tmp = new TempFolder();
        var (code, o, e) = SlicerRegProcess.RunWith(new Dictionary<string, string> { ["XDG_CACHE_HOME"] = tmp.Path, ["SLICERREG_CONVOLUTION"] = "OneDnnChannelAligned" }, "version");
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain("convolution path: OneDnnChannelAligned (forced by SLICERREG_CONVOLUTION; self-check: OneDnnChannelAligned: "));
        (code, _, e) = SlicerRegProcess.RunWith(new Dictionary<string, string> { ["XDG_CACHE_HOME"] = tmp.Path, ["SLICERREG_CONVOLUTION"] = "fastest" }, "version");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(e, Does.Contain("SLICERREG_CONVOLUTION='fastest'").And.Contain("OneDnnChannelAligned"));
    }
}
