using System.Runtime.CompilerServices;

namespace SlicerReg.Core.Xray;

/// <summary>
/// Line integrals through a voxel grid, in index space. A ray x(t) = s + t·d (t ∈ [0, 1] from the source to the pixel)
/// is mapped into IJK coordinates by the volume's RAS→IJK affine; an affine map keeps the ray parameter t, so a piece of
/// length Δt has length Δt·‖pixel − source‖ in mm whatever the spacing or direction cosines (anisotropic and oblique grids
/// are handled exactly). Voxel (i, j, k) is the box [i ± ½] × [j ± ½] × [k ± ½]; outside the grid μ = 0.
/// Both integrals return ∫μ dt; the caller multiplies by the ray length in mm.
/// </summary>
internal static unsafe class RayCaster
{
    /// <summary>Clips the ray to the box [lo, hi] per axis and to t ∈ [0, 1]; false when it misses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Clip(double s, double d, double lo, double hi, ref double tmin, ref double tmax)
    {
        if (Math.Abs(d) < 1e-12) return s >= lo && s <= hi;
        double t1 = (lo - s) / d, t2 = (hi - s) / d;
        if (t1 > t2) (t1, t2) = (t2, t1);
        if (t1 > tmin) tmin = t1;
        if (t2 < tmax) tmax = t2;
        return tmin < tmax;
    }

    /// <summary>
    /// Exact path-length integral (Siddon 1985, traversed incrementally as Amanatides &amp; Woo 1987): walk the voxels the
    /// ray crosses in order, adding μ × the t-length between successive plane crossings.
    /// </summary>
    /// <remarks>The walk is clipped to <paramref name="b"/>, the box outside which μ is zero (the whole grid at most).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot: skip tier-0 code, which would time the JIT instead of the ray walk
    public static double Exact(float* mu, int ni, int nj, in VoxelBox b, double sx, double sy, double sz, double dx, double dy, double dz)
    {
        double tmin = 0, tmax = 1;
        if (!Clip(sx, dx, b.I0 - 0.5, b.I1 + 0.5, ref tmin, ref tmax) || !Clip(sy, dy, b.J0 - 0.5, b.J1 + 0.5, ref tmin, ref tmax)
            || !Clip(sz, dz, b.K0 - 0.5, b.K1 + 0.5, ref tmin, ref tmax)) return 0;

        // Voxel containing the midpoint of the first step is robust to the entry point lying on a face.
        double tm = tmin + 1e-9 * (tmax - tmin);
        int i = Math.Clamp((int)Math.Floor(sx + tm * dx + 0.5), b.I0, b.I1);
        int j = Math.Clamp((int)Math.Floor(sy + tm * dy + 0.5), b.J0, b.J1);
        int k = Math.Clamp((int)Math.Floor(sz + tm * dz + 0.5), b.K0, b.K1);

        // Voxel holding the end of the chord: the number of plane crossings per axis is the index difference, so the
        // walk needs no t-comparison against the exit and can never leave the grid (the counts are clamped to it).
        double te = tmax - 1e-9 * (tmax - tmin);
        int ie = Math.Clamp((int)Math.Floor(sx + te * dx + 0.5), b.I0, b.I1);
        int je = Math.Clamp((int)Math.Floor(sy + te * dy + 0.5), b.J0, b.J1);
        int ke = Math.Clamp((int)Math.Floor(sz + te * dz + 0.5), b.K0, b.K1);

        long strideJ = ni, strideK = (long)ni * nj;
        // Per axis: t of the next plane crossing, t between crossings, index step, crossings left before the exit.
        double tx = double.PositiveInfinity, ty = double.PositiveInfinity, tz = double.PositiveInfinity;
        double ddx = 0, ddy = 0, ddz = 0;
        long ox = 0, oy = 0, oz = 0;
        int rx = 0, ry = 0, rz = 0;
        if (dx > 1e-12) { tx = (i + 0.5 - sx) / dx; ddx = 1 / dx; ox = 1; rx = Math.Max(0, ie - i); }
        else if (dx < -1e-12) { tx = (i - 0.5 - sx) / dx; ddx = -1 / dx; ox = -1; rx = Math.Max(0, i - ie); }
        if (dy > 1e-12) { ty = (j + 0.5 - sy) / dy; ddy = 1 / dy; oy = strideJ; ry = Math.Max(0, je - j); }
        else if (dy < -1e-12) { ty = (j - 0.5 - sy) / dy; ddy = -1 / dy; oy = -strideJ; ry = Math.Max(0, j - je); }
        if (dz > 1e-12) { tz = (k + 0.5 - sz) / dz; ddz = 1 / dz; oz = strideK; rz = Math.Max(0, ke - k); }
        else if (dz < -1e-12) { tz = (k - 0.5 - sz) / dz; ddz = -1 / dz; oz = -strideK; rz = Math.Max(0, k - ke); }

        float* p = mu + (k * strideK + j * strideJ + i);
        double t = tmin, sum = 0;
        // The axis with the nearest crossing is next; when it has no crossings left, every other axis's next crossing
        // is later still, so the ray leaves the grid (or reaches the detector) inside the current voxel.
        while (true)
        {
            if (tx <= ty && tx <= tz)
            {
                if (rx == 0) break;
                sum += *p * (tx - t); t = tx; tx += ddx; p += ox; rx--;
            }
            else if (ty <= tz)
            {
                if (ry == 0) break;
                sum += *p * (ty - t); t = ty; ty += ddy; p += oy; ry--;
            }
            else
            {
                if (rz == 0) break;
                sum += *p * (tz - t); t = tz; tz += ddz; p += oz; rz--;
            }
        }
        return sum + *p * (tmax - t);
    }

