using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// Inputs on which the network could only return noise, refused before it runs with what is wrong in the user's words:
/// a radiograph that is blank, constant or not finite (the network min–max normalises each image, so a constant one
/// becomes all zeros and the registration follows nothing), and a view that does not see the atlas's femur at all (its
/// ProST projection is empty, the same failure from the other side).
/// </summary>
public static class DegenerateInputs
{
    /// <summary>Throws unless <paramref name="image"/> has only finite pixels and at least two different values.</summary>
    public static void CheckRadiograph(Image2D image, string what)
    {
        ArgumentNullException.ThrowIfNull(image);
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity; long nonFinite = 0;
        foreach (float p in image.Pixels)
        {
            if (!float.IsFinite(p)) { nonFinite++; continue; }
            if (p < lo) lo = p;
            if (p > hi) hi = p;
        }
        if (nonFinite > 0)
            throw new ArgumentException($"{what} has {nonFinite} of {image.Pixels.LongLength} pixels that are not finite numbers (NaN or infinite); " +
                                        "replace them (e.g. by 0 outside the femur) before registering");
        if (!(hi - lo > 1e-6 * Math.Max(1.0, Math.Abs(hi))))
            throw new ArgumentException($"{what} is constant (every pixel is {lo:g6}): it shows no femur to register to");
    }

    /// <summary>
    /// Throws unless the femur's bounding box (<paramref name="femurCorners"/>, RAS) projects at least partly onto the
    /// detector of <paramref name="view"/> from in front of its source.
    /// </summary>
    public static void CheckAtlasSeen(IReadOnlyList<Vec3> femurCorners, CalibratedView view, string what)
    {
        double c0 = double.PositiveInfinity, c1 = double.NegativeInfinity, r0 = double.PositiveInfinity, r1 = double.NegativeInfinity;
        foreach (var corner in femurCorners)
        {
            var hit = view.Project(corner);
            if (hit is null)
                throw new ArgumentException($"the atlas's femur lies behind the X-ray source of the {what} (corner at RAS {corner}); " +
                                            "check the view's source and detector positions");
            (c0, c1) = (Math.Min(c0, hit.Value.Column), Math.Max(c1, hit.Value.Column));
            (r0, r1) = (Math.Min(r0, hit.Value.Row), Math.Max(r1, hit.Value.Row));
        }
        bool overlaps = c1 >= -0.5 && c0 <= view.Columns - 0.5 && r1 >= -0.5 && r0 <= view.Rows - 0.5;
        if (!overlaps)
            throw new ArgumentException(FormattableString.Invariant(
                $"the atlas's femur projects outside the {what}'s detector (columns {c0:F0}…{c1:F0}, rows {r0:F0}…{r1:F0}; the detector has 0…{view.Columns - 1} × 0…{view.Rows - 1}): ") +
                "the view does not look at the atlas frame; check its geometry (source, detector centre and directions, in patient RAS mm)");
    }

    /// <summary>The 8 RAS corners of the voxels with <paramref name="labelValue"/> in <paramref name="label"/> (voxel centres); empty when there are none.</summary>
    public static IReadOnlyList<Vec3> LabelCorners(Volume label, int labelValue)
    {
        var s = label.Size;
        int i0 = int.MaxValue, i1 = -1, j0 = int.MaxValue, j1 = -1, k0 = int.MaxValue, k1 = -1;
        long n = 0;
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++, n++)
                {
                    if ((int)Math.Round(label.GetElement(n)) != labelValue) continue;
                    (i0, i1, j0, j1, k0, k1) = (Math.Min(i0, i), Math.Max(i1, i), Math.Min(j0, j), Math.Max(j1, j), Math.Min(k0, k), Math.Max(k1, k));
                }
        if (i1 < 0) return Array.Empty<Vec3>();
        var corners = new List<Vec3>(8);
        foreach (int k in new[] { k0, k1 }) foreach (int j in new[] { j0, j1 }) foreach (int i in new[] { i0, i1 })
            corners.Add(label.Geometry.IndexToRas(new Vec3(i, j, k)));
        return corners;
    }
}
