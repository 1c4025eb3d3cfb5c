using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Evaluation;

/// <summary>Local window of SSIM statistics.</summary>
public enum SsimWindow
{
    /// <summary>Uniform 7×7×7 box: scikit-image structural_similarity's default (win_size=7, gaussian_weights=False).</summary>
    Uniform7,
    /// <summary>Gaussian σ = 1.5 voxels truncated at 3.5σ (11 taps): structural_similarity(gaussian_weights=True), as in Wang et al. 2004.</summary>
    Gaussian15,
}

/// <summary>
/// SSIM settings. <paramref name="DataRange"/> L sets the stabilisers C1 = (0.01·L)², C2 = (0.03·L)². It must be fixed per
/// study, not per case (otherwise SSIM of different cases is not comparable): for CT use the intensity range of the
/// ground-truth/atlas data (e.g. max − min of the reference, <see cref="StructuralSimilarity.RangeOf"/>), or 1 for
/// intensities normalised to [0, 1]. scikit-image requires it for float images for the same reason.
/// <paramref name="UseSampleCovariance"/>: scale (co)variances by N/(N−1), N the number of window voxels — scikit-image's default.
/// </summary>
public sealed record SsimOptions(double DataRange, SsimWindow Window = SsimWindow.Uniform7, bool UseSampleCovariance = true)
{
    public const double K1 = 0.01, K2 = 0.03;
}

/// <summary>
/// Mean structural similarity (Wang et al., IEEE TIP 13(4), 2004) of two scalar volumes on the same grid, computed as
/// scikit-image's structural_similarity does for a 3D array: local means, variances and covariance from a separable
/// window, SSIM = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)) per voxel, averaged over the voxels at
/// least a window radius r from every face (scikit-image crops r = (win−1)/2 there, so border handling never matters).
/// The window is in voxels, as in scikit-image: spacing is ignored (anisotropic voxels get an anisotropic window in mm).
/// Computed in double precision, in parallel over slabs of k with a rolling buffer of 2r+1 filtered slices.
/// </summary>
public static class StructuralSimilarity
{
    public static double Compute(Volume reference, Volume test, SsimOptions options)
    {
        GridMatch.Require(reference, "reference volume", test, "test volume");
        if (reference.Components != 1 || test.Components != 1) throw new ArgumentException("SSIM needs scalar (one-component) volumes");
        return Compute(ToDouble(reference), ToDouble(test), reference.Size.I, reference.Size.J, reference.Size.K, options);
    }

    /// <summary>max − min of a scalar volume: a data range for <see cref="SsimOptions"/> taken from the reference image.</summary>
    public static double RangeOf(Volume v)
    {
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        for (long n = 0; n < v.ElementCount; n++) { double x = v.GetElement(n); if (x < lo) lo = x; if (x > hi) hi = x; }
        return hi - lo;
    }

    public static double[] Weights(SsimWindow window)
    {
        if (window == SsimWindow.Uniform7) return Enumerable.Repeat(1.0 / 7, 7).ToArray();
        // scipy.ndimage.gaussian_filter: radius = int(truncate·σ + 0.5) = 5, weights ∝ exp(−x²/2σ²), normalised.
        const double sigma = 1.5, truncate = 3.5;
        int r = (int)(truncate * sigma + 0.5);
        var w = new double[2 * r + 1];
        for (int t = -r; t <= r; t++) w[t + r] = Math.Exp(-0.5 * t * t / (sigma * sigma));
        double s = w.Sum();
        for (int t = 0; t < w.Length; t++) w[t] /= s;
        return w;
    }

