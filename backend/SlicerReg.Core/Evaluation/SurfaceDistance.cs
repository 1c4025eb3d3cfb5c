using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Surface distances between two label maps, in mm (paper, "Evaluation metrics": ASSD). Definitions follow MONAI's
/// compute_average_surface_distance(symmetric=True) and compute_hausdorff_distance(percentile=95):
/// <list type="bullet">
/// <item>surface voxels as in <see cref="SurfaceVoxels"/>; d(x, S) = Euclidean distance from the centre of surface voxel
/// x to the nearest surface-voxel centre of the other mask (exact EDT, <see cref="EuclideanDistanceTransform"/>);</item>
/// <item>ASSD = (Σ_{a∈∂R} d(a,∂T) + Σ_{b∈∂T} d(b,∂R)) / (|∂R| + |∂T|) — the mean of the pooled distances;</item>
/// <item>HD95 = max of the two directed 95th percentiles (linear interpolation, <see cref="Percentile"/>);</item>
/// <item>Hausdorff = the largest of all these distances.</item>
/// </list>
/// Distances are measured in the grid's index frame scaled by spacing; that equals the RAS distance because the direction
/// axes are orthonormal (checked; sheared grids are refused). If either mask is empty the distances are undefined:
/// every value is NaN and the distance arrays are empty (also when a mask has no surface voxel left because
/// <c>gridFacesAreSurface</c> is false and it fills the grid).
/// plastimatch dice --hausdorff "(boundary)" values use the same surface and distance but average differently:
/// its "Avg average" is ½(mean d(∂R→∂T) + mean d(∂T→∂R)) and its "Percent (0.95)" is ½(p_R + p_T), each p the
/// ⌊0.95·n − 1⌋-th smallest (0-based) directed distance — see <see cref="PlastimatchStyle"/>.
/// </summary>
public sealed class SurfaceDistanceResult
{
    /// <summary>d(a, ∂T) for every reference surface voxel a, in increasing linear-index order (mm).</summary>
    public double[] ReferenceToTest { get; }
    /// <summary>d(b, ∂R) for every test surface voxel b (mm).</summary>
    public double[] TestToReference { get; }

    public double Assd { get; }
    public double Hd95 { get; }
    public double Hausdorff { get; }
    public double MeanReferenceToTest { get; }
    public double MeanTestToReference { get; }
    public double Percentile95ReferenceToTest { get; }
    public double Percentile95TestToReference { get; }

    internal SurfaceDistanceResult(double[] referenceToTest, double[] testToReference)
    {
        ReferenceToTest = referenceToTest; TestToReference = testToReference;
        if (referenceToTest.Length == 0 || testToReference.Length == 0)
        {
            Assd = Hd95 = Hausdorff = MeanReferenceToTest = MeanTestToReference = Percentile95ReferenceToTest = Percentile95TestToReference = double.NaN;
            return;
        }
        double sumR = referenceToTest.Sum(), sumT = testToReference.Sum();
        MeanReferenceToTest = sumR / referenceToTest.Length;
        MeanTestToReference = sumT / testToReference.Length;
        Assd = (sumR + sumT) / (referenceToTest.Length + testToReference.Length);
        var sr = Sorted(referenceToTest); var st = Sorted(testToReference);
        Percentile95ReferenceToTest = Percentile.LinearOfSorted(sr, 95);
        Percentile95TestToReference = Percentile.LinearOfSorted(st, 95);
        Hd95 = Math.Max(Percentile95ReferenceToTest, Percentile95TestToReference);
        Hausdorff = Math.Max(sr[^1], st[^1]);
    }

    static double[] Sorted(double[] a) { var s = (double[])a.Clone(); Array.Sort(s); return s; }

