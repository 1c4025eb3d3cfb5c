namespace SlicerReg.Core.Geometry;

/// <summary>
/// Named views for the femur (docs/geometry.md): the paper's geometry (SDD 1000 mm, SOD 925 mm, 160×224 pixels —
/// Van Houtte et al. 2022, "Generating DRR") about an isocentre at the RAS origin. Pixel spacing 1.0 mm at the detector
/// gives a 160×224 mm detector, 148×207 mm at the isocentre (magnification 1000/925 = 1.081): the paper's femur crops
/// (192×128×192 voxels of 0.664×0.664×1 mm = 127×85×192 mm) fit in both views. Centre the CT on the isocentre
/// (or give a view file with another isocentre).
/// </summary>
public static class ViewPresets
{
    public const int Columns = 160, Rows = 224;
    public const double PixelSpacingMm = 1.0;

    public static IReadOnlyList<string> Names { get; } = new[] { "ap", "lateral" };

    /// <summary>Anterior–posterior: source anterior (primary 0°).</summary>
    public static CArmGeometry Ap => Base with { PrimaryAngleDeg = 0 };
    /// <summary>Lateral: source at the patient's left (primary +90°), detector at the right.</summary>
    public static CArmGeometry Lateral => Base with { PrimaryAngleDeg = 90 };

    static CArmGeometry Base => new()
    {
        Columns = Columns, Rows = Rows, ColumnSpacingMm = PixelSpacingMm, RowSpacingMm = PixelSpacingMm,
        Isocenter = Vec3.Zero,
    };

    public static CArmGeometry? TryGet(string name) => name.Trim().ToLowerInvariant() switch
    {
        "ap" => Ap,
        "lateral" or "lat" => Lateral,
        _ => null,
    };
}
