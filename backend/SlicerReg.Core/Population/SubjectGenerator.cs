using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Population;

/// <summary>How random subjects vary (defaults: the paper's pose range, a few mm of local shape change, half of them left).</summary>
public sealed record SubjectOptions
{
    public AtlasGrid Grid { get; init; } = AtlasGrid.Paper;
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
    FemurSide GeneratedSide, IntensityVariation Intensity, PhantomImages Images);

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
        var pose = PoseVariation.Sample(new Random(SeedMixer.Derive(seed, 3)), options.PoseRangeDeg);
        var intensity = options.IntensityVariation ? IntensityVariation.Sample(new Random(SeedMixer.Derive(seed, 4))) : IntensityVariation.None;
        var images = Rasterise(parameters, pose, options.DeformationAmplitudeMm, SeedMixer.Derive(seed, 2), side, options.Grid);
        intensity.Apply(images.Ct, SeedMixer.Derive(seed, 5));
        foreach (var v in new[] { images.Ct, images.Label })
        {
            v.Metadata["SlicerReg_Subject"] = $"seed={seed} side={side.ToString().ToLowerInvariant()}";
        }
        return new Subject(seed, parameters, pose, options.DeformationAmplitudeMm, side, intensity, images);
    }

    /// <summary>The deformed, posed anatomy on the grid (right femur), through the left-femur path when asked.</summary>
    public static PhantomImages Rasterise(FemurParameters parameters, PoseVariation pose, double amplitudeMm, int deformationSeed, FemurSide side, AtlasGrid grid)
    {
        var g = grid.Geometry;
        // The pull-back input is Rᵀx for grid points x (|rotation| ≤ ~17°): a 60 mm margin keeps it inside the lattice.
        var margin = new Vec3(60, 60, 60);
        var lo = g.IndexToRas(new Vec3(0, 0, 0)) - margin;
        var hi = g.IndexToRas(new Vec3(g.Size.I - 1, g.Size.J - 1, g.Size.K - 1)) + margin;
        var deformation = new SmoothDeformation(lo, hi, amplitudeMm, deformationSeed);
        var rt = pose.Rotation.Transpose();
        // Subject(x) = anatomy(D(Rᵀx)): the anatomy deformed by D, then rotated by R about the head centre.
        Vec3 Right(Vec3 x) { var q = rt * x; return q + deformation.Displacement(q); }
        if (side == FemurSide.Right) return FemurPhantom.Rasterise(parameters, g, Right);

        var m = FemurMirror.Reflection;
        var left = FemurPhantom.Rasterise(parameters, FemurMirror.MirrorGeometry(g), x => Right(m * x));
        var ct = FemurMirror.Mirror(left.Ct); var label = FemurMirror.Mirror(left.Label);
        // Mirroring the mirrored grid gives the atlas grid back up to rounding; store the exact atlas grid.
        ct.SetGeometry(g); label.SetGeometry(g);
        return new PhantomImages(ct, label);
    }
}
