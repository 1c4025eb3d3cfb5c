using SlicerReg.Core.Imaging;
using SlicerReg.Core.Registration;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Server.Domain;

/// <summary>
/// The registration network of Van Houtte et al. 2022 behind the daemon: a thin adapter over the <see cref="Registrar"/>
/// that `slicerreg register` runs, so a job's results are the very voxels `register` writes (tested). The model is loaded
/// once (<see cref="ModelCatalog"/>) and shared by every job; the Registrar runs one registration at a time, so jobs on
/// the same model take turns (one worker per device is the default anyway).
/// </summary>
public sealed class NetworkEngine : IRegistrationEngine, IDisposable
{
    readonly Registrar _registrar;
    // The Registrar is not thread-safe, and a cancelled job's forward pass still runs to its end in the background: the
    // next job waits for it here.
    readonly SemaphoreSlim _turn = new(1, 1);

    public NetworkEngine(string name, Registrar registrar, string summary, string description, string atlasName)
    {
        _registrar = registrar;
        AtlasName = atlasName;
        Card = new EngineCard(name, summary, description, Array.Empty<string>(),
            ResultNames.All); // a network produces every result
    }

    public EngineCard Card { get; }
    public Volume? Atlas => _registrar.AtlasCt;
    public string? AtlasName { get; }
    public string? UnavailableReason => null;
    /// <summary>The model folder actually loaded (MODEL/best when present).</summary>
    public string Folder => _registrar.Folder;

    public async Task<RegistrationResult> RegisterAsync(RegistrationRequest request, IProgress<RegistrationProgress> progress, CancellationToken ct)
    {
        // Unusable inputs (a size that is not a multiple of the network's detector, two views from the same direction, …)
        // come back from the Registrar as ArgumentException naming the radiograph: the job fails with that message.
        if (_turn.CurrentCount == 0) progress.Report(new RegistrationProgress("waiting", 0, $"model {Card.Name} is busy with another job"));
        await _turn.WaitAsync(ct);
        Task<RegistrationResult> work;
        try
        {
            work = Task.Run(() => _registrar.Register(request.Ap, request.Lateral, s =>
            {
                if (!ct.IsCancellationRequested) progress.Report(new RegistrationProgress(s.Stage, s.Fraction, StageMessage(s.Stage)));
            }, ct), CancellationToken.None);
        }
        catch { _turn.Release(); throw; }
        _ = work.ContinueWith(t => { _ = t.Exception; _turn.Release(); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // The Registrar checks the token between its stages; the forward pass itself cannot be interrupted (seconds on the
        // paper preset's CPU), so the job ends as soon as the token fires and the pass finishes in the background (its
        // memory and the device turn are given back when it does).
        var r = await work.WaitAsync(ct);
        return r with { Message = $"registered with the {_registrar.Preset.Name} network in {_registrar.Folder} (Van Houtte et al. 2022: affine module, then local module)" };
    }

    static string StageMessage(string stage) => stage switch
    {
        "preparing inputs" => "block-averaging the radiographs onto the network's detector",
        "loading network" => "building the network for this view pair (weights loaded once)",
        "running network" => "affine and local modules, one forward pass",
        "warping the atlas" => "atlas CT and labels warped by the displacement field",
        "projecting the result" => "warped femur projected through both views",
        _ => stage,
    };

    public void Dispose()
    {
        // A cancelled job's pass may still run: wait for it before freeing its tensors.
        _turn.Wait(TimeSpan.FromSeconds(30));
        _registrar.Dispose();
    }
}
