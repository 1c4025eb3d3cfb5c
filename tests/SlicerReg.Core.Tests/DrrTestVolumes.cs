using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Tests;

/// <summary>Synthetic phantoms for the DRR tests, built from analytic shapes in RAS.</summary>
public static class DrrTestVolumes
{
    /// <summary>A rotation (RAS) by the given angles about x, then y, then z: an oblique grid direction.</summary>
    public static Mat3 Oblique(double ax, double ay, double az)
    {
        double a = ax * Math.PI / 180, b = ay * Math.PI / 180, c = az * Math.PI / 180;
        var rx = new Mat3(new[] { 1, 0, 0, 0, Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a) });
        var ry = new Mat3(new[] { Math.Cos(b), 0, Math.Sin(b), 0, 1, 0, -Math.Sin(b), 0, Math.Cos(b) });
        var rz = new Mat3(new[] { Math.Cos(c), -Math.Sin(c), 0, Math.Sin(c), Math.Cos(c), 0, 0, 0, 1 });
        return rz * ry * rx;
    }

    /// <summary>A grid of <paramref name="size"/> whose centre voxel sits at <paramref name="centerRas"/>.</summary>
    public static ImageGeometry Centered(GridSize size, Vec3 spacing, Mat3 direction, Vec3 centerRas)
    {
        var g0 = new ImageGeometry(size, spacing, Vec3.Zero, direction);
        var mid = g0.IndexToRas(new Vec3((size.I - 1) / 2.0, (size.J - 1) / 2.0, (size.K - 1) / 2.0));
        return new ImageGeometry(size, spacing, centerRas - mid, direction);
    }

    /// <summary>
    /// A float volume of value <paramref name="mu"/> inside a sphere, with partial-volume voxels on its surface
    /// (each boundary voxel's value is <paramref name="mu"/> × the fraction of 6³ sub-samples inside).
    /// </summary>
    public static Volume Sphere(ImageGeometry g, Vec3 center, double radius, double mu)
    {
        var v = new Volume(g, VoxelType.Float32);
        var data = v.As<float>();
        const int sub = 6;
        double halfDiag = 0.5 * g.Spacing.Norm;
        Parallel.For(0, g.Size.K, k =>
        {
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i < g.Size.I; i++)
                {
                    double d = (g.IndexToRas(new Vec3(i, j, k)) - center).Norm;
                    double f;
                    if (d < radius - halfDiag) f = 1;
                    else if (d > radius + halfDiag) f = 0;
                    else
                    {
                        int inside = 0;
                        for (int a = 0; a < sub; a++) for (int b = 0; b < sub; b++) for (int c = 0; c < sub; c++)
                        {
                            var p = g.IndexToRas(new Vec3(i - 0.5 + (a + 0.5) / sub, j - 0.5 + (b + 0.5) / sub, k - 0.5 + (c + 0.5) / sub));
                            if ((p - center).Norm < radius) inside++;
                        }
                        f = inside / (double)(sub * sub * sub);
                    }
                    data[v.LinearIndex(i, j, k)] = (float)(mu * f);
                }
        });
        return v;
    }

    /// <summary>Distance from <paramref name="p"/> to the line through <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static double DistanceToLine(Vec3 p, Vec3 a, Vec3 b)
    {
        var u = (b - a).Normalized();
        var w = p - a;
        return (w - w.Dot(u) * u).Norm;
    }

    /// <summary>Intensity-weighted centroid (column, row) of an image region around its maximum.</summary>
    public static (double Column, double Row, int MaxColumn, int MaxRow) Centroid(Imaging.Image2D img, int halfWindow = 6)
    {
        int best = 0;
        for (int n = 1; n < img.Pixels.Length; n++) if (img.Pixels[n] > img.Pixels[best]) best = n;
        int mc = best % img.Columns, mr = best / img.Columns;
        double s = 0, sc = 0, sr = 0;
        for (int r = Math.Max(0, mr - halfWindow); r <= Math.Min(img.Rows - 1, mr + halfWindow); r++)
            for (int c = Math.Max(0, mc - halfWindow); c <= Math.Min(img.Columns - 1, mc + halfWindow); c++)
            { double w = img[c, r]; s += w; sc += w * c; sr += w * r; }
        return (sc / s, sr / s, mc, mr);
    }
}
