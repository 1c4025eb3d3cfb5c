using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>
/// Finds the femoral head in a femur label map from the top part of the label (docs/population.md, "Importing CTs"):
/// <list type="number">
/// <item>z_top = the highest femur voxel (RAS superior, the voxel's top face); the head is the top of the femur in a
///   standing/supine CT.</item>
/// <item>The cap: femur voxels within <see cref="CapHeightMm"/> below z_top and within <see cref="CapRadiusMm"/> horizontally of
///   the topmost voxels (this excludes the greater trochanter, which lies a femoral offset, ≥ 30 mm, lateral).</item>
/// <item>Its centroid gives the head axis (x, y); its volume V gives the sphere radius from the spherical-cap formula
///   V = πh²(3r − h)/3, so r = (3V/(πh²) + h)/3; the head centre is (x, y, z_top − r).</item>
/// </list>
/// Assumes the head is the topmost part of the femur label (true for any hip CT of a patient lying supine) and the CT is
/// roughly axial (z = superior).
/// </summary>
public static class FemoralHead
{
    public const double CapHeightMm = 12, CapRadiusMm = 30;

    public sealed record Estimate(Vec3 Centre, double RadiusMm, int CapVoxels);

    public static Estimate Locate(Volume label, byte femurValue, string origin)
    {
        var g = label.Geometry;
        var lin = g.IjkToRas.Linear;
        double halfZ = 0.5 * (Math.Abs(lin[2, 0]) + Math.Abs(lin[2, 1]) + Math.Abs(lin[2, 2]));
        double voxelVolume = Math.Abs(lin.Determinant);
        var points = FemurPoints(label, femurValue);
        if (points.Count == 0) throw new ImageFormatException(origin, $"the label map has no femur voxels (label {femurValue})");
        double zTop = points.Max(p => p.Z) + halfZ;
        var top = points.Where(p => p.Z >= zTop - halfZ - 4).ToList();
        double tx = top.Average(p => p.X), ty = top.Average(p => p.Y);
        var cap = points.Where(p => p.Z >= zTop - CapHeightMm && Math.Sqrt((p.X - tx) * (p.X - tx) + (p.Y - ty) * (p.Y - ty)) <= CapRadiusMm).ToList();
        double h = CapHeightMm, volume = cap.Count * voxelVolume;
        double r = (3 * volume / (Math.PI * h * h) + h) / 3;
        if (cap.Count < 8 || !(r > 5 && r < 60))
            throw new ImageFormatException(origin, $"cannot find the femoral head: the top {h} mm of the femur label ({cap.Count} voxels) do not look like a spherical cap (radius {r:F1} mm)");
        return new Estimate(new Vec3(cap.Average(p => p.X), cap.Average(p => p.Y), zTop - r), r, cap.Count);
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
