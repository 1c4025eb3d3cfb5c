using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Server.Domain;

/// <summary>
/// The registration network of Van Houtte et al. 2022 as a daemon engine: a trained model folder (docs/training.md) run by
/// a <see cref="Registrar"/>. One registration at a time per model (the Registrar holds one network); the job queue
/// serialises jobs anyway. The affine it reports is T⁻¹: the network's T maps patient points to atlas points (pull-back),
/// the protocol's affine maps atlas points to patient points.
/// </summary>
public sealed class NetworkEngine : IRegistrationEngine, IDisposable
{
    readonly Registrar _registrar;
    readonly object _gate = new();

    public NetworkEngine(string name, Registrar registrar)
    {
        _registrar = registrar ?? throw new ArgumentNullException(nameof(registrar));
        var c = registrar.Config;
        Card = new EngineCard(name,
            $"registration network (Van Houtte et al. 2022), preset {c.Preset}, {c.Input} radiographs",
            $"Trained model in {registrar.Folder}: affine module + local module (stationary velocity field, scaling and squaring), " +
            $"preset '{c.Preset}' ({registrar.Preset.VolumeSize} atlas grid, {registrar.Preset.RadiographColumns}×{registrar.Preset.RadiographRows} network detector; " +
            "radiographs whose size is a whole multiple of it are block-averaged onto it). " +
            (c.Input == NetworkInputs.Masked ? "It was trained on DRRs masked by the projected femur: give radiographs masked the same way." : "It was trained on whole (unmasked) DRRs."),
            Array.Empty<string>(),
            new[] { ResultNames.WarpedAtlas, ResultNames.WarpedLabels, ResultNames.DisplacementField });
    }

    public EngineCard Card { get; }
    public Volume? Atlas => _registrar.AtlasCt;
    public string? AtlasName => ModelFolder.AtlasFileName;
    public string? UnavailableReason => null;

    public Task<RegistrationResult> RegisterAsync(RegistrationRequest request, IProgress<RegistrationProgress> progress, CancellationToken ct)
    {
        foreach (var key in request.Options.Keys) throw new ArgumentException($"model '{Card.Name}' takes no options (got '{key}')");
        return Task.Run(() =>
        {
            lock (_gate)
            {
                var r = _registrar.Register(new Radiograph(request.Ap, request.ApView), new Radiograph(request.Lat, request.LatView),
                                            s => progress.Report(new RegistrationProgress(s.Stage, s.Fraction, s.Stage)), ct);
                var volumes = new Dictionary<string, Volume>();
                bool Want(string name) => request.Results.Count == 0 || request.Results.Contains(name);
                if (Want(ResultNames.WarpedAtlas)) volumes[ResultNames.WarpedAtlas] = r.WarpedAtlas;
                if (Want(ResultNames.WarpedLabels)) volumes[ResultNames.WarpedLabels] = r.WarpedLabel;
                if (Want(ResultNames.DisplacementField)) volumes[ResultNames.DisplacementField] = r.Displacement;
                return new RegistrationResult(volumes, r.Affine.Inverse(), $"registered with the network in {_registrar.Folder}");
            }
        }, ct);
    }

    public void Dispose() => _registrar.Dispose();
}
