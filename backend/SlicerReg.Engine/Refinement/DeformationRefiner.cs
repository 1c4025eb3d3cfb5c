using SlicerReg.Core.Anatomy;
using System.Diagnostics;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Refinement;

/// <summary>
/// Test-time refinement through the differentiable projector (issue 15; DiffPose/xvr for pose, PolyPose for deformation):
/// starting from the network's (T, v) or from the identity, it optimises
/// <list type="number">
/// <item>optionally a rigid correction per view (<see cref="PoseCorrection"/>) with the deformation held, then</item>
/// <item>a stationary velocity field v on a control grid (the refine grid coarsened by <see cref="RefinementOptions.ControlGridFactor"/>),
///   integrated by scaling and squaring (<see cref="VelocityIntegrator"/>), upsampled to the grid being warped and composed
///   with T as the network composes Ψ,</item>
/// </list>
/// so that ProST projections of the atlas warped by Ψ match the masked radiographs:
///   loss = −S(ProST(A∘Ψ)·M, R) − σ·NCC(1 − exp(−ProST(F∘Ψ)/τ), M) + δ‖∇(φ − φ₀)‖²,
/// mean of the two views, with R the masked radiograph, M its outline (R &gt; 0), A the whole atlas in relative attenuation
/// (bone, soft tissue and pelvis: a masked radiograph is the whole DRR inside the femur's outline, so this is the same
/// image formation; projecting the masked femur alone leaves the soft tissue and the pelvis of the radiograph unexplained
/// and pulls the femur out of shape to fit them), F the femur indicator (its projected thickness, saturated over τ mm, is
/// a soft outline compared with M), S <see cref="ProjectionSimilarity"/>, φ₀ = exp(v₀) the start's field and δ the paper's
/// smoothness weight, on the change the refinement makes.
/// The pose stage adds a prior λ|ω|² toward the stated calibration (<see cref="RefinementOptions.PosePrior"/>).
/// Adam; a pyramid over detector and volume together (each level block-averages both by its factor); a level ends on a
/// plateau of its loss or when its share of the steps is spent. The refine grid is the atlas's own grid (its detector the
/// preset's of that grid). Deterministic: no random draws, seeded anyway. Not thread-safe (one refinement at a time).
/// </summary>
public sealed class DeformationRefiner : IDisposable
{
    /// <summary>Extra depth range (mm) of every ProST so a pose correction does not move the femur out of the sampled beam.</summary>
    const double DepthMarginMm = 40;
    /// <summary>τ: projected femur thickness (mm) at which the soft outline reaches 1 − 1/e.</summary>
    const double OutlineMm = 3;

    readonly Device _device;
    readonly Tensor _atlas;
    readonly SpatialTransformer _warp;
    readonly VelocityIntegrator _integrator;

    public RefinementOptions Options { get; }
    /// <summary>The grid the atlas is warped and projected on (the atlas's), its preset (detector size, samples per ray) and the control grid of v.</summary>
    public ImageGeometry Grid { get; }
    public NetworkPreset Preset { get; }
    public ImageGeometry ControlGrid { get; }
    /// <summary>The centre c of pose corrections: the centre of the atlas femur's bounding box.</summary>
    public Vec3 FemurCentre { get; }
    readonly IReadOnlyList<Vec3> _femurCorners;

