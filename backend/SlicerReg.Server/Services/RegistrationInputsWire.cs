using Grpc.Core;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;
using SlicerReg.Engine.Refinement;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Server.Services;

/// <summary>
/// <see cref="RegistrationInputs"/> ↔ the revision-5 fields of SubmitHeader (registration.proto), both ways in one place:
/// `register --server` sends what `register` parsed, the daemon reads back the same record (masks travel as images).
/// </summary>
public static class RegistrationInputsWire
{
    /// <summary>The header fields for <paramref name="inputs"/> (model, options and results are the caller's).</summary>
    public static SubmitHeader ToHeader(string model, RegistrationInputs inputs)
    {
        var h = new SubmitHeader { Model = model, Refine = inputs.Refine, RefinePose = inputs.Refinement.RefinePose, OutputGrid = inputs.OutputGrid, Side = inputs.Left ? "left" : "right" };
        if (inputs.Refine)
        {
            h.RefineGrid = inputs.RefineGrid;
            if (inputs.Refinement.Iterations != new RefinementOptions().Iterations) h.RefineIterations = new OptionalInt32 { Value = inputs.Refinement.Iterations };
        }
        h.RadiographKind = inputs.Kind is { } k ? RadiographKinds.Name(k) : "auto";
        if (inputs.ApI0 is { } a) h.ApI0 = new OptionalDouble { Value = a };
        if (inputs.LateralI0 is { } l) h.LateralI0 = new OptionalDouble { Value = l };
        if (inputs.Head is { } head)
            h.Head = new Protocol.V1.HeadClicks { ApColumn = head.Ap.Column, ApRow = head.Ap.Row, LateralColumn = head.Lateral.Column, LateralRow = head.Lateral.Row };
        return h;
    }

    /// <summary>The inputs a header asks for (masks added by the upload); INVALID_ARGUMENT naming the field when one is not understood.</summary>
    public static RegistrationInputs FromHeader(SubmitHeader h)
    {
        static ProtocolException Bad(string m) => new(StatusCode.InvalidArgument, "submit: " + m);
        RadiographKind? kind;
        try { kind = RadiographKinds.Parse(h.RadiographKind.Length == 0 ? "auto" : h.RadiographKind); }
        catch (ArgumentException e) { throw Bad($"radiograph_kind: {e.Message}"); }
        string grid = h.OutputGrid.Length == 0 ? OutputGrid.Model : h.OutputGrid;
        if (grid != OutputGrid.Model && grid != OutputGrid.Paper)
            throw Bad($"output_grid '{h.OutputGrid}': expected model or paper (an atlas FILE grid is not sent over the wire: run `slicerreg register --output-grid FILE` locally)");
        bool left = h.Side switch
        {
            "" or "right" => false,
            "left" => true,
            _ => throw Bad($"side '{h.Side}': expected left or right"),
        };
        if (!h.Refine && (h.RefinePose || h.RefineIterations != null || h.RefineGrid.Length != 0)) throw Bad("refine_pose, refine_iterations and refine_grid need refine");
        var options = new RefinementOptions { RefinePose = h.RefinePose };
        if (h.RefineIterations is { } iterations)
        {
            if (iterations.Value is < 0 or > 100000) throw Bad($"refine_iterations {iterations.Value}: expected 0 … 100000");
            options = options with { Iterations = iterations.Value };
        }
        string refineGrid = h.RefineGrid.Length == 0 ? "standard" : h.RefineGrid;
        if (!RefinedRegistration.Grids.Contains(refineGrid)) throw Bad($"refine_grid '{h.RefineGrid}': expected {string.Join(", ", RefinedRegistration.Grids)}");
        var inputs = new RegistrationInputs
        {
            Kind = kind, ApI0 = h.ApI0?.Value, LateralI0 = h.LateralI0?.Value,
            Head = h.Head is { } c ? new Engine.Pipeline.HeadClicks(new PixelPoint(c.ApColumn, c.ApRow), new PixelPoint(c.LateralColumn, c.LateralRow)) : null,
            Left = left, Refine = h.Refine, RefineGrid = refineGrid, Refinement = options, OutputGrid = grid,
        };
        try { return inputs.Validate(); }
        catch (ArgumentException e) { throw Bad(e.Message); }
    }

    /// <summary>Whether the header asks for anything beyond revision 4 (the identity placeholder takes none of it).</summary>
    public static bool UsesRegisterOptions(SubmitHeader h)
        => h.Refine || h.ApI0 != null || h.LateralI0 != null || h.Head != null || h.Side == "left" || h.RadiographKind is not ("" or "auto" or "line-integral");
}
