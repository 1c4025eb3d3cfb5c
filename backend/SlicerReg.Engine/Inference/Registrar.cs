using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Inference;

/// <summary>A stage of <see cref="Registrar.Register"/> and the fraction of the whole done.</summary>
public readonly record struct RegistrationStage(string Stage, double Fraction);

/// <summary>
/// Runs a trained model on two calibrated radiographs (paper, Fig. 1 at inference): puts them on the preset's detector
/// as training did (<see cref="NetworkInputs.ToNetworkDetector"/>), sets the network's view pair from their calibrations,
/// runs the network once in eval mode without gradients, and turns its outputs into volumes and files.
/// It does not mask the radiographs: the model's input setting (<see cref="NetworkConfig.Input"/>, masked or unmasked)
/// tells the caller which radiographs to give. `demo` and `evaluate` pick the masked DRRs for a masked model; `register`
/// and the daemon take the radiographs as given (no femur mask is known for a real radiograph).
/// Reusable for many registrations; not thread-safe (one call at a time).
/// </summary>
public sealed class Registrar : IDisposable
{
    readonly Device _device;
    readonly string _folder;
    RegistrationNetwork? _network;
    readonly Tensor _atlas, _atlasHu;
    readonly Tensor _atlasLabels;
    readonly int _labelCount;
    readonly IReadOnlyList<Vec3> _femurCorners;

    public NetworkConfig Config { get; }
    public NetworkPreset Preset => Config.PresetValue;
    public Volume AtlasCt { get; }
    public Volume AtlasLabel { get; }
    public string Folder => _folder;

    Registrar(string folder, NetworkConfig config, Volume atlasCt, Volume atlasLabel, Device device)
    {
        _folder = folder; Config = config; AtlasCt = atlasCt; AtlasLabel = atlasLabel; _device = device;
        config.PresetValue.CheckGrid(atlasCt.Geometry, $"atlas of the model in {folder}");
        _atlas = NetworkInputs.MaskedVolume(atlasCt, atlasLabel, "atlas").to(device);
        using (var hu = TensorVolume.FromVolume(atlasCt)) _atlasHu = (hu.Data + 1000).to(device); // warped as HU + 1000 so zero padding reads air
        using (var l = TensorVolume.FromVolume(atlasLabel)) _atlasLabels = l.Data.round().to(device);
        _labelCount = Math.Max(2, (int)_atlasLabels.max().item<float>() + 1);
        _femurCorners = DegenerateInputs.LabelCorners(atlasLabel, NetworkInputs.FemurLabel);
        if (_femurCorners.Count == 0) throw new ArgumentException($"the atlas label map of the model in {folder} has no femur (label {NetworkInputs.FemurLabel})");
    }

    /// <summary>Loads a model folder (<see cref="ModelFolder.Resolve"/>: MODEL/best when present) with its atlas, or the atlas given.</summary>
    public static Registrar Load(string modelFolder, string device = "cpu", string? atlasCt = null, string? atlasLabel = null)
        => Load(ModelDescription.Open(modelFolder), device, atlasCt, atlasLabel);

    /// <summary>Loads the model <paramref name="model"/> describes (network.json already read) with its atlas, or the atlas given.</summary>
    public static Registrar Load(ModelDescription model, string device = "cpu", string? atlasCt = null, string? atlasLabel = null)
    {
        var dev = ComputeDevice.Select(device);
        var (folder, config) = model;
        (Volume ct, Volume label) = atlasCt is null
            ? ModelFolder.ReadAtlas(folder)
            : (Core.IO.VolumeFile.Read(atlasCt), Core.IO.VolumeFile.Read(atlasLabel ?? throw new ArgumentException("an atlas CT needs its label map")));
        NetworkInputs.CheckPair(ct, label, atlasCt ?? folder);
        if (!File.Exists(Path.Combine(folder, RegistrationNetwork.WeightsFileName)))
            throw new Core.IO.ImageFormatException(Path.Combine(folder, RegistrationNetwork.WeightsFileName), "network weights file not found");
        return new Registrar(folder, config, ct, label, dev);
    }

