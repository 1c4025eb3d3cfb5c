using SlicerReg.Core.IO;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

public class PngImageTests
{
    /// <summary>Smooth gradients, flat areas and noise, so every filter type gets chosen somewhere.</summary>
    static byte[] TestPicture(int w, int h, int seed)
    {
        var rng = new Random(seed);
        var rgb = new byte[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int n = 3 * (y * w + x);
                if (y < h / 3) { rgb[n] = (byte)x; rgb[n + 1] = (byte)y; rgb[n + 2] = (byte)(x + y); }
                else if (y < 2 * h / 3) { rgb[n] = 200; rgb[n + 1] = 30; rgb[n + 2] = (byte)(x < w / 2 ? 0 : 255); }
                else { rgb[n] = (byte)rng.Next(256); rgb[n + 1] = (byte)rng.Next(256); rgb[n + 2] = (byte)rng.Next(256); }
            }
        return rgb;
    }

    [TestCase(1, 1)]
    [TestCase(37, 23)]
    [TestCase(300, 211)]
    public void Written_PNG_reads_back_identically_in_matplotlib_and_in_our_reader(int w, int h)
    {
        using var tmp = new TempFolder();
        var rgb = TestPicture(w, h, seed: w * 1000 + h);
        string png = tmp.File("picture.png");
        PngImage.WriteRgb(png, w, h, rgb);
        var (pw, ph, prgb) = PlotReference.Decode(png, tmp);
        Assert.That((pw, ph), Is.EqualTo((w, h)));
        Assert.That(prgb, Is.EqualTo(rgb));
        var (ow, oh, orgb) = PngImage.ReadRgb(png);
        Assert.That((ow, oh), Is.EqualTo((w, h)));
        Assert.That(orgb, Is.EqualTo(rgb));
        Assert.That(PlotReference.Run("decode", png, tmp.File("x.raw"))["chunks"]!.ToObject<string[]>(), Is.EqualTo(new[] { "IHDR", "IDAT", "IEND" }));
    }

    [Test]
    public void Reader_reads_a_PNG_that_Pillow_wrote()
    {
        using var tmp = new TempFolder();
        var rgb = TestPicture(64, 48, seed: 3);
        File.WriteAllBytes(tmp.File("in.raw"), rgb);
        string png = tmp.File("pillow.png");
        ExternalTool.Check(ExternalTool.Python, "-c",
            "import sys, numpy as np; from PIL import Image; a = np.fromfile(sys.argv[1], np.uint8).reshape(48, 64, 3); Image.fromarray(a, 'RGB').save(sys.argv[2], optimize=True)",
            tmp.File("in.raw"), png);
        var (w, h, back) = PngImage.ReadRgb(png);
        Assert.That((w, h), Is.EqualTo((64, 48)));
        Assert.That(back, Is.EqualTo(rgb));

        // Kinds we do not read are refused by name: greyscale and RGBA (Pillow), interlaced (IHDR flag set, CRC redone by zlib).
        foreach (var (mode, problem) in new[] { ("L", "colour type 0"), ("RGBA", "colour type 6") })
        {
            string other = tmp.File($"{mode}.png");
            ExternalTool.Check(ExternalTool.Python, "-c",
                $"import sys, numpy as np; from PIL import Image; a = np.fromfile(sys.argv[1], np.uint8).reshape(48, 64, 3); Image.fromarray(a, 'RGB').convert('{mode}').save(sys.argv[2])",
                tmp.File("in.raw"), other);
            Assert.That(Assert.Throws<ImageFormatException>(() => PngImage.ReadRgb(other))!.Message, Does.Contain(problem), mode);
        }
        string interlaced = tmp.File("interlaced.png");
        ExternalTool.Check(ExternalTool.Python, "-c",
            "import sys, struct, zlib; d = bytearray(open(sys.argv[1], 'rb').read()); d[28] = 1; d[29:33] = struct.pack('>I', zlib.crc32(bytes(d[12:29])) & 0xFFFFFFFF); open(sys.argv[2], 'wb').write(d)",
            png, interlaced);
        Assert.That(Assert.Throws<ImageFormatException>(() => PngImage.ReadRgb(interlaced))!.Message, Does.Contain("interlaced"));
    }

    [Test]
    public void Compresses_a_flat_chart_background_well()
    {
        var rgb = Enumerable.Repeat((byte)255, 3 * 800 * 500).ToArray();
        Assert.That(PngImage.Encode(800, 500, rgb).Length, Is.LessThan(5_000));
    }

    [Test]
    public void Bad_writer_input_is_an_argument_error_naming_it_and_leaves_no_file()
    {
        using var tmp = new TempFolder();
        string png = tmp.File("bad.png");
        var e = Assert.Throws<ArgumentException>(() => PngImage.WriteRgb(png, 4, 4, new byte[47]))!;
        Assert.That(e.Message, Does.Contain("47 bytes").And.Contain("4×4"));
        Assert.That(Assert.Throws<ArgumentException>(() => PngImage.WriteRgb(png, 0, 4, Array.Empty<byte>()))!.Message, Does.Contain("positive"));
        Assert.That(Directory.GetFiles(tmp.Path), Is.Empty);
        Assert.That(Assert.Throws<ImageFormatException>(() => PngImage.WriteRgb(tmp.File("no/such/dir/x.png"), 1, 1, new byte[3]))!.Message, Does.Contain("does not exist"));
    }

    [Test]
    public void Reader_names_the_file_and_the_problem()
    {
        using var tmp = new TempFolder();
        string good = tmp.File("good.png");
        PngImage.WriteRgb(good, 8, 8, TestPicture(8, 8, 1));
        var bytes = File.ReadAllBytes(good);

        void Expect(string name, byte[] content, string problem)
        {
            string p = tmp.File(name);
            File.WriteAllBytes(p, content);
            var e = Assert.Throws<ImageFormatException>(() => PngImage.ReadRgb(p))!;
            Assert.That(e.Message, Does.Contain(p).And.Contain(problem));
        }

        Expect("text.png", "hello, not a png"u8.ToArray(), "signature");
        Expect("truncated.png", bytes[..(bytes.Length - 20)], "past the end");
        var flipped = (byte[])bytes.Clone(); flipped[40] ^= 0x55;   // inside IDAT data
        Expect("crc.png", flipped, "CRC mismatch");
        var grey = (byte[])bytes.Clone(); grey[8 + 8 + 9] = 0;      // colour type byte in IHDR, CRC left stale
        Expect("grey.png", grey, "CRC mismatch in chunk IHDR");
        Assert.Throws<ImageFormatException>(() => PngImage.ReadRgb(tmp.File("missing.png")));
    }
}
