using SlicerReg.Plotting;

namespace SlicerReg.Plotting.Tests;

/// <summary>
/// A PNG as matplotlib decoded it (<see cref="PlotReference.Decode"/>: RGB, row 0 at the top), with the statistics the
/// tests compare against the data: pixels near a colour in a rectangle, per-column profiles, dark (glyph) pixels.
/// </summary>
sealed class DecodedPng(int width, int height, byte[] rgb)
{
    public int Width { get; } = width;
    public int Height { get; } = height;

    public sealed record Found(int Count, int[] Rows, int[] Columns, double? MeanRow, double? MeanColumn);

    public Rgb this[int x, int y] { get { int n = 3 * (y * Width + x); return new Rgb(rgb[n], rgb[n + 1], rgb[n + 2]); } }

    /// <summary>Largest channel difference: how far apart two colours are.</summary>
    public static int Distance(Rgb a, Rgb b) => Math.Max(Math.Abs(a.R - b.R), Math.Max(Math.Abs(a.G - b.G), Math.Abs(a.B - b.B)));

    IEnumerable<(int X, int Y)> Pixels(PixelRect? within)
    {
        var r = within ?? new PixelRect(0, 0, Width, Height);
        for (int y = Math.Max(0, r.Top); y < Math.Min(Height, r.Bottom); y++)
            for (int x = Math.Max(0, r.Left); x < Math.Min(Width, r.Right); x++)
                yield return (x, y);
    }

    /// <summary>Pixels within <paramref name="tolerance"/> of <paramref name="c"/> in every channel (0: exactly it; more for anti-aliased drawing).</summary>
    public Found Near(Rgb c, int tolerance, PixelRect? within = null)
    {
        var hits = Pixels(within).Where(p => Distance(this[p.X, p.Y], c) <= tolerance).ToArray();
        return new Found(hits.Length, hits.Select(p => p.Y).Distinct().Order().ToArray(),
                         hits.Length == 0 ? Array.Empty<int>() : new[] { hits.Min(p => p.X), hits.Max(p => p.X) },
                         hits.Length == 0 ? null : hits.Average(p => p.Y), hits.Length == 0 ? null : hits.Average(p => p.X));
    }

    /// <summary>Per column of <paramref name="within"/>: the mean row of the pixels near <paramref name="c"/> (null: none) and their count.</summary>
    public (int Column, double? MeanRow, int Count)[] Profile(Rgb c, int tolerance, PixelRect within)
        => Pixels(within).Where(p => Distance(this[p.X, p.Y], c) <= tolerance).GroupBy(p => p.X)
                         .Select(g => (g.Key, (double?)g.Average(p => p.Y), g.Count()))
                         .Concat(Enumerable.Range(Math.Max(0, within.Left), Math.Max(0, Math.Min(Width, within.Right) - Math.Max(0, within.Left))).Select(x => (x, (double?)null, 0)))
                         .GroupBy(p => p.Item1).Select(g => g.First()).OrderBy(p => p.Item1).ToArray();

    /// <summary>How many pixels are darker than mid-grey in every channel (glyphs on white).</summary>
    public int Dark(PixelRect within) => Pixels(within).Count(p => { var c = this[p.X, p.Y]; return c.R < 128 && c.G < 128 && c.B < 128; });

    /// <summary>The fraction of pixels that are not white.</summary>
    public double NonWhite => Pixels(null).Count(p => this[p.X, p.Y] != Rgb.White) / (double)(Width * Height);
}
