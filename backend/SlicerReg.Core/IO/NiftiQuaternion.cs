using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.IO;

/// <summary>
/// The NIfTI-1 qform rotation (nifti1.h, "METHOD 2"): a unit quaternion (a, b, c, d) with a ≥ 0 stored as (b, c, d),
/// plus qfac = ±1 (pixdim[0]) that flips the k axis, so that
/// [x y z]ᵀ = R · diag(pixdim[1], pixdim[2], qfac·pixdim[3]) · [i j k]ᵀ + qoffset, in RAS millimetres.
/// </summary>
public readonly record struct NiftiQuaternion(double B, double C, double D, double Qfac)
{
    /// <summary>The proper rotation R of the quaternion (nifti1.h formula; a = √(1 − b² − c² − d²)).</summary>
    public Mat3 Rotation
    {
        get
        {
            double b = B, c = C, d = D;
            double aa = 1.0 - (b * b + c * c + d * d);
            double a;
            if (aa < 0)
            {
                // Rounding pushed b²+c²+d² past 1: a 180° turn; renormalise (b, c, d) with a = 0.
                double n = Math.Sqrt(b * b + c * c + d * d);
                b /= n; c /= n; d /= n; a = 0;
            }
            else a = Math.Sqrt(aa); // as nibabel; niftilib (ITK) also zeroes a below a²<1e-7, a ≤ 6e-4 difference near 180°
            return new Mat3(new[]
            {
                a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
                2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
                2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b,
            });
        }
    }

    /// <summary>Direction cosines (RAS columns) the qform stands for: R with its third column multiplied by qfac.</summary>
    public Mat3 Direction
    {
        get
        {
            var r = Rotation;
            return Mat3.FromColumns(r.Column(0), r.Column(1), r.Column(2) * Qfac);
        }
    }

    /// <summary>True when the columns of <paramref name="direction"/> are orthonormal (within <paramref name="tolerance"/>), i.e. a qform can represent it.</summary>
    public static bool IsOrthonormal(Mat3 direction, double tolerance = 1e-5)
    {
        var g = direction.Transpose() * direction;
        return g.ApproximatelyEquals(Mat3.Identity, tolerance);
    }

    /// <summary>
    /// Quaternion and qfac for orthonormal direction cosines. A left-handed direction (det &lt; 0, e.g. a flipped axis)
    /// gets qfac = −1 and its third column negated so the rest is a proper rotation (nifti1.h).
    /// </summary>
    public static NiftiQuaternion FromDirection(Mat3 direction)
    {
        if (!IsOrthonormal(direction, 1e-3)) throw new ArgumentException($"a qform needs orthonormal direction cosines, got {direction}");
        double qfac = direction.Determinant < 0 ? -1 : 1;
        var r = Mat3.FromColumns(direction.Column(0), direction.Column(1), direction.Column(2) * qfac);
        // Shepperd's method: divide by the largest of 4a², 4b², 4c², 4d² for accuracy near 180° turns.
        double t = r[0, 0] + r[1, 1] + r[2, 2];
        double a, b, c, d;
        if (t >= r[0, 0] && t >= r[1, 1] && t >= r[2, 2])
        {
            double s = 2 * Math.Sqrt(1 + t); // 4a
            a = s / 4; b = (r[2, 1] - r[1, 2]) / s; c = (r[0, 2] - r[2, 0]) / s; d = (r[1, 0] - r[0, 1]) / s;
        }
        else if (r[0, 0] >= r[1, 1] && r[0, 0] >= r[2, 2])
        {
            double s = 2 * Math.Sqrt(1 + r[0, 0] - r[1, 1] - r[2, 2]); // 4b
            a = (r[2, 1] - r[1, 2]) / s; b = s / 4; c = (r[0, 1] + r[1, 0]) / s; d = (r[0, 2] + r[2, 0]) / s;
        }
        else if (r[1, 1] >= r[2, 2])
        {
            double s = 2 * Math.Sqrt(1 + r[1, 1] - r[0, 0] - r[2, 2]); // 4c
            a = (r[0, 2] - r[2, 0]) / s; b = (r[0, 1] + r[1, 0]) / s; c = s / 4; d = (r[1, 2] + r[2, 1]) / s;
        }
        else
        {
            double s = 2 * Math.Sqrt(1 + r[2, 2] - r[0, 0] - r[1, 1]); // 4d
            a = (r[1, 0] - r[0, 1]) / s; b = (r[0, 2] + r[2, 0]) / s; c = (r[1, 2] + r[2, 1]) / s; d = s / 4;
        }
        double norm = Math.Sqrt(a * a + b * b + c * c + d * d);
        if (a < 0) norm = -norm; // q and −q are the same rotation; NIfTI stores the one with a ≥ 0
        return new NiftiQuaternion(b / norm, c / norm, d / norm, qfac);
    }
}