    public DeformationRefiner(Volume atlasCt, Volume atlasLabel, RefinementOptions? options = null, string device = "cpu")
    {
        NetworkInputs.CheckPair(atlasCt, atlasLabel, "refinement atlas");
        Options = (options ?? new RefinementOptions()).Validate();
        Grid = atlasCt.Geometry;
        Preset = NetworkPreset.All.FirstOrDefault(p => p.VolumeSize == Grid.Size)
                 ?? throw new ArgumentException($"refinement atlas grid {Grid.Size} is none of the presets' ({string.Join(", ", NetworkPreset.All.Select(p => $"{p.Name} {p.VolumeSize}"))})");
        if (!FieldResampler.Divides(Grid, Options.ControlGridFactor))
            throw new ArgumentException($"refine grid {Grid.Size} cannot be coarsened by the control grid factor {Options.ControlGridFactor}");
        ControlGrid = FieldResampler.Coarsened(Grid, Options.ControlGridFactor);
        _femurCorners = DegenerateInputs.LabelCorners(atlasLabel, NetworkInputs.FemurLabel);
        if (_femurCorners.Count == 0) throw new ArgumentException($"the refinement atlas label map has no femur (label {NetworkInputs.FemurLabel})");
        FemurCentre = _femurCorners.Aggregate(Vec3.Zero, (s, p) => s + p) / _femurCorners.Count;
        _device = ComputeDevice.Select(device);
        // Two channels warped together: the whole atlas in relative attenuation, and the femur indicator.
        using (var femur = NetworkInputs.FemurMask(atlasLabel))
        using (var ct = TensorVolume.FromVolume(atlasCt))
            _atlas = cat(new[] { (ct.Data / 1000 + 1).clamp_min(0), femur }, 1).to(_device);
        _warp = new SpatialTransformer(Grid);
        _integrator = new VelocityIntegrator(ControlGrid);
    }

