using System.Runtime.CompilerServices;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// CPU digitally reconstructed radiographs: one ray per pixel from the view's source to the pixel centre
/// (<see cref="CalibratedView.PixelCenter"/>), integrated through μ by <see cref="RayCaster"/>. Rows run in parallel;
/// the per-pixel loop allocates nothing.
/// </summary>
public static class DrrRenderer
{
    /// <summary>Converts the CT (HU, any voxel type and grid) with <see cref="DrrOptions.Attenuation"/> and renders it.</summary>
    public static Image2D Render(Volume ct, CalibratedView view, DrrOptions? options = null)
    {
        options ??= new DrrOptions();
        return Render(AttenuationVolume.FromCt(ct, options.Attenuation), view, options);
    }

    /// <summary>Renders a prepared μ volume (the fast path when the same CT is projected many times).</summary>
    public static Image2D Render(AttenuationVolume mu, CalibratedView view, DrrOptions? options = null)
    {
        options ??= new DrrOptions();
        options.Validate();
        var image = LineIntegrals(mu, view, options.Mode, options.StepMm, options.Threads);
        var px = image.Pixels;
        if (options.NoisePhotons is { } photons) PoissonNoise.ApplyToLineIntegrals(px, photons, options.Seed);
        if (options.Output == DrrOutput.Intensity)
            for (int n = 0; n < px.Length; n++) px[n] = (float)(options.I0 * Math.Exp(-px[n]));
        return image;
    }

    /// <summary>∫μ dl (mm × 1/mm) for every pixel.</summary>
    public static Image2D LineIntegrals(AttenuationVolume volume, CalibratedView view, DrrMode mode = DrrMode.Exact, double? stepMm = null, int? threads = null)
    {
        if ((long)view.Columns * view.Rows > 1 << 28) throw new ArgumentException($"detector of {view.Columns}×{view.Rows} pixels is too large to render (limit 2^28 pixels)");
        if (stepMm is { } st && !(st > 0 && double.IsFinite(st))) throw new ArgumentException($"sampling step must be positive, got {st} mm");
        var g = volume.Geometry;
        int ni = g.Size.I, nj = g.Size.J, nk = g.Size.K, cols = view.Columns;
        var toIjk = g.RasToIjk;
        // Pixel centres are affine in (c, r), so their IJK positions are too: p(c, r) = p00 + c·dc + r·dr.
        Vec3 srcRas = view.Source, p00Ras = view.PixelCenter(0, 0);
        Vec3 dcRas = view.ColumnSpacingMm * view.ColumnDirection, drRas = view.RowSpacingMm * view.RowDirection;
        Vec3 s = toIjk.TransformPoint(srcRas), p00 = toIjk.TransformPoint(p00Ras), dc = toIjk.TransformVector(dcRas), dr = toIjk.TransformVector(drRas);
        double step = stepMm ?? 0.5 * Math.Min(g.Spacing.X, Math.Min(g.Spacing.Y, g.Spacing.Z));
        var image = new Image2D(cols, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm);
        var px = image.Pixels;
        var mu = volume.Mu;
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads ?? -1 };
        if (volume.Support is not { } support) return image; // μ = 0 everywhere
        var ray = new RowTracer(mu, ni, nj, nk, support, mode, step, s, p00, dc, dr, srcRas, p00Ras, dcRas, drRas, cols, px);
        // Rows in blocks (a few per thread) rather than one work item per row: less scheduling on busy machines.
        int threadCount = threads ?? Environment.ProcessorCount, rows = view.Rows;
        int blocks = Math.Min(rows, 4 * threadCount), perBlock = (rows + blocks - 1) / blocks;
        Parallel.For(0, (rows + perBlock - 1) / perBlock, po, b =>
        {
            for (int r = b * perBlock, end = Math.Min(rows, r + perBlock); r < end; r++) ray.Row(r);
        });
        return image;
    }

    /// <summary>Everything one detector row needs; <see cref="Row"/> is the hot loop (no allocation).</summary>
    sealed unsafe class RowTracer(float[] mu, int ni, int nj, int nk, VoxelBox support, DrrMode mode, double step,
                                  Vec3 s, Vec3 p00, Vec3 dc, Vec3 dr, Vec3 srcRas, Vec3 p00Ras, Vec3 dcRas, Vec3 drRas, int cols, float[] px)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Row(int r)
        {
            fixed (float* m = mu)
            {
                Vec3 rowStartRas = p00Ras + r * drRas - srcRas, rowStart = p00 + r * dr - s;
                for (int c = 0; c < cols; c++)
                {
                    // Ray from the source to pixel (c, r): its RAS length in mm, and its direction in index space.
                    double ax = rowStartRas.X + c * dcRas.X, ay = rowStartRas.Y + c * dcRas.Y, az = rowStartRas.Z + c * dcRas.Z;
                    double lengthMm = Math.Sqrt(ax * ax + ay * ay + az * az);
                    double dx = rowStart.X + c * dc.X, dy = rowStart.Y + c * dc.Y, dz = rowStart.Z + c * dc.Z;
                    double integral = mode == DrrMode.Exact
                        ? RayCaster.Exact(m, ni, nj, support, s.X, s.Y, s.Z, dx, dy, dz)
                        : RayCaster.Uniform(m, ni, nj, nk, support, s.X, s.Y, s.Z, dx, dy, dz, step / lengthMm);
                    px[(long)r * cols + c] = (float)(integral * lengthMm);
                }
            }
        }
    }
}
