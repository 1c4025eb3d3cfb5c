using Newtonsoft.Json.Linq;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

/// <summary>Runs tests/tools/plot_reference.py (matplotlib / numpy / scipy, independent of SkiaSharp): the reference decoder of every figure and parses its JSON line.</summary>
static class PlotReference
{
    /// <summary>Raw little-endian values for the script (x64 and arm64 are little-endian).</summary>
    public static void WriteRaw<T>(string path, T[] data) where T : unmanaged
        => File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    public static JObject Run(params string[] args)
    {
        var all = new List<string> { ExternalTool.ToolScript("plot_reference.py") };
        all.AddRange(args);
        return JObject.Parse(ExternalTool.Check(ExternalTool.Python, all.ToArray()));
    }

    public static string I(int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>matplotlib's viridis colour at each position in [0, 1].</summary>
    public static Rgb[] Viridis(params double[] t)
        => ToRgb(Run(new[] { "viridis" }.Concat(t.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))).ToArray()));

    static Rgb[] ToRgb(JObject o) => o["rgb"]!.Select(t => new Rgb((byte)t[0]!.Value<int>(), (byte)t[1]!.Value<int>(), (byte)t[2]!.Value<int>())).ToArray();

    /// <summary>Several PNGs decoded by one matplotlib process (CRCs and opacity asserted), keyed by path.</summary>
    public static Dictionary<string, DecodedPng> DecodeAll(IEnumerable<string> pngs, TempFolder tmp)
    {
        var o = Run(new[] { "decode_many", tmp.Path }.Concat(pngs).ToArray());
        var d = new Dictionary<string, DecodedPng>();
        foreach (var image in o["images"]!)
        {
            string png = image["png"]!.Value<string>()!;
            Assert.That(image["crc_ok"]!.Value<bool>(), Is.True, $"{png}: every chunk CRC matches zlib.crc32");
            Assert.That(image["opaque"]!.Value<bool>(), Is.True, $"{png}: opaque");
            d[png] = new DecodedPng(image["width"]!.Value<int>(), image["height"]!.Value<int>(), File.ReadAllBytes(image["raw"]!.Value<string>()!));
        }
        return d;
    }

    /// <summary>
    /// The figure saved and decoded independently: its size as the figure says, every chunk CRC right, opaque, and the
    /// title drawn (dark glyph pixels in the band above the data area, so a missing font fails).
    /// </summary>
    public static (string Path, DecodedPng Png) SaveAndCheck(Figure f, TempFolder tmp, string name)
    {
        string png = tmp.File(name);
        f.Save(png);
        var decoded = DecodeAll(new[] { png }, tmp)[png];
        Assert.That((decoded.Width, decoded.Height), Is.EqualTo((f.Width, f.Height)), "size read back by matplotlib");
        Assert.That(decoded.Dark(new PixelRect(0, 0, f.Width, f.PlotArea.Top - 2)), Is.GreaterThan(10), "title glyphs above the data area");
        return (png, decoded);
    }
}