    /// <summary>
    /// Refines the registration of the atlas to <paramref name="ap"/> and <paramref name="lateral"/> (masked radiographs
    /// with their calibrations, any size that is a whole multiple of the preset's detector) from T = <paramref name="affine"/>
    /// (identity when null) and v = <paramref name="velocity"/> (on any grid, resampled in mm; zero when null).
    /// <paramref name="progress"/> is called after every step; <paramref name="cancel"/> is honoured between steps.
    /// </summary>
    public RefinementResult Refine(Radiograph ap, Radiograph lateral, Mat4? affine = null, Volume? velocity = null,
                                   Action<RefinementProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(ap); ArgumentNullException.ThrowIfNull(lateral);
        DegenerateInputs.CheckRadiograph(ap.Image, "AP radiograph");
        DegenerateInputs.CheckRadiograph(lateral.Image, "lateral radiograph");
        DegenerateInputs.CheckAtlasSeen(_femurCorners, ap.View, "AP view");
        DegenerateInputs.CheckAtlasSeen(_femurCorners, lateral.View, "lateral view");
        CheckMasked(ap, "AP radiograph"); CheckMasked(lateral, "lateral radiograph");
        var clock = Stopwatch.StartNew();
        manual_seed(Options.Seed);
        var originals = new[] { ap, lateral };
        var baseViews = new[] { NetworkInputs.ToNetworkDetector(ap, Preset, "AP radiograph"), NetworkInputs.ToNetworkDetector(lateral, Preset, "lateral radiograph") };
        var levels = Options.Levels.Concat(Options.RefinePose ? Options.PoseLevels : Array.Empty<int>()).Distinct().Where(f => FieldResampler.Divides(Grid, f) && baseViews.All(r => r.Image.Rows % f == 0 && r.Image.Columns % f == 0))
                                   .OrderByDescending(f => f).Select(f => new Level(this, f, baseViews, originals)).ToList();
        if (levels.Count == 0 || levels[^1].Factor != 1) levels.Add(new Level(this, 1, baseViews, originals));
        try
        {
            using var scope = NewDisposeScope();
            var t = tensor((affine ?? Mat4.Identity).ToRowMajor(), new long[] { 1, 4, 4 }, ScalarType.Float32).to(_device);
            Tensor v0;
            if (velocity is null) v0 = zeros(new long[] { 1, 3, ControlGrid.Size.K, ControlGrid.Size.J, ControlGrid.Size.I }, device: _device);
            else { using var tv = TensorVolume.FromVolume(velocity, _device); v0 = FieldResampler.Resample(tv.Data, velocity.Geometry, ControlGrid); }
            var v = new Parameter(v0.detach().clone());
            // The AP view defines the frame; the lateral view is corrected relative to it (PoseCorrection, "why one view").
            var rotation = new Parameter(zeros(1, 3, device: _device));
            var translation = new Parameter(zeros(1, 2, device: _device));   // in the lateral detector's plane
            using var plane = tensor(lateral.View.ColumnDirection.ToArray().Concat(lateral.View.RowDirection.ToArray()).ToArray(),
                                     new long[] { 1, 2, 3 }, ScalarType.Float32).to(_device);
            using var apFrame = eye(4, device: _device).unsqueeze(0);
            Tensor LateralTranslation() => (translation.unsqueeze(2) * plane).sum(1);
            Tensor Pose() => cat(new[] { apFrame, PoseCorrection.Matrices(rotation, LateralTranslation(), FemurCentre) }, 0);
            int step = 0, total = (Options.RefinePose ? Options.PoseIterations : 0) + Options.Iterations;
            double initial = Measure(levels[^1], t, v, null);

            int poseSteps = 0;
            if (Options.RefinePose && Options.PoseIterations > 0)
            {
                using var rotAdam = optim.Adam(new[] { rotation }, lr: Options.RotationStepRad);
                using var transAdam = optim.Adam(new[] { translation }, lr: Options.TranslationStepMm);
                foreach (var (level, budget) in Budgets(levels.Where(l => Options.PoseLevels.Contains(l.Factor) || l.Factor == 1).ToList(), Options.PoseIterations))
                {
                    using var warped = Warped(level, t, v).detach();  // the deformation is held during the pose stage
                    poseSteps += RunLevel(budget, cancel, () =>
                    {
                        rotAdam.zero_grad(); transAdam.zero_grad();
                        var loss = -level.Similarity(warped, Pose(), Options.GradientNccWeight) + Options.PosePrior * (rotation * rotation).sum();
                        loss.backward();
                        rotAdam.step(); transAdam.step();
                        return loss;
                    }, loss => progress?.Invoke(new("pose", level.Factor, ++step, total, loss, double.NaN)));
                }
            }
            using var pose = Options.RefinePose ? Pose().detach() : null;

            int deformationSteps = 0;
            if (Options.Iterations > 0)
            {
                using var adam = optim.Adam(new[] { v }, lr: Options.VelocityStepMm);
                Tensor phi0;
                using (no_grad()) phi0 = _integrator.forward(v0).detach();
                foreach (var (level, budget) in Budgets(levels.Where(l => Options.Levels.Contains(l.Factor) || l.Factor == 1).ToList(), Options.Iterations))
                    deformationSteps += RunLevel(budget, cancel, () =>
                    {
                        adam.zero_grad();
                        var phi = _integrator.forward(v);
                        // Smoothness of the change the refinement makes, not of the whole field: penalising φ itself pulls the
                        // network's deformation back toward the atlas (docs/refinement.md, "From the network's start").
                        var loss = -level.Similarity(Warped(level, t, phi, integrated: true), pose, Options.GradientNccWeight)
                                   + Options.SmoothnessWeight * RegistrationLoss.Smoothness(phi - phi0, ControlGrid.Spacing);
                        loss.backward();
                        adam.step();
                        return loss;
                    }, loss => progress?.Invoke(new("deformation", level.Factor, ++step, total, loss, double.NaN)));
            }
            double final = Measure(levels[^1], t, v, pose);

            Volume field, velocityVolume;
            using (no_grad())
            {
                var phi = FieldResampler.Resample(_integrator.forward(v), ControlGrid, Grid);
                var psi = _warp.ComposeAffine(t, phi);
                NonFiniteResultException.ThrowIfNonFinite(psi, "the refinement (Ψ)", "this radiograph pair (nothing was written)");
                field = TensorVolume.ToVolume(psi, Grid, 0, VolumeKind.DisplacementField);
                velocityVolume = TensorVolume.ToVolume(v.detach(), ControlGrid, 0, VolumeKind.DisplacementField);
            }
            var poses = new List<PoseCorrection>();
            if (Options.RefinePose)
            {
                var r = rotation.detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
                var tr = LateralTranslation().detach().cpu().to(ScalarType.Float64).data<double>().ToArray();
                poses.Add(new PoseCorrection("ap", Vec3.Zero, Vec3.Zero, FemurCentre));
                poses.Add(new PoseCorrection("lateral", new Vec3(r[0], r[1], r[2]), new Vec3(tr[0], tr[1], tr[2]), FemurCentre));
            }
            return new RefinementResult
            {
                Displacement = field, Velocity = velocityVolume, Affine = affine ?? Mat4.Identity, Poses = poses,
                InitialNcc = initial, FinalNcc = final, PoseSteps = poseSteps, DeformationSteps = deformationSteps, Seconds = clock.Elapsed.TotalSeconds,
            };
        }
        finally
        {
            foreach (var l in levels) l.Dispose();
        }
    }

