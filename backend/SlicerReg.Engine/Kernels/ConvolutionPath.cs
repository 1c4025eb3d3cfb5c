namespace SlicerReg.Engine.Kernels;

/// <summary>
/// How float32 convolutions run on the CPU. libtorch hands most of them to oneDNN (mkldnn), whose kernels work on blocks
/// of 8 or 16 channels (the SIMD width); on some CPUs and VMs its handling of a partly filled last block is wrong
/// (issue "Reliability on every CPU"), so <see cref="ConvolutionBackend"/> picks the cheapest path that its self-check
/// finds correct on the CPU at hand.
/// </summary>
public enum ConvolutionPath
{
    /// <summary>libtorch as shipped: oneDNN for batches ≥ 2 and large inputs, its native kernels otherwise.</summary>
    OneDnn,
    /// <summary>
    /// oneDNN, but every channel count it sees is zero-padded to a multiple of <see cref="CheckedConvolution.ChannelBlock"/>, so no
    /// block is ever partly filled. Zero input channels and zero filters leave the result unchanged; the padded outputs are
    /// cut off. Output channels are padded only when gradients flow (the input gradient is a convolution over them).
    /// </summary>
    OneDnnChannelAligned,
    /// <summary>oneDNN off in the process (torch.backends.mkldnn.enabled = False): libtorch's own im2col kernels; correct, several times slower and hungrier.</summary>
    Native,
}
