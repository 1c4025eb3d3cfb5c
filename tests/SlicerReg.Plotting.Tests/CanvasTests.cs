using System.Diagnostics;
using SlicerReg.Plotting;

namespace SlicerReg.Plotting.Tests;

public class CanvasTests
{
    static List<(int X, int Y)> Painted(Canvas c, Rgb colour)
    {
        var list = new List<(int, int)>();
        for (int y = 0; y < c.Height; y++) for (int x = 0; x < c.Width; x++) if (c[x, y] == colour) list.Add((x, y));
        return list;
    }

    [Test]
    public void Lines_are_clipped_to_the_clip_rectangle_and_far_endpoints_cost_nothing()
    {
        var c = new Canvas(50, 40, Rgb.White) { Clip = new PixelRect(10, 5, 20, 20) };
        var red = new Rgb(255, 0, 0);
        var sw = Stopwatch.StartNew();
        c.Line(-1e12, -1e12, 1e12, 1e12, red);          // the diagonal y = x, from far away
        c.Line(0, 0, double.NaN, 3, red);                // non-finite: nothing
        c.Line(-1e300, 30, 1e300, 30, red);              // outside the clip rows: nothing
        Assert.That(sw.ElapsedMilliseconds, Is.LessThan(200));
        var p = Painted(c, red);
        Assert.That(p, Is.EquivalentTo(Enumerable.Range(10, 15).Select(v => (v, v))), "diagonal pixels (10,10)..(24,24) only");
    }

    [Test]
    public void Bresenham_lines_hit_both_endpoints_and_one_pixel_per_column_when_shallow()
    {
        var c = new Canvas(40, 20, Rgb.White);
        c.Line(2, 3, 35, 12, Rgb.Black);
        var p = Painted(c, Rgb.Black);
        Assert.That(p, Has.Member((2, 3)).And.Member((35, 12)));
        Assert.That(p.Select(q => q.X).Distinct().Count(), Is.EqualTo(p.Count).And.EqualTo(34), "one pixel per column");
        foreach (var (x, y) in p) Assert.That(y, Is.EqualTo(3 + (x - 2) * 9.0 / 33).Within(0.5 + 1e-9));
    }

    [Test]
    public void Text_occupies_its_box_and_glyphs_are_distinct()
    {
        var c = new Canvas(100, 60, Rgb.White);
        c.Text("Mg", 10, 20, Rgb.Black, scale: 2);
        var p = Painted(c, Rgb.Black);
        Assert.That((p.Min(q => q.X), p.Max(q => q.X)), Is.EqualTo((10, 10 + BitmapFont.Width("Mg", 2) - 1)));
        Assert.That((p.Min(q => q.Y), p.Max(q => q.Y)), Is.EqualTo((20, 20 + BitmapFont.Height(2) - 1)), "g's descender reaches the bottom row");
        Assert.That(p.Count % 4, Is.Zero, "scale 2: 2×2 blocks");

        string Bits(char ch) => string.Concat(Enumerable.Range(0, BitmapFont.GlyphWidth * BitmapFont.GlyphHeight).Select(n => BitmapFont.IsSet(ch, n % BitmapFont.GlyphWidth, n / BitmapFont.GlyphWidth) ? '1' : '0'));
        var glyphs = Enumerable.Range(' ', '~' - ' ' + 1).Select(i => (char)i).Concat("±°×·µ").ToArray();
        Assert.That(glyphs.Select(Bits).Distinct().Count(), Is.EqualTo(glyphs.Length), "no two characters share a glyph");
        Assert.That(glyphs.All(BitmapFont.Covers));
        Assert.That(Bits('€'), Is.EqualTo(Bits('?')), "uncovered characters are drawn as '?'");
    }

    [Test]
    public void Rotated_text_reads_bottom_to_top()
    {
        var c = new Canvas(40, 60, Rgb.White);
        c.TextUp("L", 5, 10, Rgb.Black);
        // 'L': a bar down the glyph's left with a foot along its bottom row. Turned anticlockwise, the glyph's left edge
        // becomes the bottom row and its top the left: the bar is the bottom row, the foot the rightmost column.
        var p = Painted(c, Rgb.Black);
        int left = p.Min(q => q.X), right = p.Max(q => q.X), top = p.Min(q => q.Y), bottom = p.Max(q => q.Y);
        Assert.That((right - left + 1, bottom - top + 1), Is.EqualTo((7, 5)), "7 glyph rows become 7 columns");
        Assert.That(p.Count(q => q.Y == bottom), Is.EqualTo(7), "the bar lies along the bottom");
        Assert.That(p.Count(q => q.X == right), Is.EqualTo(5), "the foot points up on the right");
        Assert.That((left, top), Is.EqualTo((5, 10)), "anchor (0, 0) is the top-left of the rotated box");
    }
}
