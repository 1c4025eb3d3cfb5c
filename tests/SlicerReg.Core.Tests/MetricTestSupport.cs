using System.Runtime.InteropServices;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>Deterministic test volumes for the evaluation-metric tests, and the tests/tools/metrics_reference.py plumbing.</summary>
static class MetricTestSupport
{
    public static Volume Labels(ImageGeometry g) => new(g, VoxelType.UInt8, 1, VolumeKind.LabelMap);

    /// <summary>Axis-aligned box [i0,i1)×[j0,j1)×[k0,k1) set to <paramref name="value"/>.</summary>
    public static void FillBox(Volume v, int i0, int i1, int j0, int j1, int k0, int k1, double value = 1)
    {
        for (int k = k0; k < k1; k++) for (int j = j0; j < j1; j++) for (int i = i0; i < i1; i++) v[i, j, k] = value;
    }

    /// <summary>
    /// A femur-sized-in-voxels blob: union of <paramref name="count"/> random ellipsoids (fixed seed) with centres at
    /// least <paramref name="margin"/> voxels from the border (margin 0 lets them be cut by the grid faces).
    /// <paramref name="jitter"/> &gt; 0 perturbs the same ellipsoids (centres by up to ±jitter voxels, radii by up to
    /// ±15 %): a "registered" version of the jitter-0 blob that overlaps it partly.
    /// </summary>
    public static Volume Blobs(ImageGeometry g, int seed, int count = 4, int margin = 3, byte value = 1, Volume? into = null, double jitter = 0)
    {
        var v = into ?? Labels(g);
        var rng = new Random(seed);
        var perturb = new Random(seed * 7919 + 17);
        double J(double scale) => jitter > 0 ? scale * (2 * perturb.NextDouble() - 1) : 0;
        var s = g.Size;
        for (int e = 0; e < count; e++)
        {
            double ci = margin + rng.NextDouble() * (s.I - 2 * margin), cj = margin + rng.NextDouble() * (s.J - 2 * margin), ck = margin + rng.NextDouble() * (s.K - 2 * margin);
            double ri = 2 + rng.NextDouble() * s.I / 4.0, rj = 2 + rng.NextDouble() * s.J / 4.0, rk = 2 + rng.NextDouble() * s.K / 4.0;
            ci += J(jitter); cj += J(jitter); ck += J(jitter);
            ri *= 1 + J(0.15); rj *= 1 + J(0.15); rk *= 1 + J(0.15);
            if (margin > 0) { ri = Math.Min(ri, Math.Min(ci, s.I - 1 - ci) - 1); rj = Math.Min(rj, Math.Min(cj, s.J - 1 - cj) - 1); rk = Math.Min(rk, Math.Min(ck, s.K - 1 - ck) - 1); }
            for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
            {
                double q = Sq((i - ci) / ri) + Sq((j - cj) / rj) + Sq((k - ck) / rk);
                if (q <= 1) v[i, j, k] = value;
            }
        }
        return v;
    }

    static double Sq(double x) => x * x;

    /// <summary>White noise box-smoothed twice (radius 2): smooth, with structure at a few-voxel scale; values roughly in [0, 1000].</summary>
    public static double[] SmoothRandom(GridSize s, int seed)
    {
        var rng = new Random(seed);
        var a = new double[s.VoxelCount];
        for (long n = 0; n < a.LongLength; n++) a[n] = rng.NextDouble() * 1000;
        for (int pass = 0; pass < 2; pass++)
            for (int axis = 0; axis < 3; axis++) a = BoxSmooth(a, s, axis, 2);
        return a;
    }

    static double[] BoxSmooth(double[] a, GridSize s, int axis, int r)
    {
        var b = new double[a.LongLength];
        long stride = axis == 0 ? 1 : axis == 1 ? s.I : (long)s.I * s.J;
        int len = s[axis];
        for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
        {
            int p = axis == 0 ? i : axis == 1 ? j : k;
            long n = ((long)k * s.J + j) * s.I + i;
            double sum = 0; int c = 0;
            for (int t = Math.Max(0, p - r); t <= Math.Min(len - 1, p + r); t++) { sum += a[n + (t - p) * stride]; c++; }
            b[n] = sum / c;
        }
        return b;
    }

    public static void WriteRaw<T>(string path, T[] data) where T : unmanaged
        => File.WriteAllBytes(path, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());   // little-endian machines only (x64, arm64)

    public static string Invariant(double x) => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs tests/tools/metrics_reference.py and parses its JSON line.</summary>
    public static JObject Reference(params string[] args)
    {
        var all = new List<string> { ExternalTool.ToolScript("metrics_reference.py") };
        all.AddRange(args);
        return JObject.Parse(ExternalTool.Check(ExternalTool.Python, all.ToArray()));
    }

    public static double D(JObject o, string key) => o[key]?.Type == JTokenType.Float || o[key]?.Type == JTokenType.Integer
        ? o[key]!.Value<double>() : throw new AssertionException($"reference output has no number '{key}': {o}");

    /// <summary>A proper rotation of 25° about (1, 2, 3): every index axis oblique.</summary>
    public static Mat3 Oblique() => MetaImageTestSupport.ObliqueRas();
}
