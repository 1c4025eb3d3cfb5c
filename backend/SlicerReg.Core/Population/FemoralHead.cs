using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>
/// Finds the femoral head in a femur label map from the top part of the label (docs/population.md, "Importing CTs"):
/// <list type="number">
/// <item>The top: the highest femur voxel; the head is the top of the femur in any hip CT of a supine patient.</item>
/// <item>The cap: femur voxels within <see cref="CapHeightMm"/> below it and within <see cref="CapRadiusMm"/> horizontally of
///   the topmost voxels (this excludes the greater trochanter, which lies a femoral offset, ≥ 30 mm, lateral).</item>
/// <item>Each axial slice of a sphere has area A(z) = π(r² − (z − c)²), so A/π + z² = (r² − c²) + 2c·z is linear in z:
///   a least-squares line through the cap's slices gives the centre height c and the radius r; the centre's x, y is the
///   cap's centroid.</item>
/// </list>
/// Assumes the CT is roughly axial (z = superior): slices are the voxel layers of equal z.
/// </summary>
public static class FemoralHead
{
    public const double CapHeightMm = 15, CapRadiusMm = 30;

    public sealed record Estimate(Vec3 Centre, double RadiusMm, int CapVoxels);

    public static Estimate Locate(Volume label, byte femurValue, string origin)
    {
        var g = label.Geometry;
        var lin = g.IjkToRas.Linear;
        double sliceThickness = Math.Abs(lin[2, 0]) + Math.Abs(lin[2, 1]) + Math.Abs(lin[2, 2]);
        double voxelVolume = Math.Abs(lin.Determinant);
        var points = FemurPoints(label, femurValue);
        if (points.Count == 0) throw new ImageFormatException(origin, $"the label map has no femur voxels (label {femurValue})");
        double zMax = points.Max(p => p.Z);
        var top = points.Where(p => p.Z >= zMax - 4).ToList();
        double tx = top.Average(p => p.X), ty = top.Average(p => p.Y);
        var cap = points.Where(p => p.Z >= zMax - CapHeightMm && Math.Sqrt((p.X - tx) * (p.X - tx) + (p.Y - ty) * (p.Y - ty)) <= CapRadiusMm).ToList();
        var slices = cap.GroupBy(p => Math.Round(p.Z, 3)).Select(s => (Z: s.Key, Y: s.Count() * voxelVolume / sliceThickness / Math.PI + s.Key * s.Key)).ToList();
        if (slices.Count < 3)
            throw new ImageFormatException(origin, $"cannot find the femoral head: the top {CapHeightMm} mm of the femur label span {slices.Count} slice(s) (need 3; slices thinner than 5 mm)");
        double mz = slices.Average(s => s.Z), my = slices.Average(s => s.Y);
        double beta = slices.Sum(s => (s.Z - mz) * (s.Y - my)) / slices.Sum(s => (s.Z - mz) * (s.Z - mz));
        double alpha = my - beta * mz, c = beta / 2, r2 = alpha + c * c;
        double r = r2 > 0 ? Math.Sqrt(r2) : double.NaN;
        if (!(r > 5 && r < 60) || c > zMax)
            throw new ImageFormatException(origin, $"cannot find the femoral head: the top {CapHeightMm} mm of the femur label ({cap.Count} voxels) do not look like a spherical cap (radius {r:F1} mm, centre height {c:F1} mm)");
        return new Estimate(new Vec3(cap.Average(p => p.X), cap.Average(p => p.Y), c), r, cap.Count);
    }

    /// <summary>
    /// Left or right from the anatomy, not from the body midline (a crop may not contain it): the head is medial of the
    /// shaft, and medial is −x (patient's left) for a right femur, +x for a left one. The shaft is the femur label more than
    /// 60 mm below the head centre.
    /// </summary>
    public static FemurSide DetectSide(Volume label, byte femurValue, Vec3 headCentre, string origin)
    {
        var shaft = FemurPoints(label, femurValue).Where(p => p.Z < headCentre.Z - 60).ToList();
        if (shaft.Count == 0)
            throw new ImageFormatException(origin, "cannot tell left from right: the femur label does not reach 60 mm below the head (give the side explicitly)");
        double dx = shaft.Average(p => p.X) - headCentre.X;
        if (Math.Abs(dx) < 5)
            throw new ImageFormatException(origin, $"cannot tell left from right: the shaft lies only {dx:F1} mm from the head horizontally (give the side explicitly)");
        return dx > 0 ? FemurSide.Right : FemurSide.Left;
    }

    static List<Vec3> FemurPoints(Volume label, byte femurValue)
    {
        var g = label.Geometry; var pts = new List<Vec3>();
        long n = 0;
        for (int k = 0; k < g.Size.K; k++)
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i < g.Size.I; i++, n++)
                    if (Math.Round(label.GetElement(n)) == femurValue) pts.Add(g.IndexToRas(new Vec3(i, j, k)));
        return pts;
    }
}
