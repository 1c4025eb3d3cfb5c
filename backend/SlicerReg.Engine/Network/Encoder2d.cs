using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SlicerReg.Engine.Network;

/// <summary>
/// A 2D encoder of <see cref="Levels"/> levels; level l (1 … L) has <see cref="Width"/>(l) = base·2^(l−1) features at
/// ⌈H / 2^l⌉ × ⌈W / 2^l⌉. Each level is a strided <see cref="Conv2dBlock"/>, followed by a non-strided one when
/// <c>convsPerLevel</c> = 2 (paper: affine encoder one strided convolution per level, local encoder strided + non-strided).
/// forward: (B, C, H, W) → [the input, level 1, …, level L] (L + 1 maps; element 0 is the input itself).
/// </summary>
public sealed class Encoder2d : Module<Tensor, Tensor[]>
{
    readonly ModuleList<Sequential> levels = new();
    public int InChannels { get; }
    public int BaseFeatures { get; }
    public int Levels { get; }

    public Encoder2d(int inChannels, int baseFeatures, int levelCount, int convsPerLevel, double slope) : base(nameof(Encoder2d))
    {
        if (levelCount < 1) throw new ArgumentException($"an encoder needs at least one level, got {levelCount}");
        if (convsPerLevel is not (1 or 2)) throw new ArgumentException($"convolutions per level must be 1 or 2, got {convsPerLevel}");
        InChannels = inChannels; BaseFeatures = baseFeatures; Levels = levelCount;
        for (int l = 1; l <= levelCount; l++)
        {
            var seq = Sequential(("down", new Conv2dBlock(Width(l - 1), Width(l), 2, slope)));
            if (convsPerLevel == 2) seq.append("same", new Conv2dBlock(Width(l), Width(l), 1, slope));
            levels.Add(seq);
        }
        RegisterComponents();
    }

    /// <summary>Channels of the map at level l (0 = the input).</summary>
    public int Width(int level) => level == 0 ? InChannels : BaseFeatures << (level - 1);

    public override Tensor[] forward(Tensor x)
    {
        if (x.dim() != 4 || x.shape[1] != InChannels)
            throw new ArgumentException($"2D encoder input must be (B, {InChannels}, H, W), got ({string.Join(", ", x.shape)})");
        var maps = new Tensor[Levels + 1];
        maps[0] = x;
        for (int l = 1; l <= Levels; l++) maps[l] = levels[l - 1].forward(maps[l - 1]);
        return maps;
    }
}
