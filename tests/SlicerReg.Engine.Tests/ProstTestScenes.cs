using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Oblique, anisotropic grids, non-axis-aligned views and analytic phantoms for the ProST tests.</summary>
internal static class ProstTestScenes
{
    /// <summary>Rotation by <paramref name="degrees"/> about <paramref name="axis"/> (Rodrigues).</summary>
    public static Mat3 Rotation(Vec3 axis, double degrees)
    {
        var a = axis.Normalized(); double t = degrees * Math.PI / 180, c = Math.Cos(t), s = Math.Sin(t), v = 1 - c;
        return new Mat3(new[]
        {
            c + a.X * a.X * v,       a.X * a.Y * v - a.Z * s, a.X * a.Z * v + a.Y * s,
            a.Y * a.X * v + a.Z * s, c + a.Y * a.Y * v,       a.Y * a.Z * v - a.X * s,
            a.Z * a.X * v - a.Y * s, a.Z * a.Y * v + a.X * s, c + a.Z * a.Z * v,
        });
    }

    /// <summary>A grid with direction <paramref name="direction"/> whose centre (in RAS) is <paramref name="centre"/>.</summary>
    public static ImageGeometry CentredGrid(GridSize size, Vec3 spacing, Mat3 direction, Vec3 centre)
    {
        var g0 = new ImageGeometry(size, spacing, Vec3.Zero, direction);
        var mid = g0.IndexToRas(new Vec3((size.I - 1) / 2.0, (size.J - 1) / 2.0, (size.K - 1) / 2.0));
        return new ImageGeometry(size, spacing, centre - mid, direction);
    }

    /// <summary>The oblique anisotropic grid used by most tests: 25° about (1, 2, 3), spacing 1.1 × 1.4 × 1.7 mm.</summary>
    public static ImageGeometry ObliqueGrid(GridSize size, Vec3? centre = null)
        => CentredGrid(size, new Vec3(1.1, 1.4, 1.7), Rotation(new Vec3(1, 2, 3), 25), centre ?? new Vec3(10, -20, 30));

    /// <summary>
    /// A view looking at <paramref name="target"/> from direction <paramref name="fromDirection"/> (source at
    /// <paramref name="sourceDistance"/>), detector at SID 1000 mm, its columns rolled by <paramref name="rollDegrees"/>.
    /// </summary>
    public static CalibratedView ViewOf(Vec3 target, Vec3 fromDirection, double sourceDistance, int columns, int rows,
                                        double columnSpacing, double rowSpacing, double rollDegrees = 17, double sid = 1000)
    {
        var toSource = fromDirection.Normalized();
        var source = target + sourceDistance * toSource;
        var w = -toSource; // source → detector
        var helper = Math.Abs(w.Z) < 0.9 ? new Vec3(0, 0, 1) : new Vec3(1, 0, 0);
        var col0 = helper.Cross(w).Normalized();
        var col = Rotation(w, rollDegrees) * col0;
        var row = w.Cross(col).Normalized();
        return new CalibratedView(source, source + sid * w, col, row, columnSpacing, rowSpacing, columns, rows);
    }

    /// <summary>
    /// A uniform ball of value <paramref name="mu"/> voxelised with partial volume (n³ sub-samples per voxel cell), as a
    /// (1, 1, K, J, I) float tensor on <paramref name="grid"/>.
    /// </summary>
    public static Tensor Ball(ImageGeometry grid, Vec3 centre, double radius, double mu, int n = 5, ScalarType dtype = ScalarType.Float32)
    {
        var s = grid.Size;
        var data = new double[s.VoxelCount];
        var m = grid.IjkToRas;
        double reach = radius + grid.Spacing.Norm; // skip voxels certainly outside
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    var x = m.TransformPoint(new Vec3(i, j, k));
                    if ((x - centre).Norm > reach) continue;
                    int inside = 0;
                    for (int a = 0; a < n; a++) for (int b = 0; b < n; b++) for (int c = 0; c < n; c++)
                    {
                        var p = m.TransformPoint(new Vec3(i + (a + 0.5) / n - 0.5, j + (b + 0.5) / n - 0.5, k + (c + 0.5) / n - 0.5));
                        if ((p - centre).Norm <= radius) inside++;
                    }
                    data[((long)k * s.J + j) * s.I + i] = mu * inside / (n * n * n);
                }
        return tensor(data, new long[] { 1, 1, s.K, s.J, s.I }).to(dtype);
    }

    /// <summary>A smooth field f(x) evaluated at every voxel centre, as a (1, 1, K, J, I) tensor.</summary>
    public static Tensor Field(ImageGeometry grid, Func<Vec3, double> f, ScalarType dtype = ScalarType.Float32)
    {
        var s = grid.Size;
        var data = new double[s.VoxelCount];
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                    data[((long)k * s.J + j) * s.I + i] = f(grid.IndexToRas(new Vec3(i, j, k)));
        return tensor(data, new long[] { 1, 1, s.K, s.J, s.I }).to(dtype);
    }

    public static Func<Vec3, double> Gaussian(Vec3 centre, double sigma) => x => Math.Exp(-(x - centre).Dot(x - centre) / (2 * sigma * sigma));

    /// <summary>Chord length of the ray source → direction u (unit) through a ball.</summary>
    public static double ChordThroughBall(Vec3 source, Vec3 u, Vec3 centre, double radius)
    {
        var w = centre - source;
        double b = w.Dot(u), h2 = w.Dot(w) - b * b;
        return h2 < radius * radius && b > 0 ? 2 * Math.Sqrt(radius * radius - h2) : 0;
    }

    /// <summary>4×4 row-major tensor (1, 4, 4) of a RAS affine.</summary>
    public static Tensor Affine(Mat3 linear, Vec3 translation, ScalarType dtype = ScalarType.Float32)
        => tensor(new[]
        {
            linear[0, 0], linear[0, 1], linear[0, 2], translation.X,
            linear[1, 0], linear[1, 1], linear[1, 2], translation.Y,
            linear[2, 0], linear[2, 1], linear[2, 2], translation.Z,
            0, 0, 0, 1.0,
        }, new long[] { 1, 4, 4 }).to(dtype);

    /// <summary>Image (rows, columns) of a (1, 1, rows, columns) projection as [row, column] doubles.</summary>
    public static double[,] ToImage(Tensor projection)
    {
        var t = projection.detach().to(ScalarType.Float64).cpu();
        int rows = (int)t.shape[2], cols = (int)t.shape[3];
        var v = t.contiguous().data<double>().ToArray();
        var img = new double[rows, cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) img[r, c] = v[r * cols + c];
        return img;
    }

    /// <summary>(column, row) of the image maximum and the intensity centroid within <paramref name="window"/> pixels of it.</summary>
    public static (int Column, int Row, double CentroidColumn, double CentroidRow) Peak(double[,] img, int window = 3)
    {
        int rows = img.GetLength(0), cols = img.GetLength(1), br = 0, bc = 0;
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) if (img[r, c] > img[br, bc]) { br = r; bc = c; }
        double sw = 0, sc = 0, sr = 0;
        for (int r = Math.Max(0, br - window); r <= Math.Min(rows - 1, br + window); r++)
            for (int c = Math.Max(0, bc - window); c <= Math.Min(cols - 1, bc + window); c++)
            { sw += img[r, c]; sc += img[r, c] * c; sr += img[r, c] * r; }
        return (bc, br, sc / sw, sr / sw);
    }
}