    /// <summary>
    /// Trilinear samples at t-step ≈ <paramref name="dt"/> over the part of the ray inside the grid's box, midpoint rule
    /// (the step is shrunk so a whole number of steps fills the chord). Within half a voxel of the border the nearest
    /// edge value is used, so the integration domain is the same box as in <see cref="Exact"/>.
    /// </summary>
    /// <remarks>
    /// Sampling is clipped to <paramref name="b"/> grown by one voxel (trilinear values are zero beyond it) within the grid's box.
    /// Clipping changes where samples fall, so results differ from unclipped sampling by the midpoint rule's error only.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Uniform(float* mu, int ni, int nj, int nk, in VoxelBox b, double sx, double sy, double sz, double dx, double dy, double dz, double dt)
    {
        double tmin = 0, tmax = 1;
        if (!Clip(sx, dx, Math.Max(-0.5, b.I0 - 1), Math.Min(ni - 0.5, b.I1 + 1), ref tmin, ref tmax)
            || !Clip(sy, dy, Math.Max(-0.5, b.J0 - 1), Math.Min(nj - 0.5, b.J1 + 1), ref tmin, ref tmax)
            || !Clip(sz, dz, Math.Max(-0.5, b.K0 - 1), Math.Min(nk - 0.5, b.K1 + 1), ref tmin, ref tmax)) return 0;
        int n = Math.Max(1, (int)Math.Ceiling((tmax - tmin) / dt));
        double h = (tmax - tmin) / n, t0 = tmin + 0.5 * h;
        float maxX = ni - 1, maxY = nj - 1, maxZ = nk - 1;
        // Neighbour offsets; an axis of one voxel has no neighbour.
        long oj = ni, ok = (long)ni * nj;
        long ox1 = ni > 1 ? 1 : 0, oy1 = nj > 1 ? oj : 0, oz1 = nk > 1 ? ok : 0;
        int ci = Math.Max(ni - 2, 0), cj = Math.Max(nj - 2, 0), ck = Math.Max(nk - 2, 0);
        float x0 = (float)(sx + t0 * dx), y0 = (float)(sy + t0 * dy), z0 = (float)(sz + t0 * dz);
        float hx = (float)(h * dx), hy = (float)(h * dy), hz = (float)(h * dz);
        double sum = 0;
        for (int s = 0; s < n; s++)
        {
            float x = x0 + s * hx, y = y0 + s * hy, z = z0 + s * hz; // not accumulated: no drift along long rays
            float cx = Math.Clamp(x, 0f, maxX), cy = Math.Clamp(y, 0f, maxY), cz = Math.Clamp(z, 0f, maxZ);
            int i = Math.Min((int)cx, ci), j = Math.Min((int)cy, cj), k = Math.Min((int)cz, ck);
            float fx = cx - i, fy = cy - j, fz = cz - k;
            float* p = mu + (k * ok + j * oj + i);
            float c00 = p[0] + fx * (p[ox1] - p[0]);
            float c10 = p[oy1] + fx * (p[oy1 + ox1] - p[oy1]);
            float c01 = p[oz1] + fx * (p[oz1 + ox1] - p[oz1]);
            float c11 = p[oz1 + oy1] + fx * (p[oz1 + oy1 + ox1] - p[oz1 + oy1]);
            float c0 = c00 + fy * (c10 - c00), c1 = c01 + fy * (c11 - c01);
            sum += c0 + fz * (c1 - c0);
        }
        return sum * h;
    }
}
