using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Anatomy;

/// <summary>A rasterised phantom: CT in HU (int16) and its label map (uint8: 0 background, 1 femur, 2 pelvis).</summary>
public sealed record PhantomImages(Volume Ct, Volume Label);

/// <summary>
/// Rasterises a <see cref="FemurShape"/> on any voxel grid: every voxel centre is mapped to RAS through the grid's
/// <see cref="ImageGeometry"/> and the signed distance functions are evaluated there, so the same parameters give the same
/// anatomy on every preset and every geometry (oblique grids included).
/// <para>
/// Intensity edges are anti-aliased with a linear partial-volume ramp: a tissue covers the fraction
/// clamp(½ − d/h, 0, 1) of a voxel whose centre is d mm from its surface, h = mean voxel spacing (exact for a plane
/// parallel to a face of a cubic voxel). Layers, outside in: air (−1000 HU), subcutaneous fat, muscle, then bone, whose
/// value blends cortical HU within the local cortex thickness of the surface into cancellous bone or marrow deeper in.
/// The label map takes a voxel as femur (1) when its centre is inside the femur (d ≤ 0), else pelvis (2), else 0.
/// </para>
/// <para>
/// An optional pull-back map <c>warp</c> (grid RAS point → frame point where the anatomy is evaluated) lets a generator put a
/// pose or a smooth deformation on top: the phantom is then the anatomy warped by it, as a resampled image would be.
/// It must be thread-safe (it is called from several threads).
/// </para>
/// </summary>
public static class FemurPhantom
{
    public const byte FemurLabel = 1, PelvisLabel = 2;
    public const short AirHU = -1000;

    public static PhantomImages Rasterise(FemurParameters parameters, ImageGeometry geometry, Func<Vec3, Vec3>? warp = null)
    {
        var shape = new FemurShape(parameters);
        var p = parameters;
        var ct = new Volume(geometry, VoxelType.Int16);
        var label = new Volume(geometry, VoxelType.UInt8, kind: VolumeKind.LabelMap);
        short[] hu = ct.As<short>();
        byte[] lab = label.As<byte>();
        double h = (geometry.Spacing.X + geometry.Spacing.Y + geometry.Spacing.Z) / 3;
        var size = geometry.Size;

        ForEachVoxel(geometry, (k, j, rowStart, rowPoint, step) =>
        {
            for (int i = 0; i < size.I; i++)
            {
                Vec3 x = rowPoint + i * step;
                Vec3 q = warp is null ? x : warp(x);
                double dFemur = shape.Femur(q), dPelvis = shape.Pelvis(q, dFemur), dBody = shape.Body(q, dFemur, dPelvis);

                double fBody = Cover(dBody, h), fMuscle = Cover(dBody + p.FatThickness, h);
                double soft = AirHU + fBody * (p.FatHU - AirHU) + fMuscle * (p.MuscleHU - p.FatHU);

                double fFemur = Cover(dFemur, h);
                double femurHU = Lerp(p.CorticalHU, shape.InteriorHU(q.Z), Cover(dFemur + shape.CortexThickness(q.Z), h));
                double fPelvis = Math.Min(Cover(dPelvis, h), 1 - fFemur);
                double pelvisHU = Lerp(p.CorticalHU, p.CancellousHU, Cover(dPelvis + p.ShellThickness, h));

                double value = soft * (1 - fFemur - fPelvis) + femurHU * fFemur + pelvisHU * fPelvis;
                hu[rowStart + i] = (short)Math.Round(Math.Clamp(value, short.MinValue, short.MaxValue));
                lab[rowStart + i] = dFemur <= 0 ? FemurLabel : dPelvis <= 0 ? PelvisLabel : (byte)0;
            }
        });
        return new PhantomImages(ct, label);
    }

    /// <summary>A binary mask (1 inside) of one part, centre-sampled like the label map.</summary>
    public static Volume RasterisePart(FemurParameters parameters, PhantomPart part, ImageGeometry geometry)
    {
        var shape = new FemurShape(parameters);
        var mask = new Volume(geometry, VoxelType.UInt8, kind: VolumeKind.LabelMap);
        byte[] m = mask.As<byte>();
        int n = geometry.Size.I;
        ForEachVoxel(geometry, (k, j, rowStart, rowPoint, step) =>
        {
            for (int i = 0; i < n; i++) m[rowStart + i] = shape.Part(part, rowPoint + i * step) <= 0 ? (byte)1 : (byte)0;
        });
        return mask;
    }

    delegate void RowAction(int k, int j, long rowStart, Vec3 rowPoint, Vec3 step);

    /// <summary>Runs <paramref name="row"/> for every row of voxels, slices (k) in parallel.</summary>
    static void ForEachVoxel(ImageGeometry g, RowAction row)
    {
        var m = g.IjkToRas;
        Vec3 ci = m.Linear.Column(0), cj = m.Linear.Column(1), ck = m.Linear.Column(2);
        var size = g.Size;
        Parallel.For(0, size.K, k =>
        {
            for (int j = 0; j < size.J; j++)
            {
                Vec3 start = m.Translation + j * cj + k * ck;
                row(k, j, ((long)k * size.J + j) * size.I, start, ci);
            }
        });
    }

    /// <summary>Fraction of a voxel of width h covered by the inside of a surface d mm from its centre.</summary>
    static double Cover(double d, double h) => Math.Clamp(0.5 - d / h, 0, 1);

    static double Lerp(double a, double b, double t) => a + t * (b - a);
}
