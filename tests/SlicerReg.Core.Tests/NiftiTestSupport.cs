using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>Test volumes and geometries for the NIfTI tests, and the bridge to nibabel (tests/tools/nibabel_io.py).</summary>
static class NiftiTestSupport
{
    public static readonly GridSize Size = new(7, 5, 4);

    /// <summary>Geometries exercised: axis-aligned, oblique (rotated about a skew axis), left-handed (det &lt; 0), sheared (no qform possible).</summary>
    public static readonly string[] GeometryNames = { "axial", "oblique", "flipped", "sheared" };

    public static ImageGeometry TestGeometry(string name)
    {
        var spacing = new Vec3(0.8, 1.1, 2.5);
        var origin = new Vec3(-12.3, 45.6, 7.8);
        var rotation = AxisAngle(new Vec3(1, 2, 3), 25 * Math.PI / 180);
        return name switch
        {
            "axial" => new ImageGeometry(Size, spacing, origin, Mat3.Identity),
            "oblique" => new ImageGeometry(Size, spacing, origin, rotation),
            // a mirrored grid: index i runs toward the patient's left on a rotated frame (det = −1)
            "flipped" => new ImageGeometry(Size, spacing, origin, rotation * Mat3.Diagonal(-1, 1, 1)),
            "sheared" => new ImageGeometry(Size, spacing, origin,
                Mat3.FromColumns(new Vec3(1, 0, 0), new Vec3(0.2, 1, 0).Normalized(), new Vec3(0, 0.1, 1).Normalized())),
            _ => throw new ArgumentException(name),
        };
    }

    public static Mat3 AxisAngle(Vec3 axis, double angle)
    {
        var u = axis.Normalized();
        double c = Math.Cos(angle), s = Math.Sin(angle), t = 1 - c;
        return new Mat3(new[]
        {
            t * u.X * u.X + c, t * u.X * u.Y - s * u.Z, t * u.X * u.Z + s * u.Y,
            t * u.X * u.Y + s * u.Z, t * u.Y * u.Y + c, t * u.Y * u.Z - s * u.X,
            t * u.X * u.Z - s * u.Y, t * u.Y * u.Z + s * u.X, t * u.Z * u.Z + c,
        });
    }

    /// <summary>Random voxels spanning the type's range (fixed seed), so byte-order or sign mistakes show.</summary>
    public static Volume RandomVolume(VoxelType type, ImageGeometry geometry, int components = 1, VolumeKind kind = VolumeKind.Scalar, int seed = 1)
    {
        var v = new Volume(geometry, type, components, kind);
        var rng = new Random(seed);
        for (long n = 0; n < v.ElementCount; n++)
        {
            double x = type switch
            {
                VoxelType.UInt8 => rng.Next(0, 256),
                VoxelType.Int16 => rng.Next(short.MinValue, short.MaxValue + 1),
                VoxelType.UInt16 => rng.Next(0, ushort.MaxValue + 1),
                VoxelType.Int32 => rng.NextInt64(int.MinValue, (long)int.MaxValue + 1),
                VoxelType.Float32 => (rng.NextDouble() - 0.5) * 2e4,
                _ => (rng.NextDouble() - 0.5) * 2e6 + rng.NextDouble() * 1e-9,
            };
            v.SetElement(n, x);
        }
        return v;
    }

    public static string NumpyDtype(VoxelType t) => t switch
    {
        VoxelType.UInt8 => "uint8", VoxelType.Int16 => "int16", VoxelType.UInt16 => "uint16",
        VoxelType.Int32 => "int32", VoxelType.Float32 => "float32", VoxelType.Float64 => "float64",
        _ => throw new ArgumentException(t.ToString()),
    };

    public static short NiftiDatatype(VoxelType t) => t switch
    {
        VoxelType.UInt8 => 2, VoxelType.Int16 => 4, VoxelType.UInt16 => 512,
        VoxelType.Int32 => 8, VoxelType.Float32 => 16, VoxelType.Float64 => 64,
        _ => throw new ArgumentException(t.ToString()),
    };

