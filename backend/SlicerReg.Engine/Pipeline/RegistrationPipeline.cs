using SlicerReg.Core.Xray;
using SlicerReg.Engine.Refinement;

using SlicerReg.Engine.Inference;

namespace SlicerReg.Engine.Pipeline;

/// <summary>The outcome of <see cref="RegistrationPipeline.Run"/>: the result on the patient and the output grid, the refinement when one ran.</summary>
public sealed record PipelineResult(RegistrationResult Result, RefinementResult? Refinement, OutputGrid OutputGrid);

/// <summary>
/// What `slicerreg register` and the daemon's network models run after the radiographs are prepared (<see cref="PreparedPair"/>):
/// the network in the atlas frame (or none: `--model none --refine`), the refinement when asked, the output grid, and the
/// result moved back onto the patient. One path, so a daemon job's volumes are the voxels `register` writes (tested).
/// </summary>
public static class RegistrationPipeline
{
    /// <param name="registrar">The model, or null to start the refinement from the unregistered atlas.</param>
    /// <param name="maskFlags">How the user gives a femur mask, for the masked-model error (default: --ap-mask, --lat-mask).</param>
    /// <param name="register">Runs <paramref name="registrar"/> on the pair in the atlas frame (the daemon adds its progress and cancellation).</param>
    public static PipelineResult Run(PreparedPair prepared, Registrar? registrar, OutputGrid outputGrid, string device,
        Func<Radiograph, Radiograph, RegistrationResult>? register = null, Action<RefinementProgress>? refineProgress = null, CancellationToken cancel = default,
        (string Ap, string Lateral)? maskFlags = null)
    {
        var inputs = prepared.Inputs;
        var (ap, lateral) = (prepared.ApInAtlas, prepared.LateralInAtlas);
        RegistrationResult? result = null;
        if (registrar != null)
        {
            var flags = maskFlags ?? ("--ap-mask", "--lat-mask");
            prepared.CheckModel(registrar.Config, registrar.Folder, flags.Ap, flags.Lateral);
            result = register != null ? register(ap, lateral) : registrar.Register(ap, lateral);
        }
        else if (!inputs.Refine) throw new ArgumentException("no model registers nothing by itself: add refine (refinement from the unregistered atlas)");
        RefinementResult? refinement = null;
        if (inputs.Refine)
        {
            cancel.ThrowIfCancellationRequested();
            (result, refinement) = RefinedRegistration.Run(inputs.RefineGrid, inputs.Refinement, ap, lateral, result, refineProgress, cancel, device);
        }
        cancel.ThrowIfCancellationRequested();
        return new PipelineResult(prepared.ToPatient(outputGrid.Apply(result!)), refinement, outputGrid);
    }
}
