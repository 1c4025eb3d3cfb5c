namespace SlicerReg.Core.Geometry;

/// <summary>Anatomical world frames a file or message may speak.</summary>
public enum CoordinateSystem
{
    /// <summary>+x toward the patient's Right, +y Anterior, +z Superior. 3D Slicer's world; SlicerReg's in memory.</summary>
    RAS,
    /// <summary>+x toward the patient's Left, +y Posterior, +z Superior. ITK, DICOM, MetaImage, plastimatch.</summary>
    LPS,
}

/// <summary>
/// The one place that converts between RAS and LPS. The two frames differ by a flip of the first two axes,
/// so the conversion is its own inverse: p_LPS = F·p_RAS with F = diag(−1, −1, 1).
/// See docs/conventions.md.
/// </summary>
public static class PatientCoordinates
{
    public static readonly Mat3 Flip = Mat3.Diagonal(-1, -1, 1);

    public static Vec3 RasToLps(Vec3 p) => new(-p.X, -p.Y, p.Z);
    public static Vec3 LpsToRas(Vec3 p) => new(-p.X, -p.Y, p.Z);

    /// <summary>Converts a point (or a free vector: the flip is linear) from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static Vec3 Convert(Vec3 p, CoordinateSystem from, CoordinateSystem to) => from == to ? p : new(-p.X, -p.Y, p.Z);

    /// <summary>Converts a matrix whose columns are world vectors (a direction or IJK→world linear part).</summary>
    public static Mat3 ConvertColumns(Mat3 m, CoordinateSystem from, CoordinateSystem to) => from == to ? m : Flip * m;

    /// <summary>Converts an index→world affine (IJK→RAS ↔ IJK→LPS).</summary>
    public static Mat4 ConvertIndexToWorld(Mat4 m, CoordinateSystem from, CoordinateSystem to)
        => from == to ? m : new Mat4(Flip * m.Linear, RasToLps(m.Translation));

    public static CoordinateSystem Parse(string s) => s.Trim().ToUpperInvariant() switch
    {
        "RAS" => CoordinateSystem.RAS,
        "LPS" => CoordinateSystem.LPS,
        _ => throw new ArgumentException($"unknown coordinate system '{s}' (expected RAS or LPS)"),
    };
}
