using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Population;

/// <summary>
/// A femur mask as a user would draw it on a radiograph: the projected true mask grown (dilated) or shrunk (eroded) by an
/// offset δ drawn uniformly in ±<see cref="MaxOffsetPx"/> pixels, with a boundary that wanders by up to
/// <see cref="JitterPx"/> pixels (a smooth random field of a few sinusoids, wavelengths 15–60 pixels, added to δ). Computed
/// on the signed distance to the true outline (positive inside, pixel centres; <see cref="EuclideanDistanceTransform"/>):
/// a pixel is in the drawn mask when its signed distance + δ + jitter > 0, so δ = jitter = 0 gives the true mask back.
/// </summary>
public static class SimulatedUserMask
{
    public const double MaxOffsetPx = 2, JitterPx = 1;

    public sealed record Drawn(Image2D Mask, double OffsetPx);

    public static Drawn Draw(Image2D truth, Random rng)
    {
        int columns = truth.Columns, rows = truth.Rows;
        var inside = truth.Pixels.Select(p => p > 0).ToArray();
        var size = new GridSize(columns, rows, 1);
        var spacing = new Vec3(1, 1, 1);
        var toOutside = EuclideanDistanceTransform.SquaredDistanceToFeatures(inside.Select(b => !b).ToArray(), size, spacing);
        var toInside = EuclideanDistanceTransform.SquaredDistanceToFeatures(inside, size, spacing);
        double offset = SeedMixer.Uniform(rng, -MaxOffsetPx, MaxOffsetPx);
        var waves = Enumerable.Range(0, 4).Select(_ =>
        {
            double angle = SeedMixer.Uniform(rng, 0, 2 * Math.PI), wavelength = SeedMixer.Uniform(rng, 15, 60), phase = SeedMixer.Uniform(rng, 0, 2 * Math.PI);
            return (Kx: Math.Cos(angle) * 2 * Math.PI / wavelength, Ky: Math.Sin(angle) * 2 * Math.PI / wavelength, Phase: phase);
        }).ToArray();
        var mask = new float[inside.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                int n = r * columns + c;
                // Half a pixel: the outline runs between the last inside and the first outside pixel centre.
                double signed = inside[n] ? Math.Sqrt(toOutside[n]) - 0.5 : -(Math.Sqrt(toInside[n]) - 0.5);
                double jitter = JitterPx / waves.Length * waves.Sum(w => Math.Sin(w.Kx * c + w.Ky * r + w.Phase));
                mask[n] = signed + offset + jitter > 0 ? 1f : 0f;
            }
        return new Drawn(new Image2D(columns, rows, truth.ColumnSpacingMm, truth.RowSpacingMm, mask), offset);
    }
}
