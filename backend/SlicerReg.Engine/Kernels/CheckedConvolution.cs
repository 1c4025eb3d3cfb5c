using static TorchSharp.torch;

namespace SlicerReg.Engine.Kernels;

/// <summary>
/// The one convolution the network calls (2D for 4-D inputs, 3D for 5-D), on the path <see cref="ConvolutionBackend"/>
/// chose at load. Weights stay those of the caller's Conv2d/Conv3d module, so checkpoints are unchanged by the path.
/// </summary>
public static class CheckedConvolution
{
    /// <summary>oneDNN's widest channel block (16 floats with AVX-512; 8 with AVX2 divides it).</summary>
    public const long ChannelBlock = 16;

    /// <summary>Square kernel, the same stride and zero padding on every axis; (B, in, …) → (B, out, …).</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias, long stride, long padding)
        => Apply(input, weight, bias, stride, padding, ConvolutionBackend.Path);

    /// <summary>As <see cref="Apply(Tensor, Tensor, Tensor?, long, long)"/> on a given path (the self-check tries each).</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias, long stride, long padding, ConvolutionPath path)
    {
        int spatial = (int)input.dim() - 2;
        if (spatial is not (2 or 3) || weight.dim() != input.dim())
            throw new ArgumentException($"convolution: input ({string.Join(", ", input.shape)}) and weight ({string.Join(", ", weight.shape)}) must both be 4-D or 5-D");
        using var region = EngineProfile.Time(spatial == 2 ? "conv2d" : "conv3d");
        if (path != ConvolutionPath.OneDnnChannelAligned || input.device_type != TorchSharp.DeviceType.CPU) return Raw(input, weight, bias, stride, padding, spatial);

        using var scope = NewDisposeScope();
        long inChannels = weight.shape[1], outChannels = weight.shape[0];
        bool gradients = is_grad_enabled() && (input.requires_grad || weight.requires_grad || (bias?.requires_grad ?? false));
        long inPad = Padding(inChannels), outPad = gradients ? Padding(outChannels) : 0;
        if (inPad == 0 && outPad == 0) return Raw(input, weight, bias, stride, padding, spatial).MoveToOuterDisposeScope();

        // F.pad lists (before, after) pairs from the last axis backwards; the channel axis comes after the spatial ones.
        Tensor x, w; Tensor? b;
        using (EngineProfile.Time($"conv{spatial}d channel padding"))
        {
            x = inPad == 0 ? input : nn.functional.pad(input, PadPairs(spatial, (0, inPad)));
            w = nn.functional.pad(weight, PadPairs(spatial, (0, inPad), (0, outPad)));
            b = bias is null || outPad == 0 ? bias : nn.functional.pad(bias, new long[] { 0, outPad });
        }
        var y = Raw(x, w, b, stride, padding, spatial);
        if (outPad != 0) y = y.narrow(1, 0, outChannels);
        return y.MoveToOuterDisposeScope();
    }

    static long Padding(long channels) => (ChannelBlock - channels % ChannelBlock) % ChannelBlock;

    static long[] PadPairs(int spatial, params (long Before, long After)[] leading)
    {
        var pads = new List<long>(2 * (spatial + leading.Length));
        for (int a = 0; a < spatial; a++) { pads.Add(0); pads.Add(0); }
        foreach (var (before, after) in leading) { pads.Add(before); pads.Add(after); }
        return pads.ToArray();
    }

    static Tensor Raw(Tensor x, Tensor w, Tensor? b, long stride, long padding, int spatial)
    {
        var s = Enumerable.Repeat(stride, spatial).ToArray();
        var p = Enumerable.Repeat(padding, spatial).ToArray();
        return spatial == 2 ? nn.functional.conv2d(x, w, b, strides: s, padding: p) : nn.functional.conv3d(x, w, b, strides: s, padding: p);
    }
}