    public static double Compute(double[] x, double[] y, int ni, int nj, int nk, SsimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.DataRange > 0) || !double.IsFinite(options.DataRange)) throw new ArgumentException($"SSIM data range must be positive and finite, got {options.DataRange}");
        if (x.LongLength != (long)ni * nj * nk || y.LongLength != x.LongLength) throw new ArgumentException("SSIM inputs do not match the grid size");
        var w = Weights(options.Window);
        int win = w.Length, r = win / 2;
        if (ni < win || nj < win || nk < win) throw new ArgumentException($"SSIM with a {win}-voxel window needs at least {win} voxels along every axis, got {ni}×{nj}×{nk}");

        int oi = ni - 2 * r, oj = nj - 2 * r, ok = nk - 2 * r;   // the cropped region SSIM is averaged over
        double nWin = Math.Pow(win, 3);
        double covNorm = options.UseSampleCovariance ? nWin / (nWin - 1) : 1.0;
        double c1 = Math.Pow(SsimOptions.K1 * options.DataRange, 2), c2 = Math.Pow(SsimOptions.K2 * options.DataRange, 2);

        int chunks = Math.Min(ok, Math.Max(1, Environment.ProcessorCount * 2));
        var sums = new double[chunks];
        Parallel.For(0, chunks, c =>
        {
            int k0 = (int)((long)ok * c / chunks), k1 = (int)((long)ok * (c + 1) / chunks);
            var ring = new SliceStats[win];
            for (int s = 0; s < win; s++) ring[s] = new SliceStats(oi * oj);
            var rows = new SliceStats(oi * nj);
            for (int kin = k0; kin < k0 + win - 1; kin++) FilterSlice(x, y, kin, ni, nj, oi, oj, w, rows, ring[kin % win]);
            double sum = 0;
            for (int kout = k0; kout < k1; kout++)
            {
                int kin = kout + win - 1;
                FilterSlice(x, y, kin, ni, nj, oi, oj, w, rows, ring[kin % win]);
                for (int n = 0; n < oi * oj; n++)
                {
                    double mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
                    for (int t = 0; t < win; t++)
                    {
                        var s = ring[(kout + t) % win]; double wt = w[t];
                        mx += wt * s.X[n]; my += wt * s.Y[n]; mxx += wt * s.XX[n]; myy += wt * s.YY[n]; mxy += wt * s.XY[n];
                    }
                    double vx = covNorm * (mxx - mx * mx), vy = covNorm * (myy - my * my), vxy = covNorm * (mxy - mx * my);
                    sum += (2 * mx * my + c1) * (2 * vxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
                }
            }
            sums[c] = sum;
        });
        return sums.Sum() / ((double)oi * oj * ok);
    }

    /// <summary>Window sums along i then j of x, y, x², y², xy for input slice k, into <paramref name="dst"/> (oi×oj).</summary>
    static void FilterSlice(double[] x, double[] y, int k, int ni, int nj, int oi, int oj, double[] w, SliceStats rows, SliceStats dst)
    {
        int win = w.Length;
        long slice = (long)k * ni * nj;
        for (int j = 0; j < nj; j++)
        {
            long row = slice + (long)j * ni;
            for (int i = 0; i < oi; i++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int t = 0; t < win; t++)
                {
                    double a = x[row + i + t], b = y[row + i + t], wt = w[t];
                    sx += wt * a; sy += wt * b; sxx += wt * a * a; syy += wt * b * b; sxy += wt * a * b;
                }
                int n = j * oi + i;
                rows.X[n] = sx; rows.Y[n] = sy; rows.XX[n] = sxx; rows.YY[n] = syy; rows.XY[n] = sxy;
            }
        }
        for (int j = 0; j < oj; j++)
            for (int i = 0; i < oi; i++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int t = 0; t < win; t++)
                {
                    int n = (j + t) * oi + i; double wt = w[t];
                    sx += wt * rows.X[n]; sy += wt * rows.Y[n]; sxx += wt * rows.XX[n]; syy += wt * rows.YY[n]; sxy += wt * rows.XY[n];
                }
                int m = j * oi + i;
                dst.X[m] = sx; dst.Y[m] = sy; dst.XX[m] = sxx; dst.YY[m] = syy; dst.XY[m] = sxy;
            }
    }

    sealed class SliceStats
    {
        public readonly double[] X, Y, XX, YY, XY;
        public SliceStats(int n) { X = new double[n]; Y = new double[n]; XX = new double[n]; YY = new double[n]; XY = new double[n]; }
    }

    static double[] ToDouble(Volume v)
    {
        var d = new double[v.ElementCount];
        switch (v.VoxelType)
        {
            case VoxelType.UInt8: { var a = v.As<byte>(); for (long n = 0; n < d.LongLength; n++) d[n] = a[n]; break; }
            case VoxelType.Int16: { var a = v.As<short>(); for (long n = 0; n < d.LongLength; n++) d[n] = a[n]; break; }
            case VoxelType.UInt16: { var a = v.As<ushort>(); for (long n = 0; n < d.LongLength; n++) d[n] = a[n]; break; }
            case VoxelType.Int32: { var a = v.As<int>(); for (long n = 0; n < d.LongLength; n++) d[n] = a[n]; break; }
            case VoxelType.Float32: { var a = v.As<float>(); for (long n = 0; n < d.LongLength; n++) d[n] = a[n]; break; }
            case VoxelType.Float64: Array.Copy(v.As<double>(), d, d.LongLength); break;
        }
        return d;
    }
}
