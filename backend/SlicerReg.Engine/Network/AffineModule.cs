using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SlicerReg.Engine.Network;

/// <summary>Output of the affine module: parameters (B, 7), T (B, 4, 4) RAS pull-back, u_T (B, 3, K, J, I), V∘T (B, 1, K, J, I).</summary>
public sealed record AffineResult(Tensor Parameters, Tensor Transform, Tensor Displacement, Tensor Warped);

/// <summary>
/// Affine registration module (paper, "Affine registration module"):
/// 1. ProST projects the atlas along both views; each projection with its radiograph is a 2-channel image (B, 2, rows, cols).
/// 2. Two 2D encoders of five levels (strided conv, batch norm, LeakyReLU; halve the size, double the features).
/// 3. At every level the AP, lateral and preceding combined features are concatenated and convolved (<see cref="FeatureCombiner"/>);
///    ablation (<see cref="NetworkConfig.IntermediateConcatenation"/> = false): the two last maps are only concatenated.
/// 4. Flatten → dense layer → 7 similarity parameters; bias 0 and kernel N(0, σ²) with a narrow σ so T starts near I.
/// 5. <see cref="SimilarityTransform"/> → T, and the spatial transformer warps the atlas by T.
/// </summary>
public sealed class AffineModule : Module<Tensor, Tensor, Tensor, AffineResult>
{
    readonly Encoder2d apEncoder, lateralEncoder;
    readonly FeatureCombiner? combiner;
    readonly Linear dense;
    readonly SpatialTransformer warp;
    readonly Vec3 _centre;
    readonly double _translationScaleMm;

    /// <summary>The view pair used by <see cref="forward"/> (not a parameter; set by the network).</summary>
    public ProjectionGeometry? Geometry { get; set; }

    /// <param name="constantsOf">a transformer on the same grid whose constants the atlas warp shares (it must outlive this).</param>
    public AffineModule(NetworkConfig config, ImageGeometry grid, SpatialTransformer? constantsOf = null) : base(nameof(AffineModule))
    {
        var preset = config.Validate().PresetValue;
        preset.CheckGrid(grid);
        double slope = config.LeakySlope;
        int levels = preset.AffineLevels;
        apEncoder = new Encoder2d(2, preset.AffineBaseFeatures, levels, convsPerLevel: 1, slope);
        lateralEncoder = new Encoder2d(2, preset.AffineBaseFeatures, levels, convsPerLevel: 1, slope);
        long cells = (long)NetworkPreset.Halved(preset.RadiographRows, levels) * NetworkPreset.Halved(preset.RadiographColumns, levels);
        long features;
        if (config.IntermediateConcatenation) { combiner = new FeatureCombiner(apEncoder, slope); features = combiner.Width(levels) * cells; }
        else features = 2L * apEncoder.Width(levels) * cells;
        dense = Linear(features, SimilarityTransform.ParameterCount);
        using (no_grad())
        {
            init.normal_(dense.weight!, 0, config.AffineInitStd);
            init.zeros_(dense.bias!);
        }
        if (constantsOf is not null && !constantsOf.Grid.ApproximatelyEquals(grid)) throw new ArgumentException("the transformer whose constants are shared lies on another grid");
        warp = constantsOf is null ? new SpatialTransformer(grid) : new SpatialTransformer(constantsOf, GridSamplePaddingMode.Zeros);
        _centre = SimilarityTransform.GridCentre(grid);
        _translationScaleMm = config.TranslationScaleMm;
        RegisterComponents();
    }

    /// <summary>
    /// <paramref name="atlas"/> (B or 1, 1, K, J, I), radiographs (B, 1, rows, columns) → <see cref="AffineResult"/>.
    /// </summary>
    public override AffineResult forward(Tensor atlas, Tensor apImage, Tensor lateralImage)
    {
        var g = Geometry ?? throw new InvalidOperationException("the affine module has no view geometry; set Geometry first");
        using var scope = NewDisposeScope();
        var apIn = g.ProjectionPair(0, atlas, apImage);
        var latIn = g.ProjectionPair(1, atlas, lateralImage);
        var parameters = Regress(apIn, latIn);
        var transform = SimilarityTransform.ToMatrix(parameters, _centre, _translationScaleMm);
        var u = warp.AffineDisplacement(transform);
        var warped = warp.forward(atlas, u);
        return new AffineResult(parameters.MoveToOuterDisposeScope(), transform.MoveToOuterDisposeScope(),
                                u.MoveToOuterDisposeScope(), warped.MoveToOuterDisposeScope());
    }

    /// <summary>The encoder + dense head alone: two (B, 2, rows, columns) images → parameters (B, 7).</summary>
    public Tensor Regress(Tensor apInput, Tensor lateralInput)
    {
        using var scope = NewDisposeScope();
        var ap = apEncoder.forward(apInput);
        var lat = lateralEncoder.forward(lateralInput);
        int L = apEncoder.Levels;
        var last = combiner is not null ? combiner.forward(ap, lat)[L] : cat(new[] { ap[L], lat[L] }, 1);
        var flat = last.flatten(1);
        if (flat.shape[1] != dense.in_features)
            throw new ArgumentException($"affine head expects {dense.in_features} features, got {flat.shape[1]}: radiographs of the wrong size?");
        return dense.forward(flat).MoveToOuterDisposeScope();
    }
}
