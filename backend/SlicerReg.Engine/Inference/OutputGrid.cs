using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// The grid the warped atlas and its label map are written on (`--output-grid model|paper|FILE`, issue 15 item 1). Ψ is
/// smooth, so it is upsampled trilinearly in mm (<see cref="FieldResampler"/>) from the grid it was computed on (the model's
/// or the refinement's) onto a finer atlas of the same anatomy — the shipped atlas/paper/ (192×128×192 at 0.664 × 0.664 × 1 mm)
/// or an atlas FILE with its label map FILE_label — and that atlas's CT and labels are warped there: sub-millimetre outputs
/// from a coarse network. The displacement field itself stays on the grid it was computed on (Slicer interpolates a grid
/// transform anyway; at the paper grid it would be 56 MB).
/// </summary>
public sealed class OutputGrid
{
    public const string Model = "model", Paper = "paper";

    /// <summary>"model", "paper" or the atlas CT path.</summary>
    public string Name { get; }
    /// <summary>The atlas CT and label map on the output grid; null for "model" (the result stays as it is).</summary>
    public Volume? AtlasCt { get; }
    public Volume? AtlasLabel { get; }

    /// <summary>An output grid given by an atlas CT and its label map (null, null: the model's grid).</summary>
    public OutputGrid(string name, Volume? ct, Volume? label)
    {
        if ((ct is null) != (label is null)) throw new ArgumentException("an output-grid atlas needs both its CT and its label map");
        if (ct is not null) NetworkInputs.CheckPair(ct, label!, $"output-grid atlas {name}");
        Name = name; AtlasCt = ct; AtlasLabel = label;
    }

    /// <summary>
    /// "model", "paper" (the shipped paper-resolution atlas) or an atlas CT file whose label map is FILE_label.EXT (as the
    /// shipped atlases are named) or <paramref name="labelFile"/>. Null or empty: the default, "paper".
    /// </summary>
    public static OutputGrid Resolve(string? choice, string? labelFile = null)
    {
        choice = string.IsNullOrWhiteSpace(choice) ? Paper : choice.Trim();
        if (choice == Model) return new OutputGrid(Model, null, null);
        var (ct, label) = choice == Paper ? ShippedAtlas.Find(Paper) : (choice, labelFile ?? LabelNextTo(choice));
        var ctVolume = VolumeFile.Read(ct);
        if (!File.Exists(label)) throw new FileNotFoundException($"--output-grid {choice}: its label map {label} was not found (an output atlas FILE.nrrd needs FILE_label.nrrd next to it)");
        var labelVolume = VolumeFile.Read(label);
        return new OutputGrid(choice, ctVolume, labelVolume);
    }

    static string LabelNextTo(string ct)
    {
        string name = Path.GetFileName(ct);
        string ext = name.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase) ? ".nii.gz" : Path.GetExtension(name);
        return Path.Combine(Path.GetDirectoryName(ct) ?? ".", name[..^ext.Length] + "_label" + ext);
    }

    /// <summary>
    /// <paramref name="result"/> with its warped atlas, label map, masked atlas (and the affine-only ones when present) on
    /// this grid, the projected labels redone from the fine label map; Ψ, T and the radiographs unchanged.
    /// </summary>
    public RegistrationResult Apply(RegistrationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (AtlasCt is null || AtlasLabel is null) return result;
        var (atlas, label, masked) = Warp(result.Displacement);
        Volume? affineAtlas = null, affineLabel = null, affineMasked = null;
        if (result.AffineWarpedLabel is not null)
        {
            using var scope = NewDisposeScope();
            using var warp = new SpatialTransformer(AtlasCt.Geometry);
            using var t = tensor(result.AffinePatientToAtlas.ToRowMajor(), new long[] { 1, 4, 4 }, ScalarType.Float32);
            (affineAtlas, affineLabel, affineMasked) = WarpAll(warp, warp.AffineDisplacement(t));
        }
        var femur = NetworkInputs.FemurLabelMap(label);
        return result with
        {
            WarpedAtlas = atlas, WarpedLabel = label, WarpedMaskedAtlas = masked,
            AffineWarpedAtlas = affineAtlas, AffineWarpedLabel = affineLabel, AffineWarpedMaskedAtlas = affineMasked,
            ApProjectedLabel = Core.Xray.LabelProjector.Project(femur, result.Ap.View, 1),
            LateralProjectedLabel = Core.Xray.LabelProjector.Project(femur, result.Lateral.View, 1),
        };
    }

    /// <summary>
    /// This grid's atlas CT (HU), label map and masked relative-attenuation atlas warped by <paramref name="displacement"/>
    /// (Ψ on any grid covering it, upsampled trilinearly in mm).
    /// </summary>
    public (Volume Atlas, Volume Label, Volume Masked) Warp(Volume displacement)
    {
        ArgumentNullException.ThrowIfNull(displacement);
        if (AtlasCt is null) throw new InvalidOperationException("the model output grid has no atlas of its own");
        using var scope = NewDisposeScope();
        using var warp = new SpatialTransformer(AtlasCt.Geometry);
        using var psi = TensorVolume.FromVolume(displacement);
        return WarpAll(warp, FieldResampler.Resample(psi.Data, displacement.Geometry, AtlasCt.Geometry));
    }

    (Volume Atlas, Volume Label, Volume Masked) WarpAll(SpatialTransformer warp, Tensor field)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grid = warp.Grid;
        using var hu = TensorVolume.FromVolume(AtlasCt!);
        using var labels = TensorVolume.FromVolume(AtlasLabel!);
        var ids = labels.Data.round();
        int labelCount = Math.Max(2, (int)ids.max().item<float>() + 1);
        // As the Registrar: HU + 1000 so zero padding reads air; each label's indicator warped linearly.
        var atlas = TensorVolume.ToVolume(warp.forward(hu.Data + 1000, field) - 1000, grid);
        var label = TensorVolume.ToVolume(warp.WarpLabels(ids, field, labelCount), grid).ConvertTo(VoxelType.UInt8, VolumeKind.LabelMap);
        using var maskedAtlas = NetworkInputs.MaskedVolume(AtlasCt!, AtlasLabel!);
        var masked = TensorVolume.ToVolume(warp.forward(maskedAtlas, field), grid);
        return (atlas, label, masked);
    }
}
