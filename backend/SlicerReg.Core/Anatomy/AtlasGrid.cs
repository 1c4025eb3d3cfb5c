using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Anatomy;

/// <summary>
/// A voxel grid in the femur reference frame (docs/phantom.md). The frame is patient RAS with its origin at the atlas's
/// femoral-head centre: +x toward the patient's right (lateral for the right femur every phantom is), +y anterior,
/// +z superior, the proximal shaft axis parallel to z. Index axes follow the frame (i → +x, j → +y, k → +z), so an AP
/// radiograph projects along j and a lateral one along i, as the paper's preprocessing aligns them.
/// Every preset covers the same box: 127.5 × 85 × 192 mm (the paper's 192×128×192 voxels of 0.664×0.664×1 mm), centred at
/// <see cref="Centre"/> so the head lies near the top and the shaft runs down to the bottom.
/// </summary>
public sealed record AtlasGrid(string Name, GridSize Size, Vec3 Spacing)
{
    /// <summary>Centre of the box in the frame (mm): lateral of the head to hold the trochanter, top 40 mm above the head centre.</summary>
    public static readonly Vec3 Centre = new(12, -5, -56);

    /// <summary>Van Houtte et al. 2022, "CT-data preprocessing": 192×128×192 voxels of 0.664×0.664×1 mm.</summary>
    public static readonly AtlasGrid Paper = new("paper", new GridSize(192, 128, 192), new Vec3(0.664, 0.664, 1.0));
    /// <summary>Half the paper's voxels along each axis at twice the spacing.</summary>
    public static readonly AtlasGrid Standard = new("standard", new GridSize(96, 64, 96), new Vec3(1.328, 1.328, 2.0));
    /// <summary>For tests: a quarter of the paper's voxels along each axis.</summary>
    public static readonly AtlasGrid Tiny = new("tiny", new GridSize(48, 32, 48), new Vec3(2.656, 2.656, 4.0));

    public static readonly IReadOnlyList<AtlasGrid> Presets = new[] { Paper, Standard, Tiny };

    public static AtlasGrid Parse(string name)
        => Presets.FirstOrDefault(p => p.Name == name.Trim().ToLowerInvariant())
           ?? throw new ArgumentException($"unknown grid preset '{name}' (expected {string.Join(", ", Presets.Select(p => p.Name))})");

    /// <summary>The grid's RAS geometry: identity direction, voxel centres placed symmetrically about <see cref="Centre"/>.</summary>
    public ImageGeometry Geometry
    {
        get
        {
            var origin = new Vec3(
                Centre.X - (Size.I - 1) * Spacing.X / 2,
                Centre.Y - (Size.J - 1) * Spacing.Y / 2,
                Centre.Z - (Size.K - 1) * Spacing.Z / 2);
            return ImageGeometry.Axial(Size, Spacing, origin);
        }
    }
}