    /// <summary>What nibabel sees in a NIfTI file.</summary>
    public sealed record NibabelDump(JsonObject Json, byte[] Raw)
    {
        public int[] Shape => Json["shape"]!.AsArray().Select(x => (int)x!).ToArray();
        public string Dtype => (string)Json["dtype"]!;
        public int SformCode => (int)Json["sform_code"]!;
        public int QformCode => (int)Json["qform_code"]!;
        public int IntentCode => (int)Json["intent_code"]!;
        public int Datatype => (int)Json["datatype"]!;
        public int XyztUnits => (int)Json["xyzt_units"]!;
        public double VoxOffset => (double)Json["vox_offset"]!;
        public double[] Pixdim => Json["pixdim"]!.AsArray().Select(x => (double)x!).ToArray();
        public Mat4 Affine => Matrix("affine")!;
        public Mat4? Sform => Matrix("sform");
        public Mat4? Qform => Matrix("qform");
        Mat4? Matrix(string key)
        {
            var node = Json[key];
            if (node is null) return null;
            return Mat4.FromRowMajor(node.AsArray().SelectMany(row => row!.AsArray().Select(x => (double)x!)).ToArray());
        }
    }

    public static NibabelDump Dump(string niftiPath, TempFolder tmp)
    {
        string prefix = tmp.File("dump-" + Guid.NewGuid().ToString("N")[..8]);
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "dump", niftiPath, prefix);
        return new NibabelDump(JsonNode.Parse(File.ReadAllText(prefix + ".json"))!.AsObject(), File.ReadAllBytes(prefix + ".raw"));
    }

    /// <summary>Has nibabel write <paramref name="path"/> from raw little-endian voxels and a spec (see nibabel_io.py make).</summary>
    public static void Make(string path, byte[] raw, JsonObject spec, TempFolder tmp)
    {
        string stem = tmp.File("make-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllBytes(stem + ".raw", raw);
        File.WriteAllText(stem + ".json", spec.ToJsonString());
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "make", path, stem + ".raw", stem + ".json");
    }

    public static JsonArray AffineJson(Mat4 m)
    {
        var v = m.ToRowMajor();
        var rows = new JsonArray();
        for (int r = 0; r < 4; r++) rows.Add(new JsonArray(v[4 * r], v[4 * r + 1], v[4 * r + 2], v[4 * r + 3]));
        return rows;
    }

    public static JsonObject Spec(Volume v, string forms, int intent = 0)
    {
        var shape = v.Components == 1 ? new JsonArray(v.Size.I, v.Size.J, v.Size.K) : new JsonArray(v.Size.I, v.Size.J, v.Size.K, 1, v.Components);
        return new JsonObject
        {
            ["shape"] = shape,
            ["dtype"] = NumpyDtype(v.VoxelType),
            ["affine"] = AffineJson(v.Geometry.IjkToRas),
            ["forms"] = forms,
            ["intent_code"] = intent,
        };
    }

    public static void AssertAffine(Mat4 expected, Mat4 actual, double tolMm, string what)
    {
        var e = expected.ToRowMajor();
        var a = actual.ToRowMajor();
        for (int n = 0; n < 16; n++)
            Assert.That(a[n], Is.EqualTo(e[n]).Within(tolMm), $"{what}: element {n} of\n expected {expected}\n actual   {actual}");
    }

    /// <summary>Overwrites bytes of an uncompressed .nii file (to build broken headers).</summary>
    public static void Patch(string path, int offset, ReadOnlySpan<byte> bytes)
    {
        var b = File.ReadAllBytes(path);
        bytes.CopyTo(b.AsSpan(offset));
        File.WriteAllBytes(path, b);
    }
    public static void PatchInt16(string path, int offset, short value) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteInt16LittleEndian(b, value); Patch(path, offset, b); }
    public static void PatchInt32(string path, int offset, int value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, value); Patch(path, offset, b); }
    public static void PatchFloat(string path, int offset, float value) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, value); Patch(path, offset, b); }

    public static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
