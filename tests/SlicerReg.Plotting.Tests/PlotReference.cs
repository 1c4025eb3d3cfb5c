using Newtonsoft.Json.Linq;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

/// <summary>Runs tests/tools/plot_reference.py (matplotlib / numpy / scipy, independent of SkiaSharp) and parses its JSON line.</summary>
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

    static string[] Rect(PixelRect r) => new[] { I(r.Left), I(r.Top), I(r.Width), I(r.Height) };

    public sealed record Found(int Count, int[] Rows, int[] Columns, double? MeanRow, double? MeanColumn);

    /// <summary>Pixels within <paramref name="tolerance"/> of <paramref name="c"/> in every channel (inside <paramref name="within"/> if given), by matplotlib.</summary>
    public static Found Near(string png, Rgb c, int tolerance, PixelRect? within = null)
    {
        var args = new List<string> { "near", png, I(c.R), I(c.G), I(c.B), I(tolerance) };
        if (within is { } r) args.AddRange(Rect(r));
        var o = Run(args.ToArray());
        return new Found(o["count"]!.Value<int>(), o["rows"]!.Values<int>().ToArray(), o["columns"]!.Values<int>().ToArray(),
                         o["mean_row"]!.Value<double?>(), o["mean_column"]!.Value<double?>());
    }

    /// <summary>Per column of <paramref name="within"/>: the mean row of the pixels near <paramref name="c"/> (null: none) and their count.</summary>
    public static (int Column, double? MeanRow, int Count)[] Profile(string png, Rgb c, int tolerance, PixelRect within)
    {
        var o = Run(new[] { "profile", png, I(c.R), I(c.G), I(c.B), I(tolerance) }.Concat(Rect(within)).ToArray());
        var cols = o["columns"]!.Values<int>().ToArray();
        var rows = o["mean_row"]!.Select(t => t.Type == JTokenType.Null ? (double?)null : t.Value<double>()).ToArray();
        var counts = o["count"]!.Values<int>().ToArray();
        return cols.Select((x, n) => (x, rows[n], counts[n])).ToArray();
    }

    /// <summary>How many pixels of <paramref name="within"/> are darker than mid-grey (glyphs on white).</summary>
    public static int Dark(string png, PixelRect within) => Run(new[] { "dark", png }.Concat(Rect(within)).ToArray())["count"]!.Value<int>();

    /// <summary>matplotlib's viridis colour at each position in [0, 1].</summary>
    public static Rgb[] Viridis(params double[] t)
        => ToRgb(Run(new[] { "viridis" }.Concat(t.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))).ToArray()));

    /// <summary>Colours at (x, y) positions, read by matplotlib.</summary>
    public static Rgb[] Pixels(string png, params (int X, int Y)[] at)
    {
        var args = new List<string> { "pixels", png };
        foreach (var (x, y) in at) { args.Add(I(x)); args.Add(I(y)); }
        return ToRgb(Run(args.ToArray()));
    }

    static Rgb[] ToRgb(JObject o) => o["rgb"]!.Select(t => new Rgb((byte)t[0]!.Value<int>(), (byte)t[1]!.Value<int>(), (byte)t[2]!.Value<int>())).ToArray();

    /// <summary>Largest channel difference: how far apart two colours are.</summary>
    public static int Distance(Rgb a, Rgb b) => Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B)));

    /// <summary>Several PNGs decoded by one matplotlib process (CRCs and opacity asserted): size and fraction of non-white pixels, keyed by path.</summary>
    public static Dictionary<string, (int Width, int Height, double NonWhite)> DecodeAll(IEnumerable<string> pngs, TempFolder tmp)
    {
        var o = Run(new[] { "decode_many", tmp.Path }.Concat(pngs).ToArray());
        var d = new Dictionary<string, (int, int, double)>();
        foreach (var image in o["images"]!)
        {
            string png = image["png"]!.Value<string>()!;
            Assert.That(image["crc_ok"]!.Value<bool>(), Is.True, $"{png}: every chunk CRC matches zlib.crc32");
            Assert.That(image["opaque"]!.Value<bool>(), Is.True, $"{png}: opaque");
            d[png] = (image["width"]!.Value<int>(), image["height"]!.Value<int>(), image["nonwhite"]!.Value<double>());
        }
        return d;
    }

    /// <summary>
    /// The figure saved and decoded independently: its size as the figure says, every chunk CRC right, opaque, and the
    /// title drawn (dark glyph pixels in the band above the data area, so a missing font fails).
    /// </summary>
    public static string SaveAndCheck(Figure f, TempFolder tmp, string name)
    {
        string png = tmp.File(name);
        f.Save(png);
        var (w, h, _) = DecodeAll(new[] { png }, tmp)[png];
        Assert.That((w, h), Is.EqualTo((f.Width, f.Height)), "size read back by matplotlib");
        Assert.That(Dark(png, new PixelRect(0, 0, f.Width, f.PlotArea.Top - 2)), Is.GreaterThan(10), "title glyphs above the data area");
        return png;
    }
}
