using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// Projects a label map into a 2D mask: 1 where the pixel's ray crosses a voxel of the label, else 0 (the paper masks
/// its DRRs with the projected femur label, "Generating DRR"). Done by tracing the label's indicator exactly and
/// keeping pixels whose path length through it exceeds <paramref name="minPathMm"/>.
/// </summary>
public static class LabelProjector
{
    /// <param name="label">The label value to project, or null for every label &gt; 0.</param>
    /// <param name="minPathMm">Path length (mm) a ray needs inside the label to count; 0 = any crossing.</param>
    public static Image2D Project(Volume labels, CalibratedView view, int? label = null, double minPathMm = 0, int? threads = null)
    {
        var thickness = Thickness(labels, view, label, threads);
        var px = thickness.Pixels;
        for (int n = 0; n < px.Length; n++) px[n] = px[n] > minPathMm ? 1f : 0f;
        return thickness;
    }

    /// <summary>Path length (mm) of each pixel's ray inside the label.</summary>
    public static Image2D Thickness(Volume labels, CalibratedView view, int? label = null, int? threads = null)
        => DrrRenderer.LineIntegrals(AttenuationVolume.Indicator(labels, label), view, DrrMode.Exact, threads: threads);
}
