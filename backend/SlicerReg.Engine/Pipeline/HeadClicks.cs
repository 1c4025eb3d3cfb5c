namespace SlicerReg.Engine.Pipeline;

/// <summary>A pixel of a radiograph (0-based indices, pixel centres at integers; row 0 on top).</summary>
public readonly record struct PixelPoint(double Column, double Row);

/// <summary>The femoral-head centre clicked in each radiograph (`--head`, SubmitHeader.head).</summary>
public sealed record HeadClicks(PixelPoint Ap, PixelPoint Lateral);
