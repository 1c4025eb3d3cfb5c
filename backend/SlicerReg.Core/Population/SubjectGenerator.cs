using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Population;

/// <summary>How random subjects vary (defaults: the paper's pose range, a few mm of local shape change, half of them left).</summary>
public sealed record SubjectOptions
{
    /// <summary>The grid preset subjects are drawn on (its atlas grid).</summary>
    public NetworkPreset Preset { get; init; } = NetworkPreset.Paper;
    /// <summary>Largest displacement component of the smooth deformation, mm.</summary>
    public double DeformationAmplitudeMm { get; init; } = 3;
    /// <summary>Each pose angle is uniform in ±this, degrees (paper: 10).</summary>
    public double PoseRangeDeg { get; init; } = PoseVariation.PaperRangeDeg;
    /// <summary>Probability that a subject is generated as a left femur (then mirrored to a right one).</summary>
    public double LeftFraction { get; init; } = 0.5;
    public bool IntensityVariation { get; init; } = true;

    public void Validate()
    {
        if (!(DeformationAmplitudeMm >= 0 && DeformationAmplitudeMm <= 10)) throw new ArgumentException($"deformation amplitude must lie in [0, 10] mm, got {DeformationAmplitudeMm}");
        if (!(PoseRangeDeg >= 0 && PoseRangeDeg <= 45)) throw new ArgumentException($"pose range must lie in [0°, 45°], got {PoseRangeDeg}");
        if (!(LeftFraction >= 0 && LeftFraction <= 1)) throw new ArgumentException($"left fraction must lie in [0, 1], got {LeftFraction}");
    }
}

/// <summary>One generated subject: what was drawn and the images (a right femur in the atlas frame and grid).</summary>
public sealed record Subject(int Seed, FemurParameters Parameters, PoseVariation Pose, double DeformationAmplitudeMm,
    FemurSide GeneratedSide, IntensityVariation Intensity, PhantomImages Images)
{
    /// <summary>The drawn deformation itself (its lattice covers the grid the subject was drawn on), to rasterise the subject on another grid.</summary>
    public required SmoothDeformation Deformation { get; init; }
}

/// <summary>
/// Random subjects of the synthetic population (docs/population.md), deterministic for a seed (same seed → same bytes):
/// random anatomy (<see cref="FemurParameters.Sample"/>), a smooth random deformation (<see cref="SmoothDeformation"/>),
/// a pose variation about the head centre (<see cref="PoseVariation"/>), all applied as one pull-back through the rasteriser
/// so CT and label stay consistent, then an intensity variation of the CT. Each random part draws from its own stream
/// (<see cref="SeedMixer"/>, streams 0..5).
/// <para>Left subjects: the left femur is the reflection M = diag(−1,1,1) of the right anatomy; it is rasterised on the
/// reflected grid (as a left-femur CT crop would be) and then mirrored back (<see cref="FemurMirror"/>), exactly as an imported
/// left CT is. For a phantom this gives back the right subject voxel for voxel (the phantom has no left/right asymmetry to lose),
/// so the left path tests the mirroring rather than adding variety; the side is recorded.</para>
/// </summary>
public static class SubjectGenerator
{
    public static Subject Generate(int seed, SubjectOptions? options = null)
    {
        options ??= new SubjectOptions();
        options.Validate();
        var parameters = FemurParameters.Sample(SeedMixer.Derive(seed, 0));
        var side = new Random(SeedMixer.Derive(seed, 1)).NextDouble() < options.LeftFraction ? FemurSide.Left : FemurSide.Right;
        var deformation = Deformation(options.Preset, options.DeformationAmplitudeMm, SeedMixer.Derive(seed, 2));
        var pose = DrawPose(parameters, deformation, options, new Random(SeedMixer.Derive(seed, 3)), seed);
        var intensity = options.IntensityVariation ? IntensityVariation.Sample(new Random(SeedMixer.Derive(seed, 4))) : IntensityVariation.None;
        var images = Images(seed, parameters, pose, deformation, side, intensity, options.Preset);
        return new Subject(seed, parameters, pose, options.DeformationAmplitudeMm, side, intensity, images) { Deformation = deformation };
    }

    /// <summary>
    /// The same subject rasterised on <paramref name="grid"/>'s atlas grid (the ground truth on a finer grid, `simulate
    /// --truth-grid paper`): the same anatomy, deformation, pose and side evaluated at the other grid's voxel centres, not
    /// resampled from the subject's images; the intensity variation is the same, its per-voxel noise drawn for the new voxels.
    /// On the subject's own grid this gives its images bit for bit.
    /// </summary>
    public static PhantomImages RasteriseOn(Subject subject, NetworkPreset grid)
        => Images(subject.Seed, subject.Parameters, subject.Pose, subject.Deformation, subject.GeneratedSide, subject.Intensity, grid);

