namespace SlicerReg.Core.Imaging;

/// <summary>
/// Separable Gaussian blur of a columns × rows image (row-major, column fastest), σ in pixels, kernel cut at 3σ and
/// renormalised; the image is extended by its edge values (no darkening at the border). σ = 0 returns a copy.
/// </summary>
public static class GaussianBlur2D
{
    public static float[] Apply(ReadOnlySpan<float> image, int columns, int rows, double sigmaPx)
    {
        if (image.Length != columns * rows) throw new ArgumentException($"{image.Length} pixels do not fill {columns}×{rows}");
        if (!(sigmaPx >= 0) || !double.IsFinite(sigmaPx)) throw new ArgumentException($"blur σ must be ≥ 0 pixels, got {sigmaPx}");
        var src = image.ToArray();
        if (sigmaPx == 0) return src;
        int radius = Math.Max(1, (int)Math.Ceiling(3 * sigmaPx));
        var kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int n = -radius; n <= radius; n++) sum += kernel[n + radius] = Math.Exp(-0.5 * n * n / (sigmaPx * sigmaPx));
        for (int n = 0; n < kernel.Length; n++) kernel[n] /= sum;
        var tmp = new float[src.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double acc = 0;
                for (int n = -radius; n <= radius; n++) acc += kernel[n + radius] * src[r * columns + Math.Clamp(c + n, 0, columns - 1)];
                tmp[r * columns + c] = (float)acc;
            }
        var dst = new float[src.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double acc = 0;
                for (int n = -radius; n <= radius; n++) acc += kernel[n + radius] * tmp[Math.Clamp(r + n, 0, rows - 1) * columns + c];
                dst[r * columns + c] = (float)acc;
            }
        return dst;
    }
}
