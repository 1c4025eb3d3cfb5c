using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Population;

/// <summary>
/// The simulated radiographs of one subject in one view (paper, "Generating DRR"): the DRR (exact line integrals of
/// μ = 0.02/mm × (1 + HU/1000)), the projected femur mask (rays that cross label 1) and the masked DRR (DRR × mask), which
/// is what a masked model takes as input. <c>slicerreg simulate</c> writes them per subject; <c>slicerreg demo</c> makes
/// one patient's pair the same way.
/// </summary>
public sealed record SubjectRadiographs(Radiograph Drr, Radiograph Mask, Radiograph MaskedDrr)
{
    /// <summary>The radiographs of <paramref name="images"/> in each of <paramref name="views"/>, in order.</summary>
    public static IReadOnlyList<SubjectRadiographs> Render(PhantomImages images, IEnumerable<CalibratedView> views)
    {
        var mu = AttenuationVolume.FromCt(images.Ct, AttenuationModel.FromHounsfield());
        var femur = AttenuationVolume.Indicator(images.Label, FemurPhantom.FemurLabel);
        var result = new List<SubjectRadiographs>();
        foreach (var view in views)
        {
            var drr = DrrRenderer.Render(mu, view);
            var mask = DrrRenderer.LineIntegrals(femur, view, DrrMode.Exact);
            var masked = new Image2D(drr.Columns, drr.Rows, drr.ColumnSpacingMm, drr.RowSpacingMm);
            for (int p = 0; p < mask.Pixels.Length; p++)
            {
                mask.Pixels[p] = mask.Pixels[p] > 0 ? 1f : 0f;
                masked.Pixels[p] = drr.Pixels[p] * mask.Pixels[p];
            }
            result.Add(new SubjectRadiographs(new Radiograph(drr, view), new Radiograph(mask, view), new Radiograph(masked, view)));
        }
        return result;
    }

    /// <summary>The same pixels carrying <paramref name="statedView"/>: the radiographs as a miscalibrated C-arm hands them out.</summary>
    public SubjectRadiographs WithView(CalibratedView statedView)
        => new(new Radiograph(Drr.Image, statedView), new Radiograph(Mask.Image, statedView), new Radiograph(MaskedDrr.Image, statedView));

    /// <summary>The DRR as a file volume, tagged with how it was made.</summary>
    public Volume DrrVolume()
    {
        var v = Drr.ToVolume();
        v.Metadata["slicerreg_drr"] = "mode=exact output=line-integral mu_water=0.02/mm";
        return v;
    }

    public Volume MaskVolume() => Mask.ToVolume().ConvertTo(VoxelType.UInt8, VolumeKind.LabelMap);
}
