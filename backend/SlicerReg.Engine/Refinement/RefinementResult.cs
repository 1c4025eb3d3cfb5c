using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Engine.Refinement;

/// <summary>What <see cref="DeformationRefiner.Refine"/> returns. Fields are RAS mm, pull-back.</summary>
public sealed record RefinementResult
{
    /// <summary>Ψ = T∘(id + φ) − id on the refine grid, φ = exp(v) upsampled from the control grid.</summary>
    public required Volume Displacement { get; init; }
    /// <summary>The refined stationary velocity v on the control grid.</summary>
    public required Volume Velocity { get; init; }
    /// <summary>T, as given (the refinement keeps the affine of its start).</summary>
    public required Mat4 Affine { get; init; }
    /// <summary>The recovered correction of each view (AP, lateral); empty without pose refinement.</summary>
    public required IReadOnlyList<PoseCorrection> Poses { get; init; }
    /// <summary>NCC of the projections and the radiographs inside the radiographs' outlines on the finest level, mean of the two views, before and after.</summary>
    public required double InitialNcc { get; init; }
    public required double FinalNcc { get; init; }
    public required int PoseSteps { get; init; }
    public required int DeformationSteps { get; init; }
    public required double Seconds { get; init; }
}
