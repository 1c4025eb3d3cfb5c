namespace SlicerReg.Core.Geometry;

/// <summary>A 4×4 homogeneous affine matrix [A | t; 0 0 0 1], row-major, as Slicer's IJKToRAS.</summary>
public sealed class Mat4
{
    public Mat3 Linear { get; }
    public Vec3 Translation { get; }
    public Mat4(Mat3 linear, Vec3 translation) { Linear = linear; Translation = translation; }
    public static Mat4 Identity => new(Mat3.Identity, Vec3.Zero);

    /// <summary>From 16 row-major values; the last row must be 0 0 0 1.</summary>
    public static Mat4 FromRowMajor(IReadOnlyList<double> v)
    {
        if (v.Count != 16) throw new ArgumentException($"a 4×4 matrix needs 16 values, got {v.Count}");
        if (Math.Abs(v[12]) > 1e-9 || Math.Abs(v[13]) > 1e-9 || Math.Abs(v[14]) > 1e-9 || Math.Abs(v[15] - 1) > 1e-9)
            throw new ArgumentException("last row of an affine 4×4 matrix must be 0 0 0 1");
        return new Mat4(new Mat3(new[] { v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10] }), new Vec3(v[3], v[7], v[11]));
    }
    public double[] ToRowMajor()
    {
        var l = Linear; var t = Translation;
        return new[] { l[0, 0], l[0, 1], l[0, 2], t.X, l[1, 0], l[1, 1], l[1, 2], t.Y, l[2, 0], l[2, 1], l[2, 2], t.Z, 0, 0, 0, 1 };
    }
    public Vec3 TransformPoint(Vec3 p) => Linear * p + Translation;
    public Vec3 TransformVector(Vec3 v) => Linear * v;
    public static Mat4 operator *(Mat4 a, Mat4 b) => new(a.Linear * b.Linear, a.Linear * b.Translation + a.Translation);
    public Mat4 Inverse() { var inv = Linear.Inverse(); return new Mat4(inv, -(inv * Translation)); }
    public bool ApproximatelyEquals(Mat4 o, double tol) => Linear.ApproximatelyEquals(o.Linear, tol) && (Translation - o.Translation).Norm <= tol;
    public override string ToString() => $"{Linear} + {Translation}";
}
