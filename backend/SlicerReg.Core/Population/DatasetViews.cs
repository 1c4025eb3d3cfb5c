using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Population;

/// <summary>The two DRR datasets of the paper ("Generating DRR").</summary>
public enum ViewMode
{
    /// <summary>A perfect AP (primary 0°) and lateral (primary 90°) view of every subject.</summary>
    Orthogonal,
    /// <summary>Primary angles drawn uniformly within ±30° around AP and around lateral, secondary (cranio-caudal) 0°.</summary>
    Generalised,
    /// <summary>Each subject orthogonal or generalised with probability ½ (a training set that covers both uses).</summary>
    Mixed,
}

/// <summary>One view of a subject: its name ("ap" or "lateral"), the C-arm angles and the calibrated view.</summary>
public sealed record DatasetView(string Name, CArmGeometry CArm)
{
    public CalibratedView View => CArm.ToView();
}

/// <summary>
/// Dataset views: the paper's C-arm (SDD 1000 mm, SOD 925 mm, 160×224 pixels) with the isocentre at the centre of the atlas
/// grid (<see cref="NetworkPreset.AtlasCentre"/>, 56 mm below the head centre) so the whole femur crop fills the detector. Pixel spacing
/// <see cref="PixelSpacingMm"/> = 1.2 mm at the detector (192 × 268.8 mm; 177.6 × 248.6 mm at the isocentre): the 127.5 × 85 ×
/// 192 mm grid box projects inside the detector for every primary angle within ±30° of AP and of lateral, magnification of the
/// near faces included (<see cref="BoxFits"/> checks it; the paper's own 422×640 → 160×224 resampling is not given in mm).
/// </summary>
public static class DatasetViews
{
    public const int Columns = 160, Rows = 224;
    public const double PixelSpacingMm = 1.2, GeneralisedRangeDeg = 30;

    public static CArmGeometry CArm(double primaryDeg) => new()
    {
        PrimaryAngleDeg = primaryDeg, SecondaryAngleDeg = 0,
        Columns = Columns, Rows = Rows, ColumnSpacingMm = PixelSpacingMm, RowSpacingMm = PixelSpacingMm,
        Isocenter = NetworkPreset.AtlasCentre,
    };

    /// <summary>The views of one subject; <paramref name="rng"/> is used only for the generalised mode (two draws).</summary>
    public static IReadOnlyList<DatasetView> Draw(ViewMode mode, Random rng) => mode switch
    {
        ViewMode.Orthogonal => new[] { new DatasetView("ap", CArm(0)), new DatasetView("lateral", CArm(90)) },
        ViewMode.Generalised => new[]
        {
            new DatasetView("ap", CArm(SeedMixer.Uniform(rng, -GeneralisedRangeDeg, GeneralisedRangeDeg))),
            new DatasetView("lateral", CArm(90 + SeedMixer.Uniform(rng, -GeneralisedRangeDeg, GeneralisedRangeDeg))),
        },
        ViewMode.Mixed => Draw(rng.NextDouble() < 0.5 ? ViewMode.Orthogonal : ViewMode.Generalised, rng),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>The name the CLI and the dataset manifest use for <paramref name="mode"/>.</summary>
    public static string Name(ViewMode mode) => mode switch
    {
        ViewMode.Orthogonal => "orthogonal", ViewMode.Generalised => "generalised", ViewMode.Mixed => "mixed",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    public static ViewMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "orthogonal" => ViewMode.Orthogonal,
        "generalised" or "generalized" => ViewMode.Generalised,
        "mixed" => ViewMode.Mixed,
        _ => throw new ArgumentException($"unknown view mode '{text}' (expected orthogonal, generalised or mixed)"),
    };

    /// <summary>True when all eight corners of the grid's box (outer voxel faces) project inside the detector.</summary>
    public static bool BoxFits(NetworkPreset preset, CalibratedView view)
    {
        var g = preset.AtlasGrid;
        foreach (int c in Enumerable.Range(0, 8))
        {
            var ijk = new Vec3(c % 2 == 0 ? -0.5 : g.Size.I - 0.5, c / 2 % 2 == 0 ? -0.5 : g.Size.J - 0.5, c / 4 == 0 ? -0.5 : g.Size.K - 0.5);
            if (view.Project(g.IndexToRas(ijk)) is not var (col, row)) return false;
            if (col < -0.5 || row < -0.5 || col > view.Columns - 0.5 || row > view.Rows - 0.5) return false;
        }
        return true;
    }
}
