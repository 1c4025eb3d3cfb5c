using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Surface (boundary) voxels of a binary mask: foreground voxels with at least one of their 6 face neighbours in the
/// background, where voxels outside the grid count as background. This is mask XOR erosion(mask) with a 6-connected
/// structuring element and border value 0 — scipy.ndimage.binary_erosion's default, as MONAI's get_mask_edges uses —
/// and, for objects away from the grid border, plastimatch's Image_boundary / ITK's face-connected contour.
/// With <c>gridFacesAreSurface: false</c>, voxels outside the grid count as foreground instead (binary_erosion with
/// border_value=1): where the field of view cuts an object (a femoral shaft cut by the CT's last slice) the cut face is
/// not an anatomical surface and is left out.
/// </summary>
public static class SurfaceVoxels
{
    /// <summary>Linear indices (k·J + j)·I + i of the surface voxels, in increasing order.</summary>
    public static long[] Find(bool[] mask, GridSize size, bool gridFacesAreSurface = true)
    {
        if (mask.LongLength != size.VoxelCount) throw new ArgumentException($"mask has {mask.LongLength} voxels, grid {size} needs {size.VoxelCount}");
        int ni = size.I, nj = size.J, nk = size.K;
        long slice = (long)ni * nj;
        bool edge = gridFacesAreSurface;
        var perSlice = new List<long>[nk];
        Parallel.For(0, nk, k =>
        {
            var found = new List<long>();
            for (int j = 0; j < nj; j++)
            {
                long row = k * slice + (long)j * ni;
                for (int i = 0; i < ni; i++)
                {
                    long n = row + i;
                    if (!mask[n]) continue;
                    bool surface =
                        (i == 0 ? edge : !mask[n - 1]) || (i == ni - 1 ? edge : !mask[n + 1]) ||
                        (j == 0 ? edge : !mask[n - ni]) || (j == nj - 1 ? edge : !mask[n + ni]) ||
                        (k == 0 ? edge : !mask[n - slice]) || (k == nk - 1 ? edge : !mask[n + slice]);
                    if (surface) found.Add(n);
                }
            }
            perSlice[k] = found;
        });
        var all = new long[perSlice.Sum(l => (long)l.Count)];
        long at = 0;
        foreach (var l in perSlice) { l.CopyTo(all, (int)at); at += l.Count; }
        return all;
    }
}
