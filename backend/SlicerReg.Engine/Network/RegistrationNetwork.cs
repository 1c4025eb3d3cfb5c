using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Everything one forward pass produces. Fields (B, 3, K, J, I) are RAS mm, pull-back; volumes (B, 1, K, J, I) live on
/// the atlas grid (which is also the patient grid: the ground truth V^f shares it, paper "CT-data preprocessing").
/// </summary>
public sealed record RegistrationOutput(
    Tensor AffineParameters,   // (B, 7)   α, β, γ, t₁, t₂, t₃, log s
    Tensor AffineTransform,    // (B, 4, 4) T, RAS pull-back about the atlas centre
    Tensor Velocity,           // (B, 3, K, J, I) stationary velocity v
    Tensor LocalDisplacement,  // (B, 3, K, J, I) φ = exp(v)
    Tensor Displacement,       // (B, 3, K, J, I) Ψ = φ + T∘φ: the atlas at x + Ψ(x) lands on the patient at x
    Tensor WarpedAffine,       // (B, 1, K, J, I) V∘T
    Tensor WarpedLocal)        // (B, 1, K, J, I) V∘Ψ
    : IDisposable
{
    public IEnumerable<Tensor> All => new[] { AffineParameters, AffineTransform, Velocity, LocalDisplacement, Displacement, WarpedAffine, WarpedLocal };
    public void Dispose() { foreach (var t in All) t.Dispose(); }
}

/// <summary>
/// The end-to-end 2D/3D registration network of Van Houtte et al. 2022 (Fig. 1): an affine module regressing a
/// similarity T, then a local module regressing a stationary velocity field, integrated to φ (scaling and squaring) and
/// composed with T into Ψ (paper, "Overview of network"); the atlas is warped once by T and once by Ψ for the loss (Eq. 4).
/// Built for one atlas grid (size and spacing of <see cref="NetworkConfig.Preset"/>) and one view pair (<see cref="Views"/>,
/// replaceable between calls).
/// </summary>
public sealed class RegistrationNetwork : Module<Tensor, Tensor, Tensor, RegistrationOutput>
{
    public const string ConfigFileName = "network.json";
    public const string WeightsFileName = "weights.dat";

    readonly AffineModule affine;
    readonly LocalModule local;
    readonly VelocityIntegrator integrator;
    readonly SpatialTransformer warp;
    ProjectionGeometry _geometry;

    public NetworkConfig Config { get; }
    public NetworkPreset Preset { get; }
    public ImageGeometry Grid { get; }
    public AffineModule Affine => affine;
    public LocalModule Local => local;
    public SpatialTransformer Warp => warp;
    public ProjectionGeometry Geometry => _geometry;

    public RegistrationNetwork(NetworkConfig config, ImageGeometry grid, ViewPair views) : base(nameof(RegistrationNetwork))
    {
        Config = (config ?? throw new ArgumentNullException(nameof(config))).Validate();
        Preset = config.PresetValue;
        Grid = grid ?? throw new ArgumentNullException(nameof(grid));
        Preset.CheckGrid(grid);
        manual_seed(config.Seed); // deterministic initialisation
        warp = new SpatialTransformer(grid); // owns the warps' constants; the affine module's and the integrator's share them
        affine = new AffineModule(config, grid, warp);
        local = new LocalModule(config, grid);
        integrator = new VelocityIntegrator(grid, config.IntegrationSteps, warp);
        _geometry = MakeGeometry(views);
        affine.Geometry = local.Geometry = _geometry;
        RegisterComponents();
    }

    /// <summary>
    /// The view pair (projection geometry T_geom, an input of the paper's network); setting a different pair rebuilds the
    /// ProST/invProST layers, not the weights. Pairs compare by value (<see cref="CalibratedView"/>'s equality), so a new
    /// radiograph pair taken with the same calibration keeps the layers.
    /// </summary>
    public ViewPair Views
    {
        get => _geometry.Views;
        set
        {
            if (value == _geometry.Views) return;
            var next = MakeGeometry(value);
            _geometry.Dispose();
            _geometry = next;
            affine.Geometry = local.Geometry = next;
        }
    }

