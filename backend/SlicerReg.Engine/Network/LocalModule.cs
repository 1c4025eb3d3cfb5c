using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Local registration module (paper, "Local registration module" and "invProST"): per view a U-shaped net —
/// ProST of the affine-warped atlas + the radiograph (B, 2, rows, cols) → 2D encoder (strided + non-strided conv per
/// level) → <see cref="BeamDecoder"/> in that view's beam space → invProST onto the patient grid (B, D[L], K, J, I);
/// the two branches are concatenated and one 3D convolution gives the 3-channel stationary velocity field (RAS mm),
/// its kernel initialised from a normal distribution of standard deviation 10⁻⁵ and its bias 0, as VoxelMorph
/// (<see cref="NetworkConfig.FlowInitStd"/>).
/// Ablations: <see cref="NetworkConfig.SeparateDecoders"/> = false combines the two encoder pyramids level by level
/// (<see cref="FeatureCombiner"/>, as the affine module) and decodes once; lacking a second beam, the shared decoder's
/// features are read in the AP view's beam (our reading of the paper's ablation). <see cref="NetworkConfig.InverseProjection"/>
/// = false resizes each decoded beam tensor to the grid's (K, J, I) with trilinear interpolation and concatenates it,
/// i.e. treats beam indices as if they were voxel indices ("directly concatenated", paper).
/// </summary>
public sealed class LocalModule : Module<Tensor, Tensor, Tensor, Tensor>
{
    readonly Encoder2d apEncoder, lateralEncoder;
    readonly FeatureCombiner? combiner;
    readonly BeamDecoder apDecoder;
    readonly BeamDecoder? lateralDecoder;
    readonly Conv3d flow;
    readonly bool _inverseProjection;
    readonly GridSize _gridSize;

    /// <summary>The view pair used by <see cref="forward"/> (not a parameter; set by the network).</summary>
    public ProjectionGeometry? Geometry { get; set; }

    public LocalModule(NetworkConfig config, ImageGeometry grid) : base(nameof(LocalModule))
    {
        var preset = config.Validate().PresetValue;
        preset.CheckGrid(grid);
        double slope = config.LeakySlope;
        int L = preset.LocalLevels;
        apEncoder = new Encoder2d(2, preset.LocalBaseFeatures, L, convsPerLevel: 2, slope);
        lateralEncoder = new Encoder2d(2, preset.LocalBaseFeatures, L, convsPerLevel: 2, slope);
        var encoderWidths = Enumerable.Range(0, L + 1).Select(apEncoder.Width).ToArray();
        if (config.SeparateDecoders)
        {
            apDecoder = new BeamDecoder(encoderWidths, preset.DecoderFeatures, config.RayCopies, config.SkipConnections, slope);
            lateralDecoder = new BeamDecoder(encoderWidths, preset.DecoderFeatures, config.RayCopies, config.SkipConnections, slope);
        }
        else
        {
            combiner = new FeatureCombiner(apEncoder, slope);
            var combinedWidths = Enumerable.Range(0, L + 1).Select(combiner.Width).ToArray();
            apDecoder = new BeamDecoder(combinedWidths, preset.DecoderFeatures, config.RayCopies, config.SkipConnections, slope);
        }
        int branches = config.SeparateDecoders ? 2 : 1;
        flow = Conv3d(branches * apDecoder.OutputChannels, 3, kernel_size: 3, stride: 1, padding: 1);
        using (no_grad())
        {
            init.normal_(flow.weight!, 0, config.FlowInitStd);
            init.zeros_(flow.bias!);
        }
        _inverseProjection = config.InverseProjection;
        _gridSize = grid.Size;
        RegisterComponents();
    }

    /// <summary>Beam-space shape (K', rows, columns) of every decoded feature tensor.</summary>
    public (int Depth, int Rows, int Columns) DecoderBeamShape(NetworkPreset preset) => (apDecoder.OutputDepth, preset.RadiographRows, preset.RadiographColumns);

    /// <summary>
    /// <paramref name="warpedAtlas"/> (B, 1, K, J, I): the atlas after the affine module; radiographs (B, 1, rows, columns)
    /// → velocity (B, 3, K, J, I) in RAS mm.
    /// </summary>
    public override Tensor forward(Tensor warpedAtlas, Tensor apImage, Tensor lateralImage)
    {
        using var scope = NewDisposeScope();
        var patient = PatientFeatures(warpedAtlas, apImage, lateralImage);
        return CheckedConvolution.Apply(patient, flow.weight!, flow.bias, 1, 1).MoveToOuterDisposeScope();
    }

    /// <summary>The concatenated patient-grid features (B, branches·D[L], K, J, I) before the velocity convolution.</summary>
    public Tensor PatientFeatures(Tensor warpedAtlas, Tensor apImage, Tensor lateralImage)
    {
        var g = Geometry ?? throw new InvalidOperationException("the local module has no view geometry; set Geometry first");
        using var scope = NewDisposeScope();
        var ap = apEncoder.forward(g.ProjectionPair(0, warpedAtlas, apImage));
        var lat = lateralEncoder.forward(g.ProjectionPair(1, warpedAtlas, lateralImage));
        Tensor result;
        if (lateralDecoder is not null)
            result = cat(new[] { ToPatient(apDecoder.forward(ap), 0), ToPatient(lateralDecoder.forward(lat), 1) }, 1);
        else
            result = ToPatient(apDecoder.forward(combiner!.forward(ap, lat)), 0);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Beam features (B, C, K', rows, columns) of view <paramref name="view"/> → patient grid (B, C, K, J, I): invProST
    /// (paper Eq. 3), or the plain resize of the no-invProST ablation.
    /// </summary>
    public Tensor ToPatient(Tensor beamFeatures, int view)
    {
        if (_inverseProjection)
        {
            var g = Geometry ?? throw new InvalidOperationException("the local module has no view geometry; set Geometry first");
            return g.Inverses[view].forward(beamFeatures);
        }
        return F.interpolate(beamFeatures, new long[] { _gridSize.K, _gridSize.J, _gridSize.I }, mode: InterpolationMode.Trilinear, align_corners: false);
    }
}
