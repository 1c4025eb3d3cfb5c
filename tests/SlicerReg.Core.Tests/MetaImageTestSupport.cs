using System.Text;
using System.Text.Json;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>Small deterministic volumes and the independent-tool plumbing shared by the MetaImage tests.</summary>
static class MetaImageTestSupport
{
    public static readonly GridSize Size = new(7, 5, 4);

    /// <summary>A proper rotation of 25° about (1, 2, 3): every index axis oblique, with clear dominant world axes.</summary>
    public static Mat3 ObliqueRas()
    {
        var u = new Vec3(1, 2, 3).Normalized();
        double t = 25 * Math.PI / 180, c = Math.Cos(t), s = Math.Sin(t), C = 1 - c;
        return new Mat3(new[]
        {
            c + u.X * u.X * C, u.X * u.Y * C - u.Z * s, u.X * u.Z * C + u.Y * s,
            u.Y * u.X * C + u.Z * s, c + u.Y * u.Y * C, u.Y * u.Z * C - u.X * s,
            u.Z * u.X * C - u.Y * s, u.Z * u.Y * C + u.X * s, c + u.Z * u.Z * C,
        });
    }

    public static ImageGeometry Oblique() => new(Size, new Vec3(0.8, 1.1, 2.5), new Vec3(10.5, -20.25, 30), ObliqueRas());

    /// <summary>Values spanning the type's full range (negatives for signed types, fractions for floats), fixed seed.</summary>
    public static Volume Make(VoxelType type, int components = 1, VolumeKind kind = VolumeKind.Scalar, ImageGeometry? geometry = null, int seed = 7)
    {
        var v = new Volume(geometry ?? Oblique(), type, components, kind);
        var rng = new Random(seed);
        long count = v.ElementCount;
        // Filled through the typed arrays (not Volume.SetElement) so that, e.g., uint16 values above 32767 are exercised.
        switch (type)
        {
            case VoxelType.UInt8: { var a = v.As<byte>(); for (long n = 0; n < count; n++) a[n] = (byte)(kind == VolumeKind.LabelMap ? rng.Next(0, 6) : rng.Next(0, 256)); break; }
            case VoxelType.Int16: { var a = v.As<short>(); for (long n = 0; n < count; n++) a[n] = (short)(kind == VolumeKind.LabelMap ? rng.Next(0, 6) : rng.Next(short.MinValue, short.MaxValue + 1)); break; }
            case VoxelType.UInt16: { var a = v.As<ushort>(); for (long n = 0; n < count; n++) a[n] = (ushort)(kind == VolumeKind.LabelMap ? rng.Next(0, 6) : rng.Next(0, ushort.MaxValue + 1)); break; }
            case VoxelType.Int32: { var a = v.As<int>(); for (long n = 0; n < count; n++) a[n] = kind == VolumeKind.LabelMap ? rng.Next(0, 6) : rng.Next(int.MinValue, int.MaxValue); break; }
            case VoxelType.Float32: { var a = v.As<float>(); for (long n = 0; n < count; n++) a[n] = (float)((rng.NextDouble() - 0.5) * 2000); break; }
            case VoxelType.Float64: { var a = v.As<double>(); for (long n = 0; n < count; n++) a[n] = (rng.NextDouble() - 0.5) * 2000; break; }
        }
        return v;
    }

    /// <summary>numpy dtype name as nibabel reports it.</summary>
    public static string NumpyDtype(VoxelType t) => t switch
    {
        VoxelType.UInt8 => "uint8", VoxelType.Int16 => "int16", VoxelType.UInt16 => "uint16",
        VoxelType.Int32 => "int32", VoxelType.Float32 => "float32", VoxelType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>nibabel's view of a NIfTI file: raw voxels (i fastest, components interleaved) and its JSON summary.</summary>
    public static (byte[] Raw, JsonElement Json) NibabelDump(string nii, string prefix)
    {
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "dump", nii, prefix);
        return (File.ReadAllBytes(prefix + ".raw"), JsonDocument.Parse(File.ReadAllText(prefix + ".json")).RootElement.Clone());
    }

    /// <summary>Writes <paramref name="volume"/>'s voxels and IJK→RAS as a NIfTI file with nibabel (independent of our code).</summary>
    public static void NibabelMake(Volume volume, string nii, string prefix, int intentCode = 0)
    {
        File.WriteAllBytes(prefix + ".raw", volume.Bytes.ToArray());
        var shape = volume.Components == 1 ? new[] { volume.Size.I, volume.Size.J, volume.Size.K } : new[] { volume.Size.I, volume.Size.J, volume.Size.K, 1, volume.Components };
        var a = volume.Geometry.IjkToRas.ToRowMajor();
        var affine = Enumerable.Range(0, 4).Select(r => a.Skip(4 * r).Take(4).ToArray()).ToArray();
        File.WriteAllText(prefix + ".json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["shape"] = shape, ["dtype"] = NumpyDtype(volume.VoxelType), ["affine"] = affine, ["forms"] = "both", ["intent_code"] = intentCode,
        }));
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "make", nii, prefix + ".raw", prefix + ".json");
    }

    public static Mat4 AffineOf(JsonElement json)
    {
        var rows = json.GetProperty("affine").EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();
        return Mat4.FromRowMajor(rows.SelectMany(r => r).ToArray());
    }

    /// <summary>Largest absolute difference between two affines' 12 free entries (mm).</summary>
    public static double MaxDifference(Mat4 a, Mat4 b)
    {
        var x = a.ToRowMajor(); var y = b.ToRowMajor();
        return Enumerable.Range(0, 12).Max(n => Math.Abs(x[n] - y[n]));
    }

    /// <summary>The header lines of a MetaImage file (up to ElementDataFile) as key → value, read as plain text.</summary>
    public static Dictionary<string, string> HeaderText(string path)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var bytes = File.ReadAllBytes(path);
        foreach (var line in Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 1 << 16)).Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq < 0) continue;
            result[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            if (line.StartsWith("ElementDataFile")) break;
        }
        return result;
    }

    /// <summary>Byte offset just after the ElementDataFile line.</summary>
    public static int DataOffset(byte[] file)
    {
        var marker = Encoding.ASCII.GetBytes("ElementDataFile");
        int at = file.AsSpan().IndexOf(marker);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "no ElementDataFile line");
        return Array.IndexOf(file, (byte)'\n', at) + 1;
    }

    /// <summary>Element-wise RAS → LPS for a 3-component field (the reference the tests expect in files).</summary>
    public static float[] ToLps(float[] ras)
    {
        var r = (float[])ras.Clone();
        for (int n = 0; n < r.Length; n += 3) { r[n] = -r[n]; r[n + 1] = -r[n + 1]; }
        return r;
    }

    public static string[] FilesIn(string folder) => Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(x => x).ToArray()!;
}
