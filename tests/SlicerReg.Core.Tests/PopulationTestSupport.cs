using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Tests;

/// <summary>Measurements on label maps shared by the population tests (written here, independent of the generator).</summary>
internal static class PopulationTestSupport
{
    public static List<Vec3> Femur(Volume label) => PhantomShapeTests.Points(label, v => v == FemurPhantom.FemurLabel);

    public static Vec3 Mean(IReadOnlyList<Vec3> pts) { var s = Vec3.Zero; foreach (var p in pts) s += p; return s / pts.Count; }

    public static double AngleDeg(Vec3 a, Vec3 b) => Math.Acos(Math.Clamp(a.Normalized().Dot(b.Normalized()), -1, 1)) * 180 / Math.PI;

    /// <summary>Number of 26-connected components of the voxels equal to <paramref name="value"/> (breadth-first flood fill).</summary>
    public static int Components26(Volume label, byte value)
    {
        var s = label.Size; var m = label.As<byte>(); var seen = new bool[m.Length]; int count = 0;
        var queue = new Queue<(int I, int J, int K)>();
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    long n = label.LinearIndex(i, j, k);
                    if (m[n] != value || seen[n]) continue;
                    count++; seen[n] = true; queue.Enqueue((i, j, k));
                    while (queue.Count > 0)
                    {
                        var (a, b, c) = queue.Dequeue();
                        for (int dk = -1; dk <= 1; dk++)
                            for (int dj = -1; dj <= 1; dj++)
                                for (int di = -1; di <= 1; di++)
                                {
                                    int x = a + di, y = b + dj, z = c + dk;
                                    if (x < 0 || y < 0 || z < 0 || x >= s.I || y >= s.J || z >= s.K) continue;
                                    long q = label.LinearIndex(x, y, z);
                                    if (m[q] == value && !seen[q]) { seen[q] = true; queue.Enqueue((x, y, z)); }
                                }
                    }
                }
        return count;
    }

    /// <summary>Which faces of the grid the value touches: "i-", "i+", "j-", "j+", "k-", "k+".</summary>
    public static HashSet<string> FacesTouched(Volume label, byte value)
    {
        var s = label.Size; var m = label.As<byte>(); var faces = new HashSet<string>();
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    if (m[label.LinearIndex(i, j, k)] != value) continue;
                    if (i == 0) faces.Add("i-"); if (i == s.I - 1) faces.Add("i+");
                    if (j == 0) faces.Add("j-"); if (j == s.J - 1) faces.Add("j+");
                    if (k == 0) faces.Add("k-"); if (k == s.K - 1) faces.Add("k+");
                }
        return faces;
    }

    public static double Dice(Volume a, Volume b, byte value)
    {
        var x = a.As<byte>(); var y = b.As<byte>(); long both = 0, na = 0, nb = 0;
        for (long n = 0; n < x.LongLength; n++) { bool p = x[n] == value, q = y[n] == value; if (p) na++; if (q) nb++; if (p && q) both++; }
        return 2.0 * both / (na + nb);
    }

    /// <summary>
    /// Head sphere from the label by least squares (algebraic fit |p|² = 2c·p + (r² − |c|²)) on the femur's surface voxels
    /// within <paramref name="radius"/> mm of <paramref name="guess"/> and above the neck (a cap facing away from the neck).
    /// </summary>
    public static (Vec3 Centre, double Radius) FitHeadSphere(Volume label, Vec3 guess, double radius)
    {
        var s = label.Size; var m = label.As<byte>(); var g = label.Geometry;
        var rows = new List<double[]>(); var rhs = new List<double>();
        bool Femur(int i, int j, int k) => i >= 0 && j >= 0 && k >= 0 && i < s.I && j < s.J && k < s.K && m[label.LinearIndex(i, j, k)] == FemurPhantom.FemurLabel;
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    if (!Femur(i, j, k)) continue;
                    if (Femur(i - 1, j, k) && Femur(i + 1, j, k) && Femur(i, j - 1, k) && Femur(i, j + 1, k) && Femur(i, j, k - 1) && Femur(i, j, k + 1)) continue;
                    var p = g.IndexToRas(new Vec3(i, j, k));
                    if ((p - guess).Norm > radius) continue;
                    rows.Add(new[] { 2 * p.X, 2 * p.Y, 2 * p.Z, 1 }); rhs.Add(p.Dot(p));
                }
        // Normal equations 4×4 solved by Gaussian elimination.
        var a = new double[4, 5];
        for (int n = 0; n < rows.Count; n++)
            for (int r = 0; r < 4; r++) { for (int c = 0; c < 4; c++) a[r, c] += rows[n][r] * rows[n][c]; a[r, 4] += rows[n][r] * rhs[n]; }
        for (int c = 0; c < 4; c++)
        {
            int piv = c; for (int r = c + 1; r < 4; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[piv, c])) piv = r;
            for (int q = 0; q < 5; q++) (a[c, q], a[piv, q]) = (a[piv, q], a[c, q]);
            for (int r = 0; r < 4; r++) if (r != c) { double f = a[r, c] / a[c, c]; for (int q = c; q < 5; q++) a[r, q] -= f * a[c, q]; }
        }
        var centre = new Vec3(a[0, 4] / a[0, 0], a[1, 4] / a[1, 1], a[2, 4] / a[2, 2]);
        double d = a[3, 4] / a[3, 3];
        return (centre, Math.Sqrt(d + centre.Dot(centre)));
    }
}
