using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

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
    /// </summary>
    Task<RegistrationResult> RegisterAsync(RegistrationRequest request, IProgress<RegistrationProgress> progress, CancellationToken ct);
}

/// <summary>A model card: name, honest description, accepted options, produced results.</summary>
public sealed record EngineCard(string Name, string Summary, string Description, IReadOnlyList<string> Options, IReadOnlyList<string> Results);

/// <summary>Validated inputs of one job: both radiographs with their views (RAS), option values and the results wanted.</summary>
public sealed record RegistrationRequest(
    Image2D Ap, CalibratedView ApView, Image2D Lat, CalibratedView LatView,
    IReadOnlyDictionary<string, string> Options, IReadOnlySet<string> Results);

/// <summary>One progress report: the stage name, the fraction of the whole job done (0..1), a sentence.</summary>
public readonly record struct RegistrationProgress(string Stage, double Fraction, string Message);

/// <summary>
/// Named result volumes (RAS, in memory), the atlas→patient affine (RAS: an atlas point → the patient point it lands on;
/// the inverse of the pull-back T that `register` writes to affine.tfm), and a sentence saying what was done.
/// </summary>
public sealed record RegistrationResult(IReadOnlyDictionary<string, Volume> Volumes, Mat4 AffineRas, string Message);

/// <summary>The result names engines use (the protocol's FetchRequest.name).</summary>
public static class ResultNames
{
    public const string WarpedAtlas = "warped_atlas";
    public const string WarpedLabels = "warped_labels";
    public const string DisplacementField = "displacement_field";
    /// <summary>The warped femur projected through the AP / lateral view: a label map on that radiograph's detector grid.</summary>
    public const string OverlayAp = "overlay_ap", OverlayLateral = "overlay_lateral";
}
