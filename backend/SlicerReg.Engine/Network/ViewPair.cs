using SlicerReg.Core.Geometry;

namespace SlicerReg.Engine.Network;

/// <summary>The two calibrated views of a biplanar registration (paper: AP and lateral; any two non-parallel views work).</summary>
public sealed record ViewPair(CalibratedView Ap, CalibratedView Lateral)
{
    public CalibratedView this[int index] => index switch { 0 => Ap, 1 => Lateral, _ => throw new ArgumentOutOfRangeException(nameof(index)) };
    public static readonly string[] Names = { "AP", "lateral" };
}
