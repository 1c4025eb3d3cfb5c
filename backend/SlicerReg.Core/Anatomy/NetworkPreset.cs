using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Anatomy;

/// <summary>
/// The single description of a grid preset: the atlas / patient grid, the radiograph size and the feature widths of the
/// registration network (Van Houtte et al. 2022, "Registration network architecture" and "CT-data preprocessing").
/// <see cref="Paper"/> is the published configuration; <see cref="Standard"/> halves every spatial size (double spacing)
/// and the widths; <see cref="Tiny"/> is for tests. Adding a preset is one entry in <see cref="All"/> plus its atlas files
/// (atlas/NAME, `slicerreg phantom --preset NAME --mean --out atlas/NAME`; a test fails while they are missing).
/// The atlas grid (<see cref="AtlasGrid"/>) lies in the femur reference frame (docs/phantom.md): patient RAS with its
/// origin at the atlas's femoral-head centre, +x toward the patient's right (lateral for the right femur every phantom
/// is), +y anterior, +z superior, the proximal shaft axis parallel to z. Index axes follow the frame (i → +x, j → +y,
/// k → +z), so an AP radiograph projects along j and a lateral one along i, as the paper's preprocessing aligns them.
/// Every preset covers the same box: 127.5 × 85 × 192 mm (the paper's 192×128×192 voxels of 0.664×0.664×1 mm), centred
/// at <see cref="AtlasCentre"/> so the head lies near the top and the shaft runs down to the bottom.
/// Radiographs: the paper writes "(160 × 224)" after downsampling 422 × 640 DRRs. The femur crop is 127.5 mm (R–L) ×
/// 192 mm (S–I), ratio 1.51 = 640 / 422, so the long side of the image runs along the femur: 224 rows (superior–inferior)
/// × 160 columns. Five halvings of 224 × 160 give 7 × 5 exactly.
/// </summary>
public sealed record NetworkPreset
{
    public required string Name { get; init; }
    /// <summary>Atlas / patient grid size (I, J, K) = (R–L, A–P, S–I after the femur reference frame).</summary>
    public required GridSize VolumeSize { get; init; }
    public required Vec3 VolumeSpacingMm { get; init; }
    public required int RadiographRows { get; init; }
    public required int RadiographColumns { get; init; }
    /// <summary>Features of the first affine encoder level; every level doubles them (paper: five levels).</summary>
    public required int AffineBaseFeatures { get; init; }
    public int AffineLevels { get; init; } = 5;
    /// <summary>Features of the first local 2D encoder level; every level doubles them.</summary>
    public required int LocalBaseFeatures { get; init; }
    /// <summary>3D decoder widths, one per decoding step; the local encoder has Length − 1 levels (paper: [64, 32, 32, 16, 16, 16]).</summary>
    public required int[] DecoderFeatures { get; init; }
    /// <summary>Default ProST samples per ray (K) for the 2D projections.</summary>
    public required int SamplesPerRay { get; init; }
    /// <summary>Default local NCC window (voxels): about 6 mm at every preset, VoxelMorph's 9 voxels at paper resolution.</summary>
    public required int NccWindow { get; init; }

    public int LocalLevels => DecoderFeatures.Length - 1;

    /// <summary>Centre of the atlas box in the femur frame (mm): lateral of the head to hold the trochanter, top 40 mm above the head centre.</summary>
    public static readonly Vec3 AtlasCentre = new(12, -5, -56);

    /// <summary>The atlas / patient grid: this preset's size and spacing, identity direction, centred on <see cref="AtlasCentre"/>.</summary>
    public ImageGeometry AtlasGrid => CentredGrid(AtlasCentre);

    public static NetworkPreset Paper { get; } = new()
    {
        Name = "paper", VolumeSize = new GridSize(192, 128, 192), VolumeSpacingMm = new Vec3(0.664, 0.664, 1.0),
        RadiographRows = 224, RadiographColumns = 160, AffineBaseFeatures = 16, LocalBaseFeatures = 16,
        DecoderFeatures = new[] { 64, 32, 32, 16, 16, 16 }, SamplesPerRay = 128, NccWindow = 9,
    };

    public static NetworkPreset Standard { get; } = new()
    {
        Name = "standard", VolumeSize = new GridSize(96, 64, 96), VolumeSpacingMm = new Vec3(1.328, 1.328, 2.0),
        RadiographRows = 112, RadiographColumns = 80, AffineBaseFeatures = 8, LocalBaseFeatures = 8,
        DecoderFeatures = new[] { 32, 16, 16, 8, 8 }, SamplesPerRay = 64, NccWindow = 5,
    };

    public static NetworkPreset Tiny { get; } = new()
    {
        Name = "tiny", VolumeSize = new GridSize(48, 32, 48), VolumeSpacingMm = new Vec3(2.656, 2.656, 4.0),
        RadiographRows = 56, RadiographColumns = 40, AffineBaseFeatures = 4, LocalBaseFeatures = 4,
        DecoderFeatures = new[] { 16, 8, 8, 4 }, SamplesPerRay = 32, NccWindow = 3,
    };

    public static IReadOnlyList<NetworkPreset> All { get; } = new[] { Paper, Standard, Tiny };

    public static NetworkPreset Named(string name)
        => All.FirstOrDefault(p => string.Equals(p.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown network preset '{name}': expected one of {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>Spatial size after <paramref name="levels"/> stride-2 convolutions (kernel 3, padding 1): ⌈n / 2⌉ each time.</summary>
    public static int Halved(int n, int levels)
    {
        for (int l = 0; l < levels; l++) n = (n + 1) / 2;
        return n;
    }

    /// <summary>A grid of this preset's size and spacing, axis-aligned in RAS and centred on <paramref name="centre"/>.</summary>
    public ImageGeometry CentredGrid(Vec3? centre = null)
    {
        var s = VolumeSize; var sp = VolumeSpacingMm; var c = centre ?? Vec3.Zero;
        var origin = c - new Vec3((s.I - 1) / 2.0 * sp.X, (s.J - 1) / 2.0 * sp.Y, (s.K - 1) / 2.0 * sp.Z);
        return ImageGeometry.Axial(s, sp, origin);
    }

    /// <summary>Throws unless <paramref name="grid"/> has this preset's size and spacing (origin and direction are free).</summary>
    public void CheckGrid(ImageGeometry grid, string what = "atlas grid")
    {
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Size != VolumeSize)
            throw new ArgumentException($"{what} has size {grid.Size} but the '{Name}' network expects {VolumeSize}; resample the volume first");
        for (int a = 0; a < 3; a++)
            if (Math.Abs(grid.Spacing[a] - VolumeSpacingMm[a]) > 1e-3 * VolumeSpacingMm[a])
                throw new ArgumentException($"{what} has spacing {grid.Spacing} mm but the '{Name}' network expects {VolumeSpacingMm} mm");
    }
}
