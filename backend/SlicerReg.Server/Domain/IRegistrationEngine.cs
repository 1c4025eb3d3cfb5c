using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;

namespace SlicerReg.Server.Domain;

/// <summary>
/// Registers the atlas to a biplanar pair. The daemon's gRPC services are thin adapters over this interface: they
/// validate and decode requests, queue jobs, and stream what an engine reports; an engine knows nothing of gRPC.
/// <see cref="NetworkEngine"/> runs a trained network (Van Houtte et al. 2022); <see cref="IdentityEngine"/> is the placeholder.
/// </summary>
public interface IRegistrationEngine
{
    /// <summary>What this engine is, what it accepts and produces (listed by Models.ListModels).</summary>
    EngineCard Card { get; }

    /// <summary>The atlas this engine registers (an engine is a model plus its atlas), or null when none is loaded.</summary>
    Volume? Atlas { get; }
    /// <summary>A name for the atlas (its file name), shown in the model card.</summary>
    string? AtlasName { get; }

    /// <summary>Null when the engine can run; otherwise why not (e.g. no atlas loaded). Submissions are refused with it.</summary>
    string? UnavailableReason { get; }

    /// <summary>
    /// Runs one registration. Reports progress as it goes; must observe <paramref name="ct"/> promptly (within ~1 s)
    /// by throwing <see cref="OperationCanceledException"/>. Throws <see cref="ArgumentException"/> for inputs it cannot use.
    /// The result is the one `register` writes (<see cref="RegistrationResult"/>); the daemon ships its named volumes.
    /// </summary>
    Task<EngineResult> RegisterAsync(RegistrationRequest request, IProgress<RegistrationProgress> progress, CancellationToken ct);
}

/// <summary>A job's result: the volumes and affine `register` writes, and the pipeline's report (placement, refinement) when the engine ran it.</summary>
public sealed record EngineResult(RegistrationResult Result, RegistrationReport? Report = null);

/// <summary>A model card: name, honest description, accepted options, produced results.</summary>
public sealed record EngineCard(string Name, string Summary, string Description, IReadOnlyList<string> Options, IReadOnlyList<string> Results);

/// <summary>
/// Validated inputs of one job: both radiographs with their views (RAS), option values and the results wanted (none: all);
/// from revision 5 the options of `register` (<see cref="Inputs"/>, masks included) and each radiograph's metadata.
/// </summary>
public sealed record RegistrationRequest(Radiograph Ap, Radiograph Lateral, IReadOnlyDictionary<string, string> Options, IReadOnlySet<string> Results)
{
    /// <summary>What a client before revision 5 gets: the network alone on line integrals, results on the model's grid.</summary>
    public RegistrationInputs Inputs { get; init; } = new() { OutputGrid = OutputGrid.Model };
    public IReadOnlyDictionary<string, string> ApMetadata { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> LateralMetadata { get; init; } = new Dictionary<string, string>();
    /// <summary>SubmitHeader.client_revision: 0 for a client from before revision 5.</summary>
    public int ClientRevision { get; init; }
}

/// <summary>One progress report: the stage name, the fraction of the whole job done (0..1), a sentence.</summary>
public readonly record struct RegistrationProgress(string Stage, double Fraction, string Message);
