using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Engine.Network;

/// <summary>The two calibrated views of a biplanar registration (paper: AP and lateral; any two non-parallel views work).</summary>
public sealed record ViewPair(CalibratedView Ap, CalibratedView Lateral)
{
    public CalibratedView this[int index] => index switch { 0 => Ap, 1 => Lateral, _ => throw new ArgumentOutOfRangeException(nameof(index)) };
    public static readonly string[] Names = { "AP", "lateral" };

    /// <summary>The paper's orthogonal geometry (SDD 1000 mm, source–isocentre 925 mm) around <paramref name="centre"/>, pixels 1 mm × the preset's scale.</summary>
    public static ViewPair Orthogonal(NetworkPreset preset, Vec3 centre)
    {
        double pixel = preset.VolumeSpacingMm.Z;
        CalibratedView Make(Vec3 toSource, Vec3 columns)
        {
            var source = centre + 925 * toSource;
            return new CalibratedView(source, source - 1000 * toSource, columns, new Vec3(0, 0, -1), pixel, pixel, preset.RadiographColumns, preset.RadiographRows);
        }
        return new ViewPair(Make(new Vec3(0, 1, 0), new Vec3(-1, 0, 0)), Make(new Vec3(1, 0, 0), new Vec3(0, 1, 0)));
    }
}
