using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Joins the AP and lateral encoder pyramids level by level (paper, "Affine registration module": "At each encoder level,
/// the AP and lateral features (and the preceding combined features) are concatenated and convolved"):
///   combined₀ = [AP₀, LAT₀]                                              (the two 2-channel inputs, 4 channels)
///   combined_l = Conv2dBlock(stride 1)([AP_l, LAT_l, avgpool(combined_{l−1})]),   l = 1 … L, Width(l) features,
/// where avgpool resizes the previous combined map to level l's size (adaptive average pooling, parameter free).
/// forward: two lists of L + 1 maps (B, w_l, H_l, W_l) → L + 1 combined maps.
/// </summary>
public sealed class FeatureCombiner : Module<Tensor[], Tensor[], Tensor[]>
{
    readonly ModuleList<Conv2dBlock> convs = new();
    readonly int[] _widths; // encoder widths per level (0 = input channels); plain ints, not the encoder module

    /// <param name="encoder">an encoder of the shape both branches share (channel counts only are used).</param>
    public FeatureCombiner(Encoder2d encoder, double slope) : base(nameof(FeatureCombiner))
    {
        _widths = Enumerable.Range(0, encoder.Levels + 1).Select(encoder.Width).ToArray();
        for (int l = 1; l <= encoder.Levels; l++)
            convs.Add(new Conv2dBlock(2 * encoder.Width(l) + Width(l - 1), encoder.Width(l), 1, slope));
        RegisterComponents();
    }

    public int Levels => _widths.Length - 1;
    /// <summary>Channels of combined map l.</summary>
    public int Width(int level) => level == 0 ? 2 * _widths[0] : _widths[level];

    public override Tensor[] forward(Tensor[] ap, Tensor[] lateral)
    {
        if (ap.Length != Levels + 1 || lateral.Length != Levels + 1)
            throw new ArgumentException($"feature combiner expects {Levels + 1} maps per view, got {ap.Length} and {lateral.Length}");
        var combined = new Tensor[Levels + 1];
        combined[0] = cat(new[] { ap[0], lateral[0] }, 1);
        for (int l = 1; l <= Levels; l++)
        {
            var previous = F.adaptive_avg_pool2d(combined[l - 1], new[] { ap[l].shape[2], ap[l].shape[3] });
            combined[l] = convs[l - 1].forward(cat(new[] { ap[l], lateral[l], previous }, 1));
        }
        return combined;
    }
}
