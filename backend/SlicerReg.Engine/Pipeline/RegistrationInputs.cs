using System.Globalization;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Refinement;

using SlicerReg.Engine.Inference;

namespace SlicerReg.Engine.Pipeline;

/// <summary>
/// Everything `register` takes besides the pair and the model, whether from the command line (RadiographArguments,
/// RefineArguments) or from a daemon request (SubmitHeader, revision 5): one record, so both run <see cref="RegistrationPipeline"/>.
/// </summary>
public sealed record RegistrationInputs
{
    /// <summary>The radiograph kind, or null: auto, from each radiograph's metadata.</summary>
    public RadiographKind? Kind { get; init; }
    public double? ApI0 { get; init; }
    public double? LateralI0 { get; init; }
    /// <summary>The femur masks on each radiograph's pixels (row-major, column fastest), or null.</summary>
    public bool[]? ApMask { get; init; }
    public bool[]? LateralMask { get; init; }
    public HeadClicks? Head { get; init; }
    public bool Left { get; init; }
    public bool Refine { get; init; }
    public string RefineGrid { get; init; } = "standard";
    public RefinementOptions Refinement { get; init; } = new();
    /// <summary>The output grid's name: "model", "paper" or an atlas file (local only).</summary>
    public string OutputGrid { get; init; } = Inference.OutputGrid.Paper;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option when the combination cannot run.</summary>
    public RegistrationInputs Validate()
    {
        if (Kind == RadiographKind.LineIntegral && (ApI0 != null || LateralI0 != null))
            throw new ArgumentException("i0 applies to intensity radiographs, not to radiograph kind line-integral");
        foreach (var i0 in new[] { ApI0, LateralI0 })
            if (i0 is { } v && !(v > 0 && double.IsFinite(v))) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"i0 must be a positive number, got {v}"));
        if ((ApMask is null) != (LateralMask is null)) throw new ArgumentException("give both femur masks (AP and lateral), or neither");
        if (Head is { } h && new[] { h.Ap.Column, h.Ap.Row, h.Lateral.Column, h.Lateral.Row }.Any(x => !double.IsFinite(x)))
            throw new ArgumentException("head: every pixel coordinate must be a finite number");
        if (!RefinedRegistration.Grids.Contains(RefineGrid)) throw new ArgumentException($"refine grid '{RefineGrid}': expected {string.Join(", ", RefinedRegistration.Grids)}");
        if (!Refine && (Refinement.RefinePose || Refinement.Iterations != new RefinementOptions().Iterations))
            throw new ArgumentException("refine pose and refine iterations need refine");
        Refinement.Validate();
        return this;
    }
}
