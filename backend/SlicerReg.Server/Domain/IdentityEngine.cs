using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Registration;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Server.Domain;

/// <summary>
/// PLACEHOLDER, NOT A REGISTRATION: returns the atlas unchanged, a zero displacement field on the atlas grid and the identity
/// affine, after checking the inputs and reporting the stages a real engine goes through. The daemon serves it beside the
/// trained models (<see cref="NetworkEngine"/>) so its protocol, clients and benchmarks can be tested without a network.
/// </summary>
public sealed class IdentityEngine(Volume? atlas, Volume? atlasLabels, string? atlasName) : IRegistrationEngine
{
    public const string ModelName = "identity";
    /// <summary>Milliseconds each stage waits, to simulate compute time (demos, and tests of cancellation and queueing).</summary>
    public const string StageDelayOption = "stage_delay_ms";

    // One zero field for every job (results are never written to): a job that does not fetch it costs nothing.
    readonly Lazy<Volume> _zeroField = new(() => new Volume(atlas!.Geometry, VoxelType.Float32, 3, VolumeKind.DisplacementField));

    public Volume? Atlas => atlas;
    public string? AtlasName => atlasName;

    public string? UnavailableReason => atlas is null ? "no atlas loaded: start the daemon with --atlas FILE" : null;

    public EngineCard Card => new(ModelName,
        "no registration: returns the atlas unchanged",
        "Placeholder engine. It does NOT register anything: the result is the atlas as loaded with --atlas (and its label map " +
        "with --atlas-labels), a zero displacement field on the atlas grid and the identity affine. It checks the inputs and " +
        "reports stage progress like a real engine. Option stage_delay_ms (0..60000) makes each of its 4 stages wait that long.",
        new[] { StageDelayOption },
        atlasLabels is null ? new[] { ResultNames.WarpedAtlas, ResultNames.DisplacementField }
                            : new[] { ResultNames.WarpedAtlas, ResultNames.WarpedLabels, ResultNames.DisplacementField });

    public async Task<EngineResult> RegisterAsync(RegistrationRequest request, IProgress<RegistrationProgress> progress, CancellationToken ct)
    {
        if (atlas is null) throw new InvalidOperationException("no atlas loaded: start the daemon with --atlas FILE");
        int delay = 0;
        if (request.Options.TryGetValue(StageDelayOption, out var text) &&
            (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out delay) || delay > 60000))
            throw new ArgumentException($"option {StageDelayOption} must be an integer 0..60000, got '{text}'");

        async Task Stage(string name, double fraction, string message)
        {
            progress.Report(new RegistrationProgress(name, fraction, message));
            if (delay > 0) await Task.Delay(delay, ct);
            ct.ThrowIfCancellationRequested();
        }
        await Stage("check inputs", 0.0, $"AP {request.Ap.Image.Columns}×{request.Ap.Image.Rows}, LAT {request.Lateral.Image.Columns}×{request.Lateral.Image.Rows} pixels");
        await Stage("load atlas", 0.25, $"atlas {atlasName}: {atlas.Size} voxels");
        await Stage("register", 0.5, "identity engine: no registration is performed");
        await Stage("compose results", 0.75, "atlas returned unchanged, displacement field zero");

        progress.Report(new RegistrationProgress("done", 1.0, "identity: atlas unchanged"));
        return new EngineResult(new RegistrationResult
        {
            WarpedAtlas = atlas, WarpedLabel = atlasLabels,
            Displacement = _zeroField.Value,
            AffinePatientToAtlas = Mat4.Identity, Ap = request.Ap, Lateral = request.Lateral,
            ApProjectedLabel = null, LateralProjectedLabel = null,
            Message = "identity engine: no registration performed; the atlas is returned unchanged",
        });
    }
}