    /// <summary>
    /// Registers the atlas to <paramref name="ap"/> and <paramref name="lateral"/> (their views are their calibrations);
    /// <paramref name="withAffineOnly"/> also warps the atlas by the affine module alone (for evaluation).
    /// </summary>
    public RegistrationResult Register(Radiograph ap, Radiograph lateral, Action<RegistrationStage>? progress = null, CancellationToken cancel = default,
                                       bool withAffineOnly = false)
    {
        ArgumentNullException.ThrowIfNull(ap); ArgumentNullException.ThrowIfNull(lateral);
        using var region = EngineProfile.Time("registrar, other");
        progress?.Invoke(new("preparing inputs", 0));
        var apNet = NetworkInputs.ToNetworkDetector(ap, Preset, "AP radiograph");
        var latNet = NetworkInputs.ToNetworkDetector(lateral, Preset, "lateral radiograph");
        DegenerateInputs.CheckRadiograph(ap.Image, "AP radiograph");
        DegenerateInputs.CheckRadiograph(lateral.Image, "lateral radiograph");
        DegenerateInputs.CheckAtlasSeen(_femurCorners, ap.View, "AP view");
        DegenerateInputs.CheckAtlasSeen(_femurCorners, lateral.View, "lateral view");
        var views = new ViewPair(apNet.View, latNet.View);
        cancel.ThrowIfCancellationRequested();
        progress?.Invoke(new("loading network", 0.1));
        if (_network is null)
        {
            using var build = EngineProfile.Time("network build (first call)");
            _network = RegistrationNetwork.Load(_folder, Config, AtlasCt.Geometry, views);
            _network.to(_device);
            _network.eval();
        }
        else _network.Views = views; // rebuilt only when the calibration differs (a rebuild costs seconds; bench: view pair change)
        var net = _network;
        cancel.ThrowIfCancellationRequested();
        progress?.Invoke(new("running network", 0.2));
        var grid = AtlasCt.Geometry;
        Volume warpedAtlas, warpedLabel, warpedMasked, field, velocity; Volume? affineAtlas = null, affineLabel = null, affineMasked = null; Mat4 affine;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            using var output = net.forward(_atlas, NetworkInputs.Image(apNet.Image).to(_device), NetworkInputs.Image(latNet.Image).to(_device));
            GuardFinite(output);
            cancel.ThrowIfCancellationRequested();
            progress?.Invoke(new("warping the atlas", 0.6));
            warpedAtlas = HuVolume(net.Warp.forward(_atlasHu, output.Displacement), grid);
            warpedLabel = LabelVolume(net.Warp.WarpLabels(_atlasLabels, output.Displacement, _labelCount), grid);
            warpedMasked = TensorVolume.ToVolume(output.WarpedLocal, grid);
            if (withAffineOnly)
            {
                var affineField = net.Warp.AffineDisplacement(output.AffineTransform);
                affineAtlas = HuVolume(net.Warp.forward(_atlasHu, affineField), grid);
                affineLabel = LabelVolume(net.Warp.WarpLabels(_atlasLabels, affineField, _labelCount), grid);
                affineMasked = TensorVolume.ToVolume(output.WarpedAffine, grid);
            }
            field = TensorVolume.ToVolume(output.Displacement, grid, 0, VolumeKind.DisplacementField);
            velocity = TensorVolume.ToVolume(output.Velocity, grid, 0, VolumeKind.DisplacementField);
            affine = Mat4.FromRowMajor(output.AffineTransform[0].to(ScalarType.Float64).cpu().data<double>().ToArray());
        }
        cancel.ThrowIfCancellationRequested();
        progress?.Invoke(new("projecting the result", 0.8));
        using var projecting = EngineProfile.Time("label projection (C#)");
        var femur = NetworkInputs.FemurLabelMap(warpedLabel);
        var apMask = LabelProjector.Project(femur, ap.View, 1);
        var latMask = LabelProjector.Project(femur, lateral.View, 1);
        progress?.Invoke(new("done", 1));
        return new RegistrationResult
        {
            WarpedAtlas = warpedAtlas, WarpedLabel = warpedLabel, AffineWarpedAtlas = affineAtlas, AffineWarpedLabel = affineLabel,
            WarpedMaskedAtlas = warpedMasked, AffineWarpedMaskedAtlas = affineMasked, Displacement = field, AffinePatientToAtlas = affine, Velocity = velocity,
            Ap = ap, Lateral = lateral, ApProjectedLabel = apMask, LateralProjectedLabel = latMask,
        };
    }

    /// <summary>Stops a NaN anywhere in the network's outputs from becoming files: each stage is checked in the order it ran.</summary>
    static void GuardFinite(RegistrationOutput output)
    {
        const string input = "this radiograph pair (nothing was written)";
        NonFiniteResultException.ThrowIfNonFinite(output.AffineTransform, "the affine module (T)", input);
        NonFiniteResultException.ThrowIfNonFinite(output.Velocity, "the local module (velocity field v)", input);
        NonFiniteResultException.ThrowIfNonFinite(output.LocalDisplacement, "scaling and squaring (φ = exp(v))", input);
        NonFiniteResultException.ThrowIfNonFinite(output.Displacement, "the composed field (Ψ)", input);
        NonFiniteResultException.ThrowIfNonFinite(output.WarpedLocal, "the warp of the masked atlas (V∘Ψ)", input);
    }

    Volume HuVolume(Tensor shifted, ImageGeometry grid)
    {
        using var scope = NewDisposeScope();
        return TensorVolume.ToVolume(shifted - 1000, grid);
    }

    Volume LabelVolume(Tensor labels, ImageGeometry grid)
    {
        var v = TensorVolume.ToVolume(labels, grid);
        return v.ConvertTo(VoxelType.UInt8, VolumeKind.LabelMap);
    }

    public void Dispose()
    {
        _network?.Dispose();
        _atlas.Dispose(); _atlasHu.Dispose(); _atlasLabels.Dispose();
    }
}
