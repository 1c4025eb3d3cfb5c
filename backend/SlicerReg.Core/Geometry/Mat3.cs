namespace SlicerReg.Core.Geometry;

/// <summary>A 3×3 matrix of doubles, row-major: M[r, c].</summary>
public sealed class Mat3
{
    private readonly double[] _m; // row-major
    public Mat3(double[] rowMajor) { if (rowMajor.Length != 9) throw new ArgumentException("Mat3 needs 9 values"); _m = (double[])rowMajor.Clone(); }
    public static Mat3 Identity => new(new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 });
    public static Mat3 Diagonal(double a, double b, double c) => new(new double[] { a, 0, 0, 0, b, 0, 0, 0, c });

    /// <summary>Matrix whose columns are the given vectors.</summary>
    public static Mat3 FromColumns(Vec3 c0, Vec3 c1, Vec3 c2) => new(new[] { c0.X, c1.X, c2.X, c0.Y, c1.Y, c2.Y, c0.Z, c1.Z, c2.Z });

    /// <summary>The right-handed rotation by <paramref name="radians"/> about <paramref name="axis"/> (any length but zero; Rodrigues).</summary>
    public static Mat3 AxisAngle(Vec3 axis, double radians)
    {
        var k = axis.Normalized();
        double c = Math.Cos(radians), s = Math.Sin(radians), t = 1 - c;
        return new Mat3(new[]
        {
            c + t * k.X * k.X, t * k.X * k.Y - s * k.Z, t * k.X * k.Z + s * k.Y,
            t * k.Y * k.X + s * k.Z, c + t * k.Y * k.Y, t * k.Y * k.Z - s * k.X,
            t * k.Z * k.X - s * k.Y, t * k.Z * k.Y + s * k.X, c + t * k.Z * k.Z,
        });
    }

    /// <summary>The angle of a rotation matrix in degrees, from its trace (0 … 180).</summary>
    public double RotationAngleDeg => Math.Acos(Math.Clamp((_m[0] + _m[4] + _m[8] - 1) / 2, -1, 1)) * 180 / Math.PI;

    public double this[int r, int c] => _m[3 * r + c];
    public Vec3 Column(int c) => new(_m[c], _m[3 + c], _m[6 + c]);
    public Vec3 Row(int r) => new(_m[3 * r], _m[3 * r + 1], _m[3 * r + 2]);
    public double[] ToRowMajor() => (double[])_m.Clone();

    public static Vec3 operator *(Mat3 a, Vec3 v) => new(a.Row(0).Dot(v), a.Row(1).Dot(v), a.Row(2).Dot(v));
    public static Mat3 operator *(Mat3 a, Mat3 b)
    {
        var r = new double[9];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) { double s = 0; for (int k = 0; k < 3; k++) s += a[i, k] * b[k, j]; r[3 * i + j] = s; }
        return new Mat3(r);
    }
    public Mat3 Transpose() => new(new[] { _m[0], _m[3], _m[6], _m[1], _m[4], _m[7], _m[2], _m[5], _m[8] });
    public double Determinant => _m[0] * (_m[4] * _m[8] - _m[5] * _m[7]) - _m[1] * (_m[3] * _m[8] - _m[5] * _m[6]) + _m[2] * (_m[3] * _m[7] - _m[4] * _m[6]);

    public Mat3 Inverse()
    {
        double det = Determinant;
        double scale = Math.Max(1e-300, MaxAbs());
        if (!double.IsFinite(det) || Math.Abs(det) < 1e-12 * scale * scale * scale) throw new InvalidOperationException("matrix is singular");
        var m = _m; var r = new double[9];
        r[0] = (m[4] * m[8] - m[5] * m[7]) / det; r[1] = (m[2] * m[7] - m[1] * m[8]) / det; r[2] = (m[1] * m[5] - m[2] * m[4]) / det;
        r[3] = (m[5] * m[6] - m[3] * m[8]) / det; r[4] = (m[0] * m[8] - m[2] * m[6]) / det; r[5] = (m[2] * m[3] - m[0] * m[5]) / det;
        r[6] = (m[3] * m[7] - m[4] * m[6]) / det; r[7] = (m[1] * m[6] - m[0] * m[7]) / det; r[8] = (m[0] * m[4] - m[1] * m[3]) / det;
        return new Mat3(r);
    }
    public double MaxAbs() { double a = 0; foreach (var v in _m) a = Math.Max(a, Math.Abs(v)); return a; }
    public bool ApproximatelyEquals(Mat3 o, double tol) { for (int i = 0; i < 9; i++) if (Math.Abs(_m[i] - o._m[i]) > tol) return false; return true; }
    public override string ToString() => FormattableString.Invariant($"[{Row(0)}, {Row(1)}, {Row(2)}]");
}
