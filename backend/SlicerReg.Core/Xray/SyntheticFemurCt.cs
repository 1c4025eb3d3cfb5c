using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// A synthetic proximal-femur CT in HU (int16) for benchmarks and cross-checks, on the paper's grid by default
/// (192×128×192 voxels of 0.664×0.664×1 mm, Van Houtte et al. 2022) centred on the RAS origin, with the identity direction
/// in LPS (what plastimatch needs). Thigh soft tissue (40 HU) in air, a femoral shaft (cortex 1200 HU, marrow 100 HU),
/// a neck and a head (700 HU with a cortical rim), plus seeded ±20 HU noise. Not anatomy: a test object with bone edges.
/// </summary>
public static class SyntheticFemurCt
{
    public static readonly GridSize PaperSize = new(192, 128, 192);
    public static readonly Vec3 PaperSpacing = new(0.664, 0.664, 1.0);

    public static Volume Create(GridSize? size = null, Vec3? spacing = null, int seed = 1)
    {
        var sz = size ?? PaperSize; var sp = spacing ?? PaperSpacing;
        var lpsIdentity = PatientCoordinates.Flip; // RAS direction whose LPS form is the identity
        var g0 = new ImageGeometry(sz, sp, Vec3.Zero, lpsIdentity);
        var mid = g0.IndexToRas(new Vec3((sz.I - 1) / 2.0, (sz.J - 1) / 2.0, (sz.K - 1) / 2.0));
        var g = new ImageGeometry(sz, sp, -mid, lpsIdentity);
        var ct = new Volume(g, VoxelType.Int16);
        var hu = ct.As<short>();
        // Extents scale with the grid so smaller test grids hold the same (shrunken) anatomy.
        double ex = sz.I * sp.X / 2, ey = sz.J * sp.Y / 2, ez = sz.K * sp.Z / 2;
        var shaftTop = new Vec3(-0.10 * ex, 0.05 * ey, 0.35 * ez); var shaftBottom = new Vec3(0.05 * ex, -0.05 * ey, -1.2 * ez);
        var head = new Vec3(-0.55 * ex, 0.15 * ey, 0.55 * ez);
        double shaftR = 0.2 * ex, headR = 0.33 * ex, neckR = 0.14 * ex, rim = Math.Max(1.5, 0.025 * ex);
        Parallel.For(0, sz.K, k =>
        {
            var rng = new Random(seed * 7919 + k);
            for (int j = 0; j < sz.J; j++)
                for (int i = 0; i < sz.I; i++)
                {
                    var p = g.IndexToRas(new Vec3(i, j, k));
                    double v = -1000;
                    double ellipse = (p.X / (0.9 * ex)) * (p.X / (0.9 * ex)) + (p.Y / (0.9 * ey)) * (p.Y / (0.9 * ey));
                    if (ellipse < 1) v = 40;
                    double dShaft = DistanceToSegment(p, shaftTop, shaftBottom);
                    if (dShaft < shaftR) v = dShaft > shaftR - rim * 2 ? 1200 : 100;
                    double dNeck = DistanceToSegment(p, shaftTop, head);
                    if (dNeck < neckR) v = Math.Max(v, dNeck > neckR - rim ? 1000 : 300);
                    double dHead = (p - head).Norm;
                    if (dHead < headR) v = dHead > headR - rim ? 1100 : 700;
                    if (v > -1000) v += 20 * (2 * rng.NextDouble() - 1);
                    hu[ct.LinearIndex(i, j, k)] = (short)Math.Round(v);
                }
        });
        return ct;
    }

    static double DistanceToSegment(Vec3 p, Vec3 a, Vec3 b)
    {
        var ab = b - a;
        double t = Math.Clamp((p - a).Dot(ab) / ab.Dot(ab), 0, 1);
        return (p - (a + t * ab)).Norm;
    }
}
