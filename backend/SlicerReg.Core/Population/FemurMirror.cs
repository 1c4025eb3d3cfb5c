using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Population;

/// <summary>
/// Left femurs become right ones by a reflection through the frame's sagittal plane x = 0 (the paper flips its left-femur
/// crops "to resemble right ones", "CT-data preprocessing"). The reflection M = diag(−1, 1, 1) is applied to the image as an
/// object: voxel i of the result holds voxel n−1−i of the input, and its grid is M·(input grid) re-indexed, so the result is
/// an ordinary right-handed grid (an axial grid stays axial) and no voxel value is interpolated.
/// </summary>
public static class FemurMirror
{
    public static readonly Mat3 Reflection = Mat3.Diagonal(-1, 1, 1);

    /// <summary>The grid whose voxel centres are the reflections of <paramref name="g"/>'s, in reversed i order.</summary>
    public static ImageGeometry MirrorGeometry(ImageGeometry g)
    {
        var a = g.IjkToRas;
        var linear = Reflection * a.Linear * Mat3.Diagonal(-1, 1, 1);
        var translation = Reflection * (a.Translation + (g.Size.I - 1) * a.Linear.Column(0));
        return ImageGeometry.FromIjkToRas(g.Size, new Mat4(linear, translation));
    }

    /// <summary>The reflected image (any voxel type and component count; metadata and kind kept).</summary>
    public static Volume Mirror(Volume v)
    {
        if (v.Kind == VolumeKind.DisplacementField) throw new ArgumentException("mirroring a displacement field would also need its x components negated; not supported");
        return ReverseI(v, MirrorGeometry(v.Geometry));
    }

    /// <summary>Voxel i of the result is voxel I−1−i of <paramref name="v"/>, on <paramref name="geometry"/> (metadata and kind kept; values not interpolated).</summary>
    public static Volume ReverseI(Volume v, ImageGeometry geometry)
    {
        var result = new Volume(geometry, v.VoxelType, v.Components, v.Kind);
        foreach (var (k, val) in v.Metadata) result.Metadata[k] = val;
        int ni = v.Size.I, nc = v.Components;
        var src = v.Data; var dst = result.Data;
        for (int k = 0; k < v.Size.K; k++)
            for (int j = 0; j < v.Size.J; j++)
            {
                long row = v.LinearIndex(0, j, k) * nc;
                for (int i = 0; i < ni; i++)
                    Array.Copy(src, row + (long)(ni - 1 - i) * nc, dst, row + (long)i * nc, nc);
            }
        return result;
    }
}
