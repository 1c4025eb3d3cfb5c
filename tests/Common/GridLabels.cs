using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Tests.Common;

/// <summary>Reads a label map at another grid's voxel centres, for scoring a result that lies on a moved grid (a placed registration) against the truth.</summary>
public static class GridLabels
{
    /// <summary>Whether <paramref name="label"/> holds <paramref name="value"/> at each voxel centre of <paramref name="reference"/> (nearest voxel; outside it: no).</summary>
    public static bool[] LabelAt(Volume reference, Volume label, int value)
    {
        var g = reference.Geometry; var result = new bool[g.Size.VoxelCount]; long n = 0;
        for (int k = 0; k < g.Size.K; k++)
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i < g.Size.I; i++, n++)
                {
                    var ijk = label.Geometry.RasToIndex(g.IndexToRas(new Vec3(i, j, k)));
                    int a = (int)Math.Round(ijk.X), b = (int)Math.Round(ijk.Y), c = (int)Math.Round(ijk.Z);
                    if (a >= 0 && b >= 0 && c >= 0 && a < label.Size.I && b < label.Size.J && c < label.Size.K) result[n] = label[a, b, c] == value;
                }
        return result;
    }
}
