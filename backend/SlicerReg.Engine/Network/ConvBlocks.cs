using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using SlicerReg.Engine.Kernels;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Convolution (kernel 3, padding 1) → batch normalisation → LeakyReLU, the unit of the paper's 2D encoders
/// ("Affine registration module", "Local registration module"). Stride 2 halves the size: ⌈n / 2⌉.
/// Shapes: (B, in, H, W) → (B, out, ⌈H/s⌉, ⌈W/s⌉).
/// </summary>
public sealed class Conv2dBlock : Module<Tensor, Tensor>
{
    readonly Conv2d conv;
    readonly BatchNorm2d norm;
    readonly LeakyReLU act;

    public Conv2dBlock(long inChannels, long outChannels, long stride, double slope) : base(nameof(Conv2dBlock))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentException($"channels must be positive, got {inChannels} → {outChannels}");
        // No conv bias: batch normalisation's shift replaces it.
        conv = Conv2d(inChannels, outChannels, kernel_size: 3, stride: stride, padding: 1, bias: false);
        norm = BatchNorm2d(outChannels);
        act = LeakyReLU(slope);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = CheckedConvolution.Apply(x, conv.weight!, null, conv.stride[0], 1);
        using var region = EngineProfile.Time("batchnorm + LeakyReLU");
        return act.forward(norm.forward(y)).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// 3D convolution (kernel 3, stride 1, padding 1) → optional batch normalisation → LeakyReLU. With normalisation it is the
/// paper's skip-connection unit; without, its decoding step ("a 3D convolution with stride one and a LeakyReLU").
/// Shapes: (B, in, D, H, W) → (B, out, D, H, W).
/// </summary>
public sealed class Conv3dBlock : Module<Tensor, Tensor>
{
    readonly Conv3d conv;
    readonly BatchNorm3d? norm;
    readonly LeakyReLU act;

    public Conv3dBlock(long inChannels, long outChannels, bool batchNorm, double slope) : base(nameof(Conv3dBlock))
    {
        if (inChannels < 1 || outChannels < 1) throw new ArgumentException($"channels must be positive, got {inChannels} → {outChannels}");
        conv = Conv3d(inChannels, outChannels, kernel_size: 3, stride: 1, padding: 1, bias: !batchNorm);
        norm = batchNorm ? BatchNorm3d(outChannels) : null;
        act = LeakyReLU(slope);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = CheckedConvolution.Apply(x, conv.weight!, conv.bias, 1, 1);
        using var region = EngineProfile.Time("batchnorm + LeakyReLU");
        if (norm is not null) y = norm.forward(y);
        return act.forward(y).MoveToOuterDisposeScope();
    }
}
