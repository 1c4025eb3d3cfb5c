using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Pipeline;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Engine.Evaluation;

/// <summary>
/// Registers every subject of a dataset split with a model and scores it against its CT ground truth (paper, "Evaluation
/// metrics"): Dice, Jaccard, ASSD, HD95 and Hausdorff of the femur label (label 1) and SSIM of the masked images (the
/// relative-attenuation volumes the network works on, as the paper compares its masked volumes). Methods:
/// <c>identity</c> (the atlas as it is), <c>affine</c> (atlas warped by the affine module's T), <c>full</c> (by Ψ),
/// <c>refined</c> (Ψ after test-time refinement from the network's start, docs/refinement.md) and <c>refined-pose</c> (the
/// same after correcting the lateral view's pose). Every method is scored on one grid (<see cref="EvaluationOptions.ScoreGrid"/>):
/// the model's, or the paper grid against the subjects' paper-grid truth, every warp upsampled there as `register` writes it.
/// The radiographs are the clean DRRs or the realistic ones (<see cref="EvaluationOptions.Radiographs"/>), placed by each
/// subject's simulated head clicks as `register --head` places a user's, or not (<see cref="EvaluationOptions.Placement"/>).
/// </summary>
public static class DatasetEvaluator
{
    public const string Identity = "identity", Affine = "affine", Full = "full", Refined = "refined", RefinedPose = "refined-pose";
    public static readonly IReadOnlyList<string> Methods = new[] { Identity, Affine, Full, Refined, RefinedPose };
    /// <summary>What `evaluate` scores unless told: the network's methods (the refinements take a minute or more a case).</summary>
    public static readonly IReadOnlyList<string> DefaultMethods = new[] { Identity, Affine, Full };

    public static IReadOnlyList<EvaluatedCase> Run(DatasetManifest manifest, Registrar registrar, string split = "test",
                                                  IReadOnlyList<string>? methods = null, Action<int, int, string>? progress = null,
                                                  CancellationToken cancel = default)
        => Run(manifest, registrar, new EvaluationOptions { Split = split, Methods = methods ?? DefaultMethods }, progress, cancel).Cases;

