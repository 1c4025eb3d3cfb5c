using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// The paper's per-case evaluation ("Evaluation metrics"): overlap of warped-atlas and ground-truth label maps, their
/// surface distances (mm) and the SSIM of warped-atlas and ground-truth images. NaN marks an undefined value (empty mask,
/// or no image pair given for SSIM).
/// </summary>
public sealed record CaseMetrics(string CaseId, double Dice, double Jaccard, double Assd, double Hd95, double Hausdorff, double Ssim)
{
    /// <summary>Column names for tables, in order; distances carry their unit.</summary>
    public static readonly IReadOnlyList<string> MetricNames = new[] { "dice", "jaccard", "assd_mm", "hd95_mm", "hausdorff_mm", "ssim" };

    public IReadOnlyList<double> Values => new[] { Dice, Jaccard, Assd, Hd95, Hausdorff, Ssim };

    /// <summary>
    /// All metrics for one case. Label maps: foreground label &gt; 0 or == <paramref name="label"/>. Images are optional
    /// (SSIM = NaN without them); <paramref name="ssim"/> must then be given too (its data range is a study-wide choice).
    /// <paramref name="gridFacesAreSurface"/>: whether faces where the grid cuts an object count as surface (<see cref="SurfaceVoxels"/>).
    /// </summary>
    public static CaseMetrics Compute(string caseId, Volume referenceLabels, Volume testLabels,
                                      Volume? referenceImage = null, Volume? testImage = null, SsimOptions? ssim = null, int? label = null,
                                      bool gridFacesAreSurface = true)
    {
        if (string.IsNullOrWhiteSpace(caseId)) throw new ArgumentException("case id must not be empty");
        var overlap = Overlap.Compute(referenceLabels, testLabels, label);
        var surface = SurfaceDistance.Compute(referenceLabels, testLabels, label, gridFacesAreSurface);
        double s = double.NaN;
        if (referenceImage != null || testImage != null)
        {
            if (referenceImage == null || testImage == null) throw new ArgumentException($"case {caseId}: SSIM needs both a reference and a test image");
            if (ssim == null) throw new ArgumentException($"case {caseId}: SSIM needs SsimOptions with the study's data range");
            s = StructuralSimilarity.Compute(referenceImage, testImage, ssim);
        }
        return new CaseMetrics(caseId, overlap.Dice, overlap.Jaccard, surface.Assd, surface.Hd95, surface.Hausdorff, s);
    }
}