    /// <summary>
    /// The refinement reads the femur's outline from the masked radiograph (zero outside it). A radiograph that is non-zero
    /// almost everywhere (a real, unmasked X-ray) has none and is refused; a DRR that is zero only outside the CT's box is not
    /// caught here.
    /// </summary>
    static void CheckMasked(Radiograph r, string what)
    {
        var px = r.Image.Pixels;
        double inside = px.Count(p => p > 0) / (double)px.Length;
        if (inside > 0.9)
            throw new ArgumentException(FormattableString.Invariant($"{what}: {inside:P0} of its pixels are non-zero; the refinement needs the radiograph masked by the femur's outline (0 outside it), as `slicerreg simulate` writes *_masked_drr.nrrd"));
    }

    /// <summary>Each level's share of <paramref name="steps"/>, the remainder to the finest.</summary>
    static IEnumerable<(Level Level, int Budget)> Budgets(IReadOnlyList<Level> levels, int steps)
    {
        for (int n = 0; n < levels.Count; n++)
            yield return (levels[n], steps / levels.Count + (n == levels.Count - 1 ? steps % levels.Count : 0));
    }

    /// <summary>Up to <paramref name="budget"/> steps; stops early on a plateau. Returns the steps taken.</summary>
    int RunLevel(int budget, CancellationToken cancel, Func<Tensor> step, Action<double> report)
    {
        double best = double.PositiveInfinity;
        int since = 0, taken = 0;
        for (int n = 0; n < budget; n++)
        {
            cancel.ThrowIfCancellationRequested();
            double loss;
            using (var scope = NewDisposeScope())
            {
                var l = step();
                NonFiniteResultException.ThrowIfNonFinite(l, "the refinement loss", "this radiograph pair (nothing was written)");
                loss = l.item<float>();
            }
            taken++;
            report(loss);
            // The first step sets the mark (∞ − tolerance·∞ would be NaN, and every later step would count as no progress).
            if (taken == 1 || loss < best - Options.PlateauTolerance * Math.Abs(best)) { best = loss; since = 0; }
            else if (++since >= Options.Patience) break;
        }
        return taken;
    }

    /// <summary>The masked atlas warped on <paramref name="level"/>'s grid by Ψ = T∘(id + φ); φ = exp(v) unless already integrated.</summary>
    Tensor Warped(Level level, Tensor t, Tensor field, bool integrated = false)
    {
        using var scope = NewDisposeScope();
        var phi = FieldResampler.Resample(integrated ? field : _integrator.forward(field), ControlGrid, level.Grid);
        var psi = level.Warp.ComposeAffine(t, phi);
        return level.Warp.forward(level.Atlas, psi).MoveToOuterDisposeScope();
    }

