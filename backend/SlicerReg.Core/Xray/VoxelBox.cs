using System.Runtime.InteropServices;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Xray;

/// <summary>An inclusive box of voxel indices [I0..I1] × [J0..J1] × [K0..K1].</summary>
public readonly record struct VoxelBox(int I0, int I1, int J0, int J1, int K0, int K1)
{
    /// <summary>The bounding box of the non-zero values of a grid (i fastest), or null when all are zero.</summary>
    public static VoxelBox? NonZero(float[] values, GridSize size)
    {
        int ni = size.I, nj = size.J, nk = size.K;
        var perSlice = new VoxelBox?[nk];
        Parallel.For(0, nk, k =>
        {
            int i0 = int.MaxValue, i1 = -1, j0 = int.MaxValue, j1 = -1;
            for (int j = 0; j < nj; j++)
            {
                // As int bits, so the search is vectorised (float is not bitwise-equatable); −0 and NaN count as non-zero,
                // which can only grow the box.
                var row = MemoryMarshal.Cast<float, int>(values.AsSpan((int)(((long)k * nj + j) * ni), ni));
                int first = row.IndexOfAnyExcept(0);
                if (first < 0) continue;
                int last = row.LastIndexOfAnyExcept(0);
                i0 = Math.Min(i0, first); i1 = Math.Max(i1, last);
                j0 = Math.Min(j0, j); j1 = j;
            }
            if (i1 >= 0) perSlice[k] = new VoxelBox(i0, i1, j0, j1, k, k);
        });
        VoxelBox? box = null;
        foreach (var b in perSlice)
            if (b is { } v)
                box = box is { } a ? new VoxelBox(Math.Min(a.I0, v.I0), Math.Max(a.I1, v.I1), Math.Min(a.J0, v.J0), Math.Max(a.J1, v.J1), a.K0, v.K1) : v;
        return box;
    }
}
