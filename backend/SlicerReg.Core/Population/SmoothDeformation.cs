using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Population;

/// <summary>
/// A smooth random displacement field u(p) in the femur frame: random displacements on a coarse lattice of control points
/// (spacing <see cref="ControlSpacingMm"/>), interpolated by uniform cubic B-splines (Rueckert et al. 1999's free-form
/// deformation). Each control displacement component is normal with σ = amplitude/2, truncated to ±amplitude; B-spline
/// weights are non-negative and sum to one, so every component of u stays within ±amplitude everywhere. With an amplitude of a
/// few mm and a 40 mm lattice the map p → p + u(p) is smooth and invertible (|∂u/∂p| ≲ amplitude/spacing ≪ 1), so it
/// changes local shape (head roundness, shaft curvature, trochanter size) without tearing the femur.
/// Used as a pull-back: the anatomy is evaluated at p + u(p).
/// </summary>
public sealed class SmoothDeformation
{
    public const double ControlSpacingMm = 40;

    readonly Vec3 _origin;
    readonly int _nx, _ny, _nz;
    readonly Vec3[] _control;

    public double AmplitudeMm { get; }

    /// <param name="boxMin">Lower corner of the region the field must cover (frame mm).</param>
    /// <param name="boxMax">Upper corner.</param>
    public SmoothDeformation(Vec3 boxMin, Vec3 boxMax, double amplitudeMm, int seed)
    {
        if (!(amplitudeMm >= 0) || !double.IsFinite(amplitudeMm)) throw new ArgumentException($"deformation amplitude must be ≥ 0 mm, got {amplitudeMm}");
        AmplitudeMm = amplitudeMm;
        // One control point beyond each side of the box so that the cubic support covers it fully.
        _origin = boxMin - new Vec3(ControlSpacingMm, ControlSpacingMm, ControlSpacingMm);
        _nx = (int)Math.Ceiling((boxMax.X - boxMin.X) / ControlSpacingMm) + 4;
        _ny = (int)Math.Ceiling((boxMax.Y - boxMin.Y) / ControlSpacingMm) + 4;
        _nz = (int)Math.Ceiling((boxMax.Z - boxMin.Z) / ControlSpacingMm) + 4;
        _control = new Vec3[_nx * _ny * _nz];
        var rng = new Random(seed);
        double Draw()
        {
            if (amplitudeMm == 0) return 0;
            double v;
            do v = 0.5 * amplitudeMm * SeedMixer.Gaussian(rng); while (Math.Abs(v) > amplitudeMm);
            return v;
        }
        for (int n = 0; n < _control.Length; n++) _control[n] = new Vec3(Draw(), Draw(), Draw());
    }

    /// <summary>The displacement (mm) at a frame point; zero outside the lattice.</summary>
    public Vec3 Displacement(Vec3 p)
    {
        double gx = (p.X - _origin.X) / ControlSpacingMm, gy = (p.Y - _origin.Y) / ControlSpacingMm, gz = (p.Z - _origin.Z) / ControlSpacingMm;
        int ix = (int)Math.Floor(gx), iy = (int)Math.Floor(gy), iz = (int)Math.Floor(gz);
        Span<double> wx = stackalloc double[4], wy = stackalloc double[4], wz = stackalloc double[4];
        Weights(gx - ix, wx); Weights(gy - iy, wy); Weights(gz - iz, wz);
        double ux = 0, uy = 0, uz = 0;
        for (int c = 0; c < 4; c++)
        {
            int z = iz - 1 + c; if (z < 0 || z >= _nz) continue;
            for (int b = 0; b < 4; b++)
            {
                int y = iy - 1 + b; if (y < 0 || y >= _ny) continue;
                for (int a = 0; a < 4; a++)
                {
                    int x = ix - 1 + a; if (x < 0 || x >= _nx) continue;
                    double w = wx[a] * wy[b] * wz[c];
                    var d = _control[(z * _ny + y) * _nx + x];
                    ux += w * d.X; uy += w * d.Y; uz += w * d.Z;
                }
            }
        }
        return new Vec3(ux, uy, uz);
    }

    /// <summary>Uniform cubic B-spline basis at fraction t ∈ [0, 1) for the control points −1, 0, +1, +2.</summary>
    static void Weights(double t, Span<double> w)
    {
        double s = 1 - t;
        w[0] = s * s * s / 6;
        w[1] = (3 * t * t * t - 6 * t * t + 4) / 6;
        w[2] = (-3 * t * t * t + 3 * t * t + 3 * t + 1) / 6;
        w[3] = t * t * t / 6;
    }
}