    /// <summary>NCC of the projections and the radiographs inside the radiographs' outlines, mean of the two views.</summary>
    double Measure(Level level, Tensor t, Tensor v, Tensor? pose)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var warped = Warped(level, t, v);
        double sum = 0;
        for (int n = 0; n < 2; n++) sum += ProjectionSimilarity.Ncc(level.Intensity(n, level.Project(n, warped, pose)), level.Targets[n], level.Masks[n]).item<float>();
        return sum / 2;
    }

    /// <summary>One pyramid level: the refine grid and the detector block-averaged by <see cref="Factor"/>, with its ProSTs.</summary>
    sealed class Level : IDisposable
    {
        public int Factor { get; }
        public ImageGeometry Grid { get; }
        public Tensor Atlas { get; }
        public SpatialTransformer Warp { get; }
        public Tensor[] Targets { get; }
        /// <summary>The radiographs' outlines M (fraction of each pixel inside, after block averaging).</summary>
        public Tensor[] Masks { get; }
        readonly ProjectiveSpatialTransformer[] _prost;
        readonly double _outlineWeight;

        public Level(DeformationRefiner owner, int factor, Radiograph[] radiographs, Radiograph[] originals)
        {
            Factor = factor;
            Grid = FieldResampler.Coarsened(owner.Grid, factor);
            Atlas = factor == 1 ? owner._atlas.alias() : F.avg_pool3d(owner._atlas, new long[] { factor, factor, factor });
            Warp = new SpatialTransformer(Grid);
            _outlineWeight = owner.Options.OutlineWeight;
            var coarse = radiographs.Select(r => factor == 1 ? r
                : NetworkInputs.ToNetworkDetector(r, owner.Preset with { RadiographRows = r.Image.Rows / factor, RadiographColumns = r.Image.Columns / factor })).ToArray();
            Targets = coarse.Select(r => NetworkInputs.Image(r.Image).to(owner._device)).ToArray();
            // The outline at the radiograph's own resolution, block-averaged like the radiograph: an edge pixel is partly
            // inside, and the projection is weighted by that fraction as the block mean of the masked radiograph is.
            Masks = originals.Select((r, n) =>
            {
                using var full = NetworkInputs.Image(r.Image);
                using var inside = full.gt(0).to(ScalarType.Float32);
                int fc = r.Image.Columns / coarse[n].Image.Columns, fr = r.Image.Rows / coarse[n].Image.Rows;
                return (fc == 1 && fr == 1 ? inside.clone() : F.avg_pool2d(inside, new long[] { fr, fc })).to(owner._device);
            }).ToArray();
            // Samples along each ray every half of the level's smallest voxel spacing: coarser steps alias the bone edges the
            // image terms compare (the network's own ProST, which only feeds an encoder, samples more sparsely).
            _prost = coarse.Select(r =>
            {
                var range = BeamGeometry.ForVolume(r.View, Grid, 1, DepthMarginMm);
                double step = 0.5 * Math.Min(Grid.Spacing.X, Math.Min(Grid.Spacing.Y, Grid.Spacing.Z));
                return new ProjectiveSpatialTransformer(new BeamGeometry(r.View, range.NearMm, range.FarMm, (int)Math.Ceiling((range.FarMm - range.NearMm) / step)), Grid);
            }).ToArray();
        }

        /// <summary>Both channels' projections (1, 2, rows, columns) of <paramref name="warped"/> in one view, through its pose correction.</summary>
        public Tensor Project(int view, Tensor warped, Tensor? pose)
            => _prost[view].forward(warped, pose is null ? null : pose.narrow(0, view, 1));

        /// <summary>The whole atlas's projection inside the radiograph's outline: what the masked radiograph shows.</summary>
        public Tensor Intensity(int view, Tensor projection) => projection.narrow(1, 0, 1) * Masks[view];

        /// <summary>Mean over the two views of S(intensity) + σ·NCC(soft outline, M), normalised by 1 + σ.</summary>
        public Tensor Similarity(Tensor warped, Tensor? pose, double gradientWeight)
        {
            using var scope = NewDisposeScope();
            Tensor total = zeros(1, warped.dtype, warped.device).squeeze();
            for (int n = 0; n < 2; n++)
            {
                var p = Project(n, warped, pose);
                total = total + ProjectionSimilarity.Compute(Intensity(n, p), Targets[n], gradientWeight, Masks[n]);
                if (_outlineWeight > 0)
                    total = total + _outlineWeight * ProjectionSimilarity.Ncc(1 - (-p.narrow(1, 1, 1) / OutlineMm).exp(), Masks[n]);
            }
            return (total / (2 * (1 + _outlineWeight))).MoveToOuterDisposeScope();
        }

        public void Dispose()
        {
            Atlas.Dispose(); Warp.Dispose();
            foreach (var t in Targets.Concat(Masks)) t.Dispose();
            foreach (var p in _prost) p.Dispose();
        }
    }

    public void Dispose()
    {
        _atlas.Dispose(); _warp.Dispose(); _integrator.Dispose();
    }
}
