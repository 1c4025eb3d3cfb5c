using Newtonsoft.Json.Linq;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

/// <summary>Runs tests/tools/plot_reference.py (matplotlib / numpy / scipy, independent of our PNG reader) and parses its JSON line.</summary>
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

    /// <summary>Pixels of exactly <paramref name="c"/> in the PNG (inside <paramref name="within"/> if given), by matplotlib.</summary>
    public static (int Count, int[] Rows, int[] Columns) Colour(string png, Rgb c, PixelRect? within = null)
    {
        var args = new List<string> { "colour", png, I(c.R), I(c.G), I(c.B) };
        if (within is { } r) args.AddRange(new[] { I(r.Left), I(r.Top), I(r.Width), I(r.Height) });
        var o = Run(args.ToArray());
        return (o["count"]!.Value<int>(), o["rows"]!.Values<int>().ToArray(), o["columns"]!.Values<int>().ToArray());
    }

    /// <summary>Colours at (x, y) positions, read by matplotlib.</summary>
    public static Rgb[] Pixels(string png, params (int X, int Y)[] at)
    {
        var args = new List<string> { "pixels", png };
        foreach (var (x, y) in at) { args.Add(I(x)); args.Add(I(y)); }
        return Run(args.ToArray())["rgb"]!.Select(t => new Rgb((byte)t[0]!.Value<int>(), (byte)t[1]!.Value<int>(), (byte)t[2]!.Value<int>())).ToArray();
    }

    /// <summary>Decodes with matplotlib; asserts CRCs and chunk layout, returns the pixels.</summary>
    public static (int Width, int Height, byte[] Rgb) Decode(string png, TempFolder tmp)
    {
        string raw = tmp.File(Path.GetFileNameWithoutExtension(png) + ".decoded.raw");
        var o = Run("decode", png, raw);
        Assert.That(o["crc_ok"]!.Value<bool>(), Is.True, $"{png}: every chunk CRC matches zlib.crc32");
        Assert.That(o["channels"]!.Value<int>(), Is.EqualTo(3), $"{png}: RGB");
        return (o["width"]!.Value<int>(), o["height"]!.Value<int>(), File.ReadAllBytes(raw));
    }

    /// <summary>Several PNGs decoded by one matplotlib process (CRCs and RGB asserted), keyed by path.</summary>
    public static Dictionary<string, (int Width, int Height, byte[] Rgb)> DecodeAll(IEnumerable<string> pngs, TempFolder tmp)
    {
        var o = Run(new[] { "decode_many", tmp.Path }.Concat(pngs).ToArray());
        var d = new Dictionary<string, (int, int, byte[])>();
        foreach (var image in o["images"]!)
        {
            string png = image["png"]!.Value<string>()!;
            Assert.That(image["crc_ok"]!.Value<bool>(), Is.True, $"{png}: every chunk CRC matches zlib.crc32");
            Assert.That(image["channels"]!.Value<int>(), Is.EqualTo(3), $"{png}: RGB");
            d[png] = (image["width"]!.Value<int>(), image["height"]!.Value<int>(), File.ReadAllBytes(image["raw"]!.Value<string>()!));
        }
        return d;
    }

    /// <summary>The figure's canvas saved, decoded independently and equal byte for byte to what was drawn.</summary>
    public static string SaveAndCheck(Figure f, TempFolder tmp, string name)
    {
        string png = tmp.File(name);
        f.Save(png);
        var (w, h, rgb) = Decode(png, tmp);
        Assert.That((w, h), Is.EqualTo((f.Canvas.Width, f.Canvas.Height)), "size read back by matplotlib");
        Assert.That(rgb, Is.EqualTo(f.Canvas.Rgb), "pixels read back by matplotlib");
        return png;
    }
}