    static PhantomImages Images(int seed, FemurParameters parameters, PoseVariation pose, SmoothDeformation deformation, FemurSide side,
                                IntensityVariation intensity, NetworkPreset grid)
    {
        var images = Rasterise(parameters, pose, deformation, side, grid);
        intensity.Apply(images.Ct, SeedMixer.Derive(seed, 5));
        foreach (var v in new[] { images.Ct, images.Label })
            v.Metadata["SlicerReg_Subject"] = $"seed={seed} side={side.ToString().ToLowerInvariant()}";
        return images;
    }

    public const int MaxPoseDraws = 200;

    /// <summary>The smooth deformation covering the grid (with a 60 mm margin: the pull-back input Rᵀx is rotated by up to ~17°).</summary>
    public static SmoothDeformation Deformation(NetworkPreset preset, double amplitudeMm, int seed)
    {
        var g = preset.AtlasGrid;
        var margin = new Vec3(60, 60, 60);
        return new SmoothDeformation(g.IndexToRas(new Vec3(0, 0, 0)) - margin, g.IndexToRas(new Vec3(g.Size.I - 1, g.Size.J - 1, g.Size.K - 1)) + margin, amplitudeMm, seed);
    }

    /// <summary>Subject(x) = anatomy(D(Rᵀx)): the anatomy deformed by D, then rotated by R about the head centre.</summary>
    public static Func<Vec3, Vec3> PullBack(PoseVariation pose, SmoothDeformation deformation)
    {
        var rt = pose.Rotation.Transpose();
        return x => { var q = rt * x; return q + deformation.Displacement(q); };
    }

    /// <summary>
    /// Draws poses (each angle uniform in ±range) until the posed femur stays inside the grid except at the bottom face,
    /// where the shaft leaves by design: the paper crops its posed CTs around the femur, and a 85 mm deep box cannot hold a
    /// shaft swung 10° at 150 mm below the head. About a third of the draws are rejected (mostly strong extension or
    /// abduction), so the accepted distribution is uniform truncated by this constraint.
    /// </summary>
    static PoseVariation DrawPose(FemurParameters parameters, SmoothDeformation deformation, SubjectOptions options, Random rng, int seed)
    {
        var shape = new FemurShape(parameters);
        for (int n = 0; n < MaxPoseDraws; n++)
        {
            var pose = PoseVariation.Sample(rng, options.PoseRangeDeg);
            if (FemurInsideGrid(shape, PullBack(pose, deformation), options.Preset.AtlasGrid)) return pose;
        }
        throw new InvalidOperationException($"subject seed {seed}: no pose within ±{options.PoseRangeDeg}° in {MaxPoseDraws} draws keeps the femur inside the {options.Preset.Name} grid");
    }

    /// <summary>True when no voxel centre on the side and top faces of the grid lies inside the femur.</summary>
    public static bool FemurInsideGrid(FemurShape shape, Func<Vec3, Vec3> pullBack, ImageGeometry g)
    {
        var s = g.Size;
        bool Outside(int i, int j, int k) => shape.Femur(pullBack(g.IndexToRas(new Vec3(i, j, k)))) > 0;
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                if (!Outside(0, j, k) || !Outside(s.I - 1, j, k)) return false;
        for (int k = 0; k < s.K; k++)
            for (int i = 0; i < s.I; i++)
                if (!Outside(i, 0, k) || !Outside(i, s.J - 1, k)) return false;
        for (int j = 0; j < s.J; j++)
            for (int i = 0; i < s.I; i++)
                if (!Outside(i, j, s.K - 1)) return false;
        return true;
    }

    /// <summary>The deformed, posed anatomy on the grid (right femur), through the left-femur path when asked.</summary>
    public static PhantomImages Rasterise(FemurParameters parameters, PoseVariation pose, SmoothDeformation deformation, FemurSide side, NetworkPreset preset)
    {
        var g = preset.AtlasGrid;
        var Right = PullBack(pose, deformation);
        if (side == FemurSide.Right) return FemurPhantom.Rasterise(parameters, g, Right);

        var m = FemurMirror.Reflection;
        var left = FemurPhantom.Rasterise(parameters, FemurMirror.MirrorGeometry(g), x => Right(m * x));
        var ct = FemurMirror.Mirror(left.Ct); var label = FemurMirror.Mirror(left.Label);
        // Mirroring the mirrored grid gives the atlas grid back up to rounding; store the exact atlas grid.
        ct.SetGeometry(g); label.SetGeometry(g);
        return new PhantomImages(ct, label);
    }
}
