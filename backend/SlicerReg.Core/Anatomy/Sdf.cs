using System.Runtime.CompilerServices;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Anatomy;

/// <summary>
/// Signed distance functions (mm; negative inside) of the primitives the phantom is built from, and their smooth union.
/// Formulas after I. Quilez's catalogue of distance functions (iquilezles.org/articles/distfunctions): sphere and
/// round cone are exact; the ellipsoid is the usual first-order bound, accurate near the surface, which is all
/// the rasteriser's partial-volume ramp needs.
/// </summary>
public static class Sdf
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sphere(Vec3 p, Vec3 centre, double radius) => (p - centre).Norm - radius;

    /// <summary>Axis-aligned ellipsoid with semi-axes <paramref name="r"/> (in the frame given by the caller's local coordinates).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Ellipsoid(Vec3 q, Vec3 r)
    {
        double ax = q.X / r.X, ay = q.Y / r.Y, az = q.Z / r.Z;
        double k0 = Math.Sqrt(ax * ax + ay * ay + az * az);
        if (k0 < 1e-12) return -Math.Min(r.X, Math.Min(r.Y, r.Z));
        double bx = ax / r.X, by = ay / r.Y, bz = az / r.Z;
        double k1 = Math.Sqrt(bx * bx + by * by + bz * bz);
        return k0 * (k0 - 1) / k1;
    }

    /// <summary>Cone with rounded ends: spheres of radius <paramref name="ra"/> at a and <paramref name="rb"/> at b, joined tangentially.</summary>
    public static double RoundCone(Vec3 p, Vec3 a, Vec3 b, double ra, double rb)
    {
        Vec3 ba = b - a;
        double l2 = ba.Dot(ba), rr = ra - rb, a2 = l2 - rr * rr, il2 = 1.0 / l2;
        Vec3 pa = p - a;
        double y = pa.Dot(ba), z = y - l2;
        Vec3 xv = pa * l2 - ba * y;
        double x2 = xv.Dot(xv), y2 = y * y * l2, z2 = z * z * l2;
        double k = Math.Sign(rr) * rr * rr * x2;
        if (Math.Sign(z) * a2 * z2 > k) return Math.Sqrt(x2 + z2) * il2 - rb;
        if (Math.Sign(y) * a2 * y2 < k) return Math.Sqrt(x2 + y2) * il2 - ra;
        return (Math.Sqrt(x2 * a2 * il2) + y * rr) * il2 - ra;
    }

    /// <summary>Capsule: all points within <paramref name="r"/> of segment ab.</summary>
    public static double Capsule(Vec3 p, Vec3 a, Vec3 b, double r)
    {
        Vec3 pa = p - a, ba = b - a;
        double h = Math.Clamp(pa.Dot(ba) / ba.Dot(ba), 0, 1);
        return (pa - ba * h).Norm - r;
    }

    /// <summary>Polynomial smooth minimum: a union whose seams are rounded over about <paramref name="k"/> mm (fillets, as bone has).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SmoothUnion(double a, double b, double k)
    {
        double h = Math.Max(k - Math.Abs(a - b), 0) / k;
        return Math.Min(a, b) - h * h * k * 0.25;
    }
}