    ProjectionGeometry MakeGeometry(ViewPair views)
    {
        using var region = EngineProfile.Time("view pair geometry");
        return new(Grid, views ?? throw new ArgumentNullException(nameof(views)), Config.EffectiveSamplesPerRay, Preset.RadiographRows, Preset.RadiographColumns);
    }

    /// <summary>
    /// <paramref name="atlas"/> (B or 1, 1, K, J, I) masked atlas on <see cref="Grid"/>; <paramref name="apImage"/>,
    /// <paramref name="lateralImage"/> (B, 1, rows, columns) masked radiographs of <see cref="Views"/>.
    /// </summary>
    public override RegistrationOutput forward(Tensor atlas, Tensor apImage, Tensor lateralImage)
    {
        ArgumentNullException.ThrowIfNull(atlas);
        if (atlas.dim() != 5 || atlas.shape[1] != 1) throw new ArgumentException($"atlas must be (B, 1, K, J, I), got ({string.Join(", ", atlas.shape)})");
        using var region = EngineProfile.Time("network, other");
        using var scope = NewDisposeScope();
        var a = affine.forward(atlas, apImage, lateralImage);
        var velocity = local.forward(a.Warped, apImage, lateralImage);
        var phi = integrator.forward(velocity);
        var psi = warp.ComposeAffine(a.Transform, phi);
        var warped = warp.forward(atlas, psi);
        return new RegistrationOutput(a.Parameters.MoveToOuterDisposeScope(), a.Transform.MoveToOuterDisposeScope(),
            velocity.MoveToOuterDisposeScope(), phi.MoveToOuterDisposeScope(), psi.MoveToOuterDisposeScope(),
            a.Warped.MoveToOuterDisposeScope(), warped.MoveToOuterDisposeScope());
    }

    /// <summary>Eq. 4 for <paramref name="output"/> against the masked ground-truth volume <paramref name="truth"/> (B, 1, K, J, I).</summary>
    public LossTerms Loss(RegistrationOutput output, Tensor truth)
    {
        using var region = EngineProfile.Time("loss (Eq. 4)");
        return RegistrationLoss.Compute(truth, output.WarpedAffine, output.WarpedLocal, output.LocalDisplacement, Grid,
                                    Config.EffectiveNccWindow, Config.SmoothnessWeight);
    }

    /// <summary>Writes <see cref="ConfigFileName"/> and <see cref="WeightsFileName"/> into <paramref name="directory"/>, each atomically.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, ConfigFileName));
        AtomicFile.Write(Path.Combine(directory, WeightsFileName), s => { using var w = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true); save(w); });
    }

    /// <summary>Rebuilds the network from <paramref name="directory"/> (config + weights) for <paramref name="grid"/> and <paramref name="views"/>.</summary>
    public static RegistrationNetwork Load(string directory, ImageGeometry grid, ViewPair views)
        => Load(directory, NetworkConfig.Load(Path.Combine(directory, ConfigFileName)), grid, views);

    /// <summary>The same with the folder's <see cref="ConfigFileName"/> already read (<paramref name="config"/>).</summary>
    public static RegistrationNetwork Load(string directory, NetworkConfig config, ImageGeometry grid, ViewPair views)
    {
        string weights = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weights)) throw new ImageFormatException(weights, "network weights file not found");
        var network = new RegistrationNetwork(config, grid, views);
        try { network.load(weights); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            network.Dispose();
            throw new ImageFormatException(weights, $"weights do not fit the network described by {ConfigFileName}: {e.Message}", e);
        }
        return network;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _geometry.Dispose();
        base.Dispose(disposing);
    }
}