    public static DatasetEvaluation Run(DatasetManifest manifest, Registrar registrar, EvaluationOptions options,
                                        Action<int, int, string>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(manifest); ArgumentNullException.ThrowIfNull(registrar); ArgumentNullException.ThrowIfNull(options);
        var methods = options.Methods;
        foreach (var m in methods)
            if (!Methods.Contains(m)) throw new ArgumentException($"unknown method '{m}': expected {string.Join(", ", Methods)}");
        if (!DatasetSplit.Names.Contains(options.Split)) throw new ArgumentException($"unknown split '{options.Split}': expected {string.Join(", ", DatasetSplit.Names)}");
        var subjects = manifest.Split(options.Split);
        if (subjects.Count == 0) throw new ArgumentException($"dataset {manifest.Folder} has no '{options.Split}' subjects");
        bool paper = options.ScoreGrid switch
        {
            OutputGrid.Paper => true,
            OutputGrid.Model => false,
            _ => throw new ArgumentException($"unknown score grid '{options.ScoreGrid}': expected {OutputGrid.Model} or {OutputGrid.Paper}"),
        };
        if (paper && subjects.FirstOrDefault(s => s.PaperLabel is null) is { } without)
            throw new ArgumentException($"dataset {manifest.Folder}: subject {without.Id} has no ground truth on the paper grid (simulate it with --truth-grid paper, or score on the model's grid)");
        if (options.CalibrationError is not null && subjects.FirstOrDefault(s => s.Seed is null || s.Views.Any(v => v.CalibrationError is not null)) is { } odd)
            throw new ArgumentException(odd.Seed is null
                ? $"dataset {manifest.Folder}: subject {odd.Id} records no seed to draw its calibration error from"
                : $"dataset {manifest.Folder} already carries a calibration error (simulate --calibration-error); a further one would add to it");

        if (options.Radiographs is not (DatasetRadiographs.Drr or DatasetRadiographs.Realistic))
            throw new ArgumentException($"radiographs '{options.Radiographs}': evaluate registers {DatasetRadiographs.Drr} or {DatasetRadiographs.Realistic} radiographs ({DatasetRadiographs.Mixed} is a training choice)");
        DatasetRadiographs.Require(options.Radiographs, manifest, subjects);
        bool realistic = options.Radiographs == DatasetRadiographs.Realistic;
        string placement = options.Placement ?? DatasetPlacement.Default(options.Radiographs);
        DatasetPlacement.Require(placement, manifest, subjects);
        bool placed = placement == DatasetPlacement.HeadClicks;

        // The grid every method is scored on, and the way onto it of the results moved back onto the subject and of the
        // refined ones (on the model's grid: the model's atlas warped by their field, onto the truth's grid).
        var scoreGrid = paper ? OutputGrid.Resolve(OutputGrid.Paper) : new OutputGrid(OutputGrid.Model, null, null);
        var onto = paper ? scoreGrid : new OutputGrid(OutputGrid.Model, registrar.AtlasCt, registrar.AtlasLabel);
        var reference = paper ? Reference.Of(scoreGrid.AtlasCt!, scoreGrid.AtlasLabel!) : Reference.Of(registrar);
        bool masked = registrar.Config.Input == NetworkConfig.Masked;
        bool network = methods.Any(m => m != Identity);
        var results = new List<EvaluatedCase>();
        var refinements = new List<RefinementRecord>();
        var placements = new List<PlacementRecord>();
        for (int n = 0; n < subjects.Count; n++)
        {
            cancel.ThrowIfCancellationRequested();
            var s = subjects[n];
            var ct = VolumeFile.Read(manifest.PathOf(paper ? s.PaperCt! : s.Ct));
            var label = VolumeFile.Read(manifest.PathOf(paper ? s.PaperLabel! : s.Label));
            var apFiles = s.Views.First(v => v.View.Name == "ap");
            var latFiles = s.Views.First(v => v.View.Name == "lateral");
            // The lateral view's calibration error: put on here, or already in the dataset's files.
            var error = options.CalibrationError?.Draw(CalibrationError.View, ViewFile.Read(manifest.PathOf(latFiles.ViewJson)), s.Seed!.Value) ?? latFiles.CalibrationError;
            var head = placed ? RealisticPair.Clicks(manifest, s) : null;
            // Per masked/unmasked: the pair prepared and placed as `register` does it (PreparedPair), once. A put-on error
            // moves the lateral view first, so the clicks are triangulated with the stated view, as a user's would be.
            var pairs = new Dictionary<bool, PreparedPair>();
            PreparedPair Pair(bool maskedFile)
            {
                if (pairs.TryGetValue(maskedFile, out var pair)) return pair;
                if (realistic) pair = RealisticPair.Prepare(manifest, s, apFiles, latFiles, maskedFile, head, options.CalibrationError is null ? null : error);
                else
                {
                    string apPath = manifest.PathOf(maskedFile ? apFiles.MaskedDrr : apFiles.Drr), latPath = manifest.PathOf(maskedFile ? latFiles.MaskedDrr : latFiles.Drr);
                    var (ap, lat) = (Radiograph.Read(apPath), Radiograph.Read(latPath));
                    if (options.CalibrationError is not null) lat = new Radiograph(lat.Image, error!.Apply(lat.View));
                    // A DRR holds line integrals already: the preparation leaves its pixels as they are and only places.
                    pair = PreparedPair.Prepare(ap, Empty, apPath, lat, Empty, latPath, new RegistrationInputs { Kind = RadiographKind.LineIntegral, Head = head }, _ => { });
                }
                return pairs[maskedFile] = pair;
            }
            if (placed && Pair(masked).Head is { } h) placements.Add(new PlacementRecord(s.Id, h.Point, h.RayDistanceMm, DatasetPlacement.TrueHead(s)));
            // The result on the subject, on the score grid: without a placement the network's own volumes serve on the
            // model grid; a placed result lies on grids moved with the subject, so the atlas is warped by its field onto the truth's.
            RegistrationResult OnGrid(PreparedPair pair, RegistrationResult r, OutputGrid unplaced)
                => ReferenceEquals(pair.Placement, AtlasPlacement.Identity) ? unplaced.Apply(r) : onto.Apply(pair.ToPatient(r));
            RegistrationResult? r = network ? registrar.Register(Pair(masked).ApInAtlas, Pair(masked).LateralInAtlas, cancel: cancel, withAffineOnly: methods.Contains(Affine)) : null;
            var onGrid = methods.Any(m => m is Affine or Full) ? OnGrid(Pair(masked), r!, scoreGrid) : null;
            var scored = new List<(string Method, RegistrationResult? Result)>();
            foreach (var m in methods)
            {
                if (m is Identity or Affine or Full) { scored.Add((m, onGrid)); continue; }
                var refineOptions = options.Refinement with { RefinePose = m == RefinedPose };
                var start = r! with { AffineWarpedLabel = null, AffineWarpedAtlas = null, AffineWarpedMaskedAtlas = null };
                var (refined, refinement) = RefinedRegistration.Run(options.RefineGrid, refineOptions, Pair(true).ApInAtlas, Pair(true).LateralInAtlas, start, cancel: cancel, device: options.Device);
                refinements.Add(Record(s.Id, m, refinement, error, Pair(true).Placement));
                scored.Add((m, OnGrid(Pair(true), refined, onto)));
            }
            foreach (var (m, result) in scored)
            {
                var metrics = Score(s.Id, reference, ct, label, result, new[] { m is Refined or RefinedPose ? Full : m }).Single().Metrics;
                results.Add(new EvaluatedCase(s.Id, m, apFiles.View.CArm.PrimaryAngleDeg, latFiles.View.CArm.PrimaryAngleDeg, metrics));
            }
            progress?.Invoke(n + 1, subjects.Count, s.Id);
        }
        return new DatasetEvaluation(results, refinements, placements);
    }

