namespace SlicerReg.Core.Imaging;

/// <summary>What the voxels mean; writers use it so Slicer loads the file as the right node type.</summary>
public enum VolumeKind
{
    /// <summary>Scalar intensities (CT in HU, a DRR, a probability).</summary>
    Scalar,
    /// <summary>Integer labels (0 = background); loaded by Slicer as a label map.</summary>
    LabelMap,
    /// <summary>
    /// 3-component displacement u(x) in millimetres, held in memory in RAS. Pull-back (resampling, ITK "from parent")
    /// direction: a point x of this grid maps to x + u(x) in the moving image. Written to files in LPS.
    /// </summary>
    DisplacementField,
    /// <summary>Other multi-component data (no coordinate meaning; never flipped).</summary>
    Vector,
}
