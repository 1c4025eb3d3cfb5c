namespace SlicerReg.Core.Geometry;

/// <summary>Number of voxels along the index axes i (fastest in memory), j, k.</summary>
public readonly record struct GridSize(int I, int J, int K)
{
    public long VoxelCount => (long)I * J * K;
    public int this[int axis] => axis switch { 0 => I, 1 => J, 2 => K, _ => throw new ArgumentOutOfRangeException(nameof(axis)) };
    public int[] ToArray() => new[] { I, J, K };
    public override string ToString() => $"{I}×{J}×{K}";
}

/// <summary>
/// Index-to-world geometry of a voxel grid, owned in patient RAS millimetres (docs/conventions.md).
/// IJK→RAS = [ Direction·diag(Spacing) | Origin ], where column c of Direction is the unit RAS direction of index
/// axis c and Origin is the RAS position of the centre of voxel (0,0,0) — the same matrix Slicer's
/// vtkMRMLVolumeNode::GetIJKToRASMatrix returns.
/// </summary>
public sealed class ImageGeometry
{
    public GridSize Size { get; }
    public Vec3 Spacing { get; }
    public Vec3 Origin { get; }
    public Mat3 Direction { get; }
    public Mat4 IjkToRas { get; }
    public Mat4 RasToIjk { get; }

    public ImageGeometry(GridSize size, Vec3 spacing, Vec3 origin, Mat3 direction)
    {
        if (size.I < 1 || size.J < 1 || size.K < 1) throw new ArgumentException($"grid size must be at least 1 along every axis, got {size}");
        for (int a = 0; a < 3; a++)
            if (!(spacing[a] > 0) || !double.IsFinite(spacing[a])) throw new ArgumentException($"spacing must be positive and finite, got {spacing}");
        if (!double.IsFinite(origin.X) || !double.IsFinite(origin.Y) || !double.IsFinite(origin.Z)) throw new ArgumentException($"origin must be finite, got {origin}");
        var cols = new[] { direction.Column(0), direction.Column(1), direction.Column(2) };
        for (int a = 0; a < 3; a++)
            if (!double.IsFinite(cols[a].Norm) || Math.Abs(cols[a].Norm - 1) > 1e-4) throw new ArgumentException($"direction column {a} must be a unit vector, got {cols[a]}");
        if (Math.Abs(direction.Determinant) < 1e-6) throw new ArgumentException($"direction matrix is not invertible (its axes are parallel or degenerate): {direction}");
        Size = size; Spacing = spacing; Origin = origin; Direction = direction;
        IjkToRas = new Mat4(Mat3.FromColumns(cols[0] * spacing.X, cols[1] * spacing.Y, cols[2] * spacing.Z), origin);
        RasToIjk = IjkToRas.Inverse();
    }

    /// <summary>Axis-aligned RAS grid: index i along +R, j along +A, k along +S.</summary>
    public static ImageGeometry Axial(GridSize size, Vec3 spacing, Vec3? origin = null)
        => new(size, spacing, origin ?? Vec3.Zero, Mat3.Identity);

    /// <summary>Splits an IJK→RAS affine into spacing (column norms) and direction (normalised columns).</summary>
    public static ImageGeometry FromIjkToRas(GridSize size, Mat4 ijkToRas)
    {
        var l = ijkToRas.Linear;
        var c = new[] { l.Column(0), l.Column(1), l.Column(2) };
        var spacing = new Vec3(c[0].Norm, c[1].Norm, c[2].Norm);
        for (int a = 0; a < 3; a++) if (!(spacing[a] > 0)) throw new ArgumentException($"index axis {a} has zero length in the index-to-world matrix");
        return new ImageGeometry(size, spacing, ijkToRas.Translation, Mat3.FromColumns(c[0] / spacing.X, c[1] / spacing.Y, c[2] / spacing.Z));
    }

    /// <summary>From an index-to-world affine expressed in <paramref name="space"/>.</summary>
    public static ImageGeometry FromIndexToWorld(GridSize size, Mat4 indexToWorld, CoordinateSystem space)
        => FromIjkToRas(size, PatientCoordinates.ConvertIndexToWorld(indexToWorld, space, CoordinateSystem.RAS));

    public static ImageGeometry FromLps(GridSize size, Vec3 spacing, Vec3 originLps, Mat3 directionLps)
        => new(size, spacing, PatientCoordinates.LpsToRas(originLps), PatientCoordinates.Flip * directionLps);

    public Mat4 IndexToWorld(CoordinateSystem space) => PatientCoordinates.ConvertIndexToWorld(IjkToRas, CoordinateSystem.RAS, space);
    public Vec3 OriginIn(CoordinateSystem space) => PatientCoordinates.Convert(Origin, CoordinateSystem.RAS, space);
    public Mat3 DirectionIn(CoordinateSystem space) => PatientCoordinates.ConvertColumns(Direction, CoordinateSystem.RAS, space);

    public Vec3 IndexToRas(Vec3 ijk) => IjkToRas.TransformPoint(ijk);
    public Vec3 RasToIndex(Vec3 ras) => RasToIjk.TransformPoint(ras);

    public ImageGeometry WithSize(GridSize size) => new(size, Spacing, Origin, Direction);

    /// <summary>Same grid within <paramref name="tolerance"/> (mm for origin, relative for spacing, absolute for direction).</summary>
    public bool ApproximatelyEquals(ImageGeometry o, double tolerance = 1e-5)
        => Size == o.Size && IjkToRas.ApproximatelyEquals(o.IjkToRas, tolerance * Math.Max(1, Math.Max(Spacing.Norm, Origin.Norm)));

    public override string ToString() => $"size {Size}, spacing {Spacing}, origin(RAS) {Origin}, direction(RAS) {Direction}";
}
