using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Network;

/// <summary>
/// The 3D decoder of one local U-net, in beam space (paper, "Local registration module"): the deepest 2D map
/// (B, w_L, H_L, W_L) is copied M times along the ray axis into (B, w_L, M, H_L, W_L); decoding step d = 0 … L applies a
/// 3D convolution (stride 1) + LeakyReLU with D[d] features and, except after the last step, upsamples ×2 (trilinear) —
/// along the ray (more samples per ray) and across the detector (more rays, to the size of encoder level L−1−d, so odd
/// sizes need no cropping). Skip connections (optional): encoder map l = L−1−d is copied along the ray to the decoded
/// depth, passed through 3D conv + batch norm + LeakyReLU (D[d] features) and concatenated.
/// forward: encoder maps [level 0 … L] (element 0 the input image) → (B, D[L], M·2^L, H_0, W_0) beam features whose
/// cells tile the beam's frustum (detector extent × depth range), as invProST reads them.
/// </summary>
public sealed class BeamDecoder : Module<Tensor[], Tensor>
{
    readonly ModuleList<Conv3dBlock> steps = new();
    readonly ModuleList<Conv3dBlock> skips = new();
    readonly int[] _encoderWidths;
    public int RayCopies { get; }
    public bool SkipConnections { get; }
    public int OutputChannels { get; }
    public int Levels => _encoderWidths.Length - 1;
    /// <summary>Samples per ray of the output: M·2^L.</summary>
    public int OutputDepth => RayCopies << Levels;

    /// <param name="encoderWidths">channels of encoder maps 0 … L.</param>
    /// <param name="features">D[0 … L], the decoder widths (paper: [64, 32, 32, 16, 16, 16]).</param>
    public BeamDecoder(int[] encoderWidths, int[] features, int rayCopies, bool skipConnections, double slope) : base(nameof(BeamDecoder))
    {
        if (encoderWidths.Length < 2) throw new ArgumentException("the decoder needs at least one encoder level");
        if (features.Length != encoderWidths.Length)
            throw new ArgumentException($"decoder needs one width per encoder map ({encoderWidths.Length}), got {features.Length}");
        if (rayCopies < 1) throw new ArgumentException($"ray copies M must be ≥ 1, got {rayCopies}");
        _encoderWidths = (int[])encoderWidths.Clone();
        RayCopies = rayCopies; SkipConnections = skipConnections; OutputChannels = features[^1];
        int L = Levels;
        for (int d = 0; d <= L; d++)
        {
            int input = d == 0 ? encoderWidths[L] : features[d - 1] * (skipConnections ? 2 : 1);
            steps.Add(new Conv3dBlock(input, features[d], batchNorm: false, slope));
            if (skipConnections && d < L) skips.Add(new Conv3dBlock(encoderWidths[L - 1 - d], features[d], batchNorm: true, slope));
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor[] maps)
    {
        int L = Levels;
        if (maps.Length != L + 1) throw new ArgumentException($"beam decoder expects {L + 1} encoder maps, got {maps.Length}");
        for (int l = 0; l <= L; l++)
            if (maps[l].dim() != 4 || maps[l].shape[1] != _encoderWidths[l])
                throw new ArgumentException($"encoder map {l} must be (B, {_encoderWidths[l]}, H, W), got ({string.Join(", ", maps[l].shape)})");
        using var scope = NewDisposeScope();
        var x = AlongRay(maps[L], RayCopies);                                   // (B, w_L, M, H_L, W_L)
        for (int d = 0; d <= L; d++)
        {
            x = steps[d].forward(x);
            if (d == L) break;
            var target = maps[L - 1 - d];
            long depth = 2 * x.shape[2];
            x = F.interpolate(x, new long[] { depth, target.shape[2], target.shape[3] }, mode: InterpolationMode.Trilinear, align_corners: false);
            if (SkipConnections) x = cat(new[] { x, skips[d].forward(AlongRay(target, depth)) }, 1);
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>A 2D map (B, C, H, W) copied <paramref name="copies"/> times along the ray axis: (B, C, copies, H, W).</summary>
    public static Tensor AlongRay(Tensor map, long copies) => map.unsqueeze(2).expand(-1, -1, copies, -1, -1);
}