    /// <summary>plastimatch dice's "(boundary)" statistics computed from these same distances (see class remarks).</summary>
    public (double Hausdorff, double AvgAverage, double MaxAverage, double Percent95) PlastimatchStyle()
    {
        if (ReferenceToTest.Length == 0 || TestToReference.Length == 0) return (double.NaN, double.NaN, double.NaN, double.NaN);
        static double Pct(double[] d)
        {
            var s = Sorted(d);
            int ordinal = Math.Clamp((int)Math.Floor(0.95 * s.Length - 1), 0, s.Length - 1);
            return s[ordinal];
        }
        return (Hausdorff, 0.5 * (MeanReferenceToTest + MeanTestToReference), Math.Max(MeanReferenceToTest, MeanTestToReference),
                0.5 * (Pct(ReferenceToTest) + Pct(TestToReference)));
    }
}

public static class SurfaceDistance
{
    /// <summary>
    /// Surface distances between the foregrounds (label &gt; 0, or == <paramref name="label"/>) of two label maps on the
    /// same grid. <paramref name="gridFacesAreSurface"/>: see <see cref="SurfaceVoxels"/> (true: MONAI's convention).
    /// </summary>
    public static SurfaceDistanceResult Compute(Volume reference, Volume test, int? label = null, bool gridFacesAreSurface = true)
    {
        GridMatch.Require(reference, "reference label map", test, "test label map");
        GridMatch.RequireOrthogonalAxes(reference.Geometry, "reference label map");
        return Compute(BinaryMask.From(reference, label, "reference label map"), BinaryMask.From(test, label, "test label map"),
                       reference.Size, reference.Geometry.Spacing, gridFacesAreSurface);
    }

    public static SurfaceDistanceResult Compute(bool[] reference, bool[] test, GridSize size, Vec3 spacing, bool gridFacesAreSurface = true)
    {
        var sr = SurfaceVoxels.Find(reference, size, gridFacesAreSurface);
        var st = SurfaceVoxels.Find(test, size, gridFacesAreSurface);
        if (sr.Length == 0 || st.Length == 0) return new SurfaceDistanceResult(Array.Empty<double>(), Array.Empty<double>());

        // The EDT is exact on any box holding every feature and query voxel, so work in the bounding box of both surfaces.
        var box = Box.Of(sr, st, size);
        return new SurfaceDistanceResult(DistancesTo(st, sr, box, size, spacing), DistancesTo(sr, st, box, size, spacing));
    }

    /// <summary>Distance (mm) from each query voxel to the nearest feature voxel.</summary>
    static double[] DistancesTo(long[] features, long[] queries, Box box, GridSize size, Vec3 spacing)
    {
        var mask = new bool[box.Size.VoxelCount];
        foreach (var n in features) mask[box.ToLocal(n, size)] = true;
        var d2 = EuclideanDistanceTransform.SquaredDistanceToFeatures(mask, box.Size, spacing);
        var d = new double[queries.Length];
        for (int q = 0; q < queries.Length; q++) d[q] = Math.Sqrt(d2[box.ToLocal(queries[q], size)]);
        return d;
    }

    readonly record struct Box(int I0, int J0, int K0, GridSize Size)
    {
        public static Box Of(long[] a, long[] b, GridSize g)
        {
            int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
            foreach (var list in new[] { a, b })
                foreach (var n in list)
                {
                    int i = (int)(n % g.I), j = (int)(n / g.I % g.J), k = (int)(n / ((long)g.I * g.J));
                    i0 = Math.Min(i0, i); i1 = Math.Max(i1, i); j0 = Math.Min(j0, j); j1 = Math.Max(j1, j); k0 = Math.Min(k0, k); k1 = Math.Max(k1, k);
                }
            return new Box(i0, j0, k0, new GridSize(i1 - i0 + 1, j1 - j0 + 1, k1 - k0 + 1));
        }

        public long ToLocal(long n, GridSize g)
        {
            int i = (int)(n % g.I), j = (int)(n / g.I % g.J), k = (int)(n / ((long)g.I * g.J));
            return ((long)(k - K0) * Size.J + (j - J0)) * Size.I + (i - I0);
        }
    }
}
