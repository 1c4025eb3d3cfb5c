using System.Diagnostics;
using System.Text;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Issue 21: a seeded fuzz test of the readers. Small files of every format we read (NRRD raw and gzip, detached NHDR,
/// NIfTI-1 .nii and .nii.gz, MetaImage .mha and detached .mhd) are mutated — truncated, bit-flipped, overwritten, extended,
/// header numbers replaced by hostile values (negative, zero, huge, NaN), header lines deleted or repeated — and read
/// through <see cref="VolumeFile.Read"/>. Every case must end in a volume or an <see cref="ImageFormatException"/> (the
/// clear error naming the file) within its time limit: never another exception type, never a hang.
/// </summary>
public class ReaderFuzzTests
{
    const int Seed = 20260421, CasesPerFormat = 45;
    static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);
    static readonly string[] Hostile = { "-1", "0", "4294967297", "99999999999999999999", "NaN", "1e308", "-1e308", "", "x", "2 2", "0.5" };

    sealed record Format(string Name, string File, VolumeWriteOptions Options, string? DataFile = null);

    static readonly Format[] Formats =
    {
        new("NRRD raw", "v.nrrd", new VolumeWriteOptions { Compress = false }),
        new("NRRD gzip", "v.nrrd", new VolumeWriteOptions { Compress = true }),
        new("NHDR + raw", "v.nhdr", new VolumeWriteOptions { Compress = false }, "v.raw"),
        new("NIfTI", "v.nii", VolumeWriteOptions.Default),
        new("NIfTI gzip", "v.nii.gz", VolumeWriteOptions.Default),
        new("MetaImage", "v.mha", new VolumeWriteOptions { Compress = false }),
        new("MetaImage zlib", "v.mha", new VolumeWriteOptions { Compress = true }),
        new("MHD + raw", "v.mhd", new VolumeWriteOptions { Compress = false }, "v.raw"),
    };

    [Test]
    public void MutatedFilesOfEveryFormat_EndInAVolumeOrAClearError()
    {
        var rng = new Random(Seed);
        var clock = Stopwatch.StartNew();
        int read = 0, refused = 0;
        var failures = new List<string>();
        using var tmp = new TempFolder();
        var geometry = new ImageGeometry(new GridSize(6, 5, 4), new Vec3(0.7, 0.9, 1.3), new Vec3(-10, 4, 22),
                                         Mat3.FromColumns(new Vec3(0.8, 0.6, 0), new Vec3(-0.6, 0.8, 0), new Vec3(0, 0, 1)));
        var voxels = Enumerable.Range(0, 120).Select(n => (short)(n * 37 % 2000 - 1000)).ToArray();
        var original = Volume.Create(geometry, voxels);
        for (int f = 0; f < Formats.Length; f++)
        {
            var format = Formats[f];
            string folder = Directory.CreateDirectory(tmp.File($"f{f}")).FullName;
            string path = Path.Combine(folder, format.File);
            VolumeFile.Write(original, path, format.Options);
            Assert.That(VolumeFile.Read(path).Data, Is.EqualTo(voxels), $"{format.Name}: the unmutated file reads back");
            string target = format.DataFile is { } d && File.Exists(Path.Combine(folder, d)) ? Path.Combine(folder, d) : path;
            var header = File.ReadAllBytes(path);
            var data = target == path ? null : File.ReadAllBytes(target);
            for (int c = 0; c < CasesPerFormat; c++)
            {
                // Detached formats: mutate the header or the data file.
                bool mutateData = data != null && rng.Next(3) == 0;
                var (bytes, how) = Mutate(mutateData ? data! : header, text: !mutateData && format.Name is not ("NIfTI" or "NIfTI gzip"), rng);
                File.WriteAllBytes(mutateData ? target : path, bytes);
                string label = $"{format.Name} case {c} ({(mutateData ? "data file" : "file")}: {how})";
                var task = Task.Run(() => VolumeFile.Read(path));
                try { task.Wait(PerCase); } catch (AggregateException) { }
                if (!task.IsCompleted) { failures.Add($"{label}: no answer within {PerCase.TotalSeconds} s"); continue; }
                if (task.IsCompletedSuccessfully) read++;
                else if (task.Exception!.InnerException is ImageFormatException e && e.Message.Contains(path, StringComparison.Ordinal)) refused++;
                else failures.Add($"{label}: {task.Exception.InnerException!.GetType().Name}: {task.Exception.InnerException.Message}");
                // Restore for the next case.
                File.WriteAllBytes(path, header);
                if (data != null) File.WriteAllBytes(target, data);
            }
        }
        TestContext.Out.WriteLine($"reader fuzz, seed {Seed}: {Formats.Length} formats × {CasesPerFormat} mutations = {Formats.Length * CasesPerFormat} cases: " +
                                  $"{read} read, {refused} refused with a clear error, {failures.Count} failures, in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.That(failures, Is.Empty);
        Assert.That(refused, Is.GreaterThan(Formats.Length * CasesPerFormat / 3), "most mutations break the file (else the mutations are too mild to test anything)");
    }

    /// <summary>
    /// One random mutation; text headers also get hostile field values and deleted or repeated lines. Bit flips land in
    /// the header: the text header, else the first <paramref name="binaryHeader"/> bytes (NIfTI-1's 348 + extension flag).
    /// </summary>
    internal static (byte[] Bytes, string How) Mutate(byte[] source, bool text, Random rng, int binaryHeader = 352)
    {
        var b = (byte[])source.Clone();
        int headerEnd = text ? HeaderLength(b) : Math.Min(b.Length, binaryHeader);
        switch (rng.Next(text ? 8 : 5))
        {
            case 0:
            {
                int at = rng.Next(b.Length);
                return (b[..at], $"truncated to {at} bytes");
            }
            case 1:
            {
                int flips = 1 + rng.Next(8);
                for (int n = 0; n < flips; n++) { int at = rng.Next(headerEnd); b[at] ^= (byte)(1 << rng.Next(8)); }
                return (b, $"{flips} bit flips in the header");
            }
            case 2:
            {
                int at = rng.Next(b.Length), len = 1 + rng.Next(Math.Min(16, b.Length - at));
                rng.NextBytes(b.AsSpan(at, len));
                return (b, $"{len} random bytes at {at}");
            }
            case 3:
            {
                var extra = new byte[1 + rng.Next(4096)];
                rng.NextBytes(extra);
                return (b.Concat(extra).ToArray(), $"{extra.Length} bytes appended");
            }
            case 4:
            {
                int at = rng.Next(b.Length), len = Math.Min(b.Length - at, 1 + rng.Next(64));
                Array.Clear(b, at, len);
                return (b, $"{len} bytes zeroed at {at}");
            }
            default:
                return MutateHeaderText(b, headerEnd, rng);
        }
    }

    /// <summary>Header lines: a number replaced by a hostile value, a line deleted, or a line repeated.</summary>
    static (byte[] Bytes, string How) MutateHeaderText(byte[] b, int headerEnd, Random rng)
    {
        var lines = Encoding.Latin1.GetString(b, 0, headerEnd).Split('\n').ToList();
        var rest = b[headerEnd..];
        int n = rng.Next(lines.Count);
        string how;
        switch (rng.Next(3))
        {
            case 0:
                var tokens = lines[n].Split(' ');
                int t = rng.Next(tokens.Length);
                string value = Hostile[rng.Next(Hostile.Length)];
                how = $"line '{lines[n]}': token {t} → '{value}'";
                tokens[t] = value;
                lines[n] = string.Join(' ', tokens);
                break;
            case 1:
                how = $"line '{lines[n]}' deleted";
                lines.RemoveAt(n);
                break;
            default:
                how = $"line '{lines[n]}' repeated";
                lines.Insert(n, lines[n]);
                break;
        }
        return (Encoding.Latin1.GetBytes(string.Join('\n', lines)).Concat(rest).ToArray(), how);
    }

    /// <summary>Where a text header ends: NRRD's blank line, MetaImage's ElementDataFile line, or the whole file.</summary>
    static int HeaderLength(byte[] b)
    {
        string s = Encoding.Latin1.GetString(b);
        int blank = s.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank >= 0) return blank + 1;
        int data = s.IndexOf("ElementDataFile", StringComparison.Ordinal);
        if (data >= 0) { int end = s.IndexOf('\n', data); return end < 0 ? s.Length : end + 1; }
        return s.Length;
    }
}
