using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Network;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Views, grids and femur-like phantoms for the network tests.</summary>
internal static class NetworkTestScenes
{
    public static readonly Vec3 Centre = new(5, -12, 40);

    /// <summary>The preset's grid, axis-aligned, centred on <see cref="Centre"/>.</summary>
    public static ImageGeometry Grid(NetworkPreset preset) => preset.CentredGrid(Centre);

    /// <summary>
    /// The paper's orthogonal pair ("Generating DRR": source–detector 1000 mm, source–isocentre 925 mm) around the grid
    /// centre: AP (source anterior, columns toward the patient's left, rows inferior) and lateral (source on the right).
    /// Detector pixels 1 mm at paper size, scaled with the preset so the detector always covers the volume.
    /// </summary>
    public static ViewPair Views(NetworkPreset preset, double lateralAngleDegrees = 90)
    {
        double pixel = preset.VolumeSpacingMm.Z; // 1, 2, 4 mm
        CalibratedView Make(Vec3 toSource, Vec3 columns)
        {
            var source = Centre + 925 * toSource;
            return new CalibratedView(source, source - 1000 * toSource, columns, new Vec3(0, 0, -1), pixel, pixel,
                                      preset.RadiographColumns, preset.RadiographRows);
        }
        double t = lateralAngleDegrees * Math.PI / 180;
        var ap = Make(new Vec3(0, 1, 0), new Vec3(-1, 0, 0));
        var lateral = Make(new Vec3(Math.Sin(t), Math.Cos(t), 0), new Vec3(-Math.Cos(t), Math.Sin(t), 0));
        return new ViewPair(ap, lateral);
    }

    /// <summary>
    /// A femur-like phantom (B = 1, 1, K, J, I): a shaft (cylinder along S–I, cortical shell 1.0, marrow 0.4) and a head
    /// (ball) offset medially, smooth edges (logistic, about one voxel wide), optionally moved by
    /// <paramref name="shiftMm"/> and scaled by <paramref name="scale"/> about the grid centre.
    /// </summary>
    public static Tensor Femur(ImageGeometry grid, Vec3? shiftMm = null, double scale = 1.0)
    {
        var s = grid.Size;
        var data = new float[s.VoxelCount];
        var centre = SimilarityTransform.GridCentre(grid) + (shiftMm ?? Vec3.Zero);
        double extentZ = s.K * grid.Spacing.Z, extentX = s.I * grid.Spacing.X;
        double shaftR = 0.12 * extentX * scale, headR = 0.18 * extentX * scale, edge = grid.Spacing.X;
        var headC = new Vec3(-0.15 * extentX * scale, 0, 0.28 * extentZ * scale);
        double Step(double d) => 1 / (1 + Math.Exp(d / (0.5 * edge))); // 1 inside (d < 0), 0 outside
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    var p = grid.IndexToRas(new Vec3(i, j, k)) - centre;
                    double radial = Math.Sqrt(p.X * p.X + p.Y * p.Y);
                    double shaftLen = 0.35 * extentZ * scale;
                    double shaft = Step(radial - shaftR) * Step(Math.Abs(p.Z + 0.05 * extentZ * scale) - shaftLen);
                    double marrow = Step(radial - 0.55 * shaftR) * Step(Math.Abs(p.Z + 0.05 * extentZ * scale) - 0.8 * shaftLen);
                    double head = Step((p - headC).Norm - headR);
                    double v = Math.Max(shaft * (1 - 0.6 * marrow), 0.8 * head);
                    data[((long)k * s.J + j) * s.I + i] = (float)v;
                }
        return tensor(data, new long[] { 1, 1, s.K, s.J, s.I });
    }

    /// <summary>Masked DRR-like radiographs (1, 1, rows, cols) of <paramref name="volume"/> by the network's own ProST layers.</summary>
    public static (Tensor Ap, Tensor Lateral) Radiographs(ProjectionGeometry geometry, Tensor volume)
    {
        using var noGrad = no_grad();
        return (geometry.Projectors[0].forward(volume), geometry.Projectors[1].forward(volume));
    }
}
