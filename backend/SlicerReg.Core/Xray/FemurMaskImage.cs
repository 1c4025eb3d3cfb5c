using SlicerReg.Core.IO;

namespace SlicerReg.Core.Xray;

/// <summary>
/// A femur mask drawn on a radiograph (`--ap-mask`, `--lat-mask`): a 2D label map on the radiograph's own pixel grid
/// (columns × rows × 1, any voxel type), non-zero on the femur. In 3D Slicer: a segmentation drawn on the radiograph with
/// the Segment Editor, exported as a labelmap volume with the radiograph as reference geometry; `slicerreg simulate`
/// writes one per view (*_mask.nrrd, and *_user_mask.nrrd with --realistic). Only the pixel grid is compared: the mask
/// shares the radiograph's pixels, whatever 3D placement its file carries.
/// </summary>
public static class FemurMaskImage
{
    /// <summary>The mask of <paramref name="path"/> as one flag per pixel of a columns × rows radiograph (row-major, column fastest).</summary>
    public static bool[] Read(string path, int columns, int rows)
    {
        var v = VolumeFile.Read(path);
        if (v.Components != 1 || v.Size.K != 1)
            throw new ImageFormatException(path, $"a femur mask must be one slice of one component (a 2D label map), got {v.Size}×{v.Components}");
        if (v.Size.I != columns || v.Size.J != rows)
            throw new ImageFormatException(path, $"the mask is {v.Size.I} × {v.Size.J} pixels but its radiograph is {columns} × {rows}: draw it on the radiograph's own grid");
        var mask = new bool[v.VoxelCount];
        long count = 0;
        for (long n = 0; n < mask.LongLength; n++) if (mask[n] = v.GetElement(n) != 0) count++;
        if (count == 0) throw new ImageFormatException(path, "the femur mask is empty (no non-zero pixel)");
        return mask;
    }
}
