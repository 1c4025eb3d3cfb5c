using SlicerReg.Core.Imaging;
using SlicerReg.Core.Registration;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;

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
    readonly string _device;
    // The output-grid atlases (the paper one is 38 MB of CT and labels), read once per daemon.
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<OutputGrid>> OutputGrids = new();

    public NetworkEngine(string name, Registrar registrar, string summary, string description, string atlasName, string device)
    {
        _registrar = registrar; _device = device;
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

    /// <summary>The inputs prepared as `register` prepares them (<see cref="PreparedPair"/>); ArgumentException for unusable ones.</summary>
    PreparedPair Prepare(RegistrationRequest request, Action<string> say)
        => PreparedPair.Prepare(request.Ap, request.ApMetadata, "AP image", request.Lateral, request.LateralMetadata, "LAT image", request.Inputs, say);

    /// <summary>Why this masked model cannot take the request's radiographs as they are (no mask), or null.</summary>
    public string? MaskProblem(RegistrationRequest request)
    {
        try { Prepare(request, _ => { }).CheckModel(_registrar.Config, Card.Name, "the AP femur mask", "the LAT femur mask"); return null; }
        catch (ArgumentException e) { return e.Message; }
    }

    public async Task<EngineResult> RegisterAsync(RegistrationRequest request, IProgress<RegistrationProgress> progress, CancellationToken ct)
    {
        // Unusable inputs (a size that is not a multiple of the network's detector, two views from the same direction, a
        // masked model without masks, …) come back as ArgumentException naming the radiograph: the job fails with that message.
        var inputs = request.Inputs;
        var prepared = Prepare(request, line => progress.Report(new RegistrationProgress("preparing radiographs", 0, line)));
        var grid = OutputGrids.GetOrAdd(inputs.OutputGrid, g => new Lazy<OutputGrid>(() => OutputGrid.Resolve(g))).Value;
        if (_turn.CurrentCount == 0) progress.Report(new RegistrationProgress("waiting", 0, $"model {Card.Name} is busy with another job"));
        await _turn.WaitAsync(ct);
        // The network takes the first part of the job's progress, the refinement the rest, step by step.
        double networkShare = inputs.Refine ? 0.3 : 1;
        Task<PipelineResult> work;
        try
        {
            work = Task.Run(() => RegistrationPipeline.Run(prepared, _registrar, grid, _device,
                register: (ap, lateral) => _registrar.Register(ap, lateral, s =>
                {
                    if (!ct.IsCancellationRequested) progress.Report(new RegistrationProgress(s.Stage, s.Fraction * networkShare, StageMessage(s.Stage)));
                }, ct),
                refineProgress: p =>
                {
                    if (!ct.IsCancellationRequested)
                        progress.Report(new RegistrationProgress("refining", networkShare + (1 - networkShare) * Math.Min(1, p.Iteration / (double)Math.Max(1, p.TotalIterations)),
                            FormattableString.Invariant($"{p.Stage} level {p.Level} step {p.Iteration}/{p.TotalIterations}: loss {p.Loss:F5}, image NCC {p.ImageNcc:F4}")));
                },
                cancel: ct, maskFlags: ("the AP femur mask", "the LAT femur mask")), CancellationToken.None);
        }
        catch { _turn.Release(); throw; }
        _ = work.ContinueWith(t => { _ = t.Exception; _turn.Release(); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        // The Registrar checks the token between its stages and the refinement between its steps; the forward pass itself
        // cannot be interrupted (seconds on the paper preset's CPU), so the job ends as soon as the token fires and the pass
        // finishes in the background (its memory and the device turn are given back when it does).
        var run = await work.WaitAsync(ct);
        string refined = run.Refinement is { } r
            ? FormattableString.Invariant($"; refined on the {inputs.RefineGrid} grid ({r.PoseSteps} pose + {r.DeformationSteps} deformation steps, image NCC {r.InitialNcc:F4} → {r.FinalNcc:F4})")
            : "";
        var result = run.Result with
        {
            Message = $"registered with the {_registrar.Preset.Name} network in {_registrar.Folder} (Van Houtte et al. 2022: affine module, then local module){refined}; output grid {grid.Name}",
        };
        return new EngineResult(result, new RegistrationReport(prepared.ReportJson(), run.Refinement, inputs.RefineGrid, inputs.Refinement, prepared.LateralInAtlas.View));
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