    /// <summary>
    /// The refinement's record; the residual is the recovered correction, found in the atlas frame and moved back onto the
    /// subject by the <paramref name="placement"/> (P⁻¹·C·P), composed with the error put on the view (none: identity).
    /// </summary>
    static RefinementRecord Record(string caseId, string method, RefinementResult r, ViewPerturbation? error, AtlasPlacement placement)
    {
        double correction = double.NaN, residualDeg = double.NaN, residualMm = double.NaN;
        if (r.Poses.Count == 2)
        {
            var c = r.Poses[1];
            var back = placement.PatientToAtlas.Inverse();
            var residual = back * c.Matrix * placement.PatientToAtlas * (error?.Matrix ?? Mat4.Identity);
            var centre = back.TransformPoint(c.Centre);
            correction = c.AngleDeg;
            residualDeg = residual.Linear.RotationAngleDeg;
            residualMm = (residual.TransformPoint(centre) - centre).Norm;
        }
        return new RefinementRecord(caseId, method, r.Seconds, r.PoseSteps, r.DeformationSteps, r.InitialNcc, r.FinalNcc,
                                    error?.AngleDeg ?? 0, correction, residualDeg, residualMm);
    }

    /// <summary>What every case is scored against: the unregistered atlas femur and image, and the SSIM settings.</summary>
    public sealed record Reference(Volume AtlasFemur, Volume AtlasImage, SsimOptions Ssim)
    {
        public static Reference Of(Registrar registrar) => Of(registrar.AtlasCt, registrar.AtlasLabel);

        public static Reference Of(Volume atlasCt, Volume atlasLabel)
        {
            var image = NetworkInputs.MaskedImage(atlasCt, atlasLabel);
            // SSIM data range: one value for the whole study (skimage's data_range), the atlas's largest masked value.
            return new Reference(NetworkInputs.FemurLabelMap(atlasLabel), image, new SsimOptions(Math.Max(1e-6, image.As<float>().Max())));
        }
    }

    /// <summary>
    /// The metrics of each method for one case with ground truth <paramref name="ct"/> / <paramref name="label"/> and its
    /// registration <paramref name="result"/> (needed unless the only method is identity).
    /// </summary>
    public static IEnumerable<(string Method, CaseMetrics Metrics)> Score(string caseId, Reference reference, Volume ct, Volume label,
                                                                       RegistrationResult? result, IReadOnlyList<string> methods)
    {
        var truthFemur = NetworkInputs.FemurLabelMap(label);
        var truthImage = NetworkInputs.MaskedImage(ct, label);
        foreach (var m in methods)
        {
            var (labels, image) = m switch
            {
                Identity => (reference.AtlasFemur, reference.AtlasImage),
                Affine => (NetworkInputs.FemurLabelMap(Need(result, m).AffineWarpedLabel
                                                      ?? throw new ArgumentException($"method '{m}' needs a registration made withAffineOnly")),
                           result!.AffineWarpedMaskedAtlas!),
                Full => (NetworkInputs.FemurLabelMap(Need(result, m).WarpedLabel!), result!.WarpedMaskedAtlas!),
                _ => throw new ArgumentException($"unknown method '{m}' to score: expected {Identity}, {Affine} or {Full}"),
            };
            yield return (m, CaseMetrics.Compute(caseId, truthFemur, labels, truthImage, image, reference.Ssim, label: 1));
        }
    }

    static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    static RegistrationResult Need(RegistrationResult? r, string method)
        => r ?? throw new ArgumentException($"method '{method}' needs a registration result");
}
