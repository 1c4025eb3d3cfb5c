using SlicerReg.Core.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Refinement;

/// <summary>
/// A rigid correction of one view's calibration, recovered by pose refinement (docs/refinement.md, "Pose refinement"):
///   M(p) = R(ω)·(p − c) + c + t,
/// a rotation vector ω (axis × angle, radians; R by Rodrigues' formula) about the atlas femur's centre c and a translation
/// t (mm). M is the pull-back sampling transform of ProST: projecting through the stated view while reading the volume at
/// M·p is projecting through the view moved by M (<see cref="Apply"/>), so M⁻¹ is the calibration error it undoes.
/// Why one view: the radiographs fix the views only relative to each other and to the patient, so a common rigid error of
/// both views is a rigid motion of the patient — which T of the registration already carries — and correcting both leaves
/// a six-dimensional family of equally good answers (measured: the error-free AP view drifted 2–4° along it). The AP view
/// therefore defines the frame (its correction is the identity) and the lateral view is corrected relative to it.
/// Why five degrees of freedom: the three rotations and the translation in the lateral detector's plane. The translation
/// along the central ray only changes the magnification (~1% per 10 mm here), and with it free the optimiser traded it
/// against the out-of-plane rotations (measured: 8 mm of depth drift). The rotation is about the femur rather than the
/// source or the isocentre so that it barely moves the femur's projection sideways and the rotation and translation blocks
/// stay nearly independent (Adam treats them per parameter).
/// </summary>
public sealed record PoseCorrection(string View, Vec3 RotationVector, Vec3 TranslationMm, Vec3 Centre)
{
    /// <summary>Rotation angle |ω| in degrees.</summary>
    public double AngleDeg => RotationVector.Norm * 180 / Math.PI;

    /// <summary>M as a RAS matrix.</summary>
    public Mat4 Matrix
    {
        get
        {
            using var scope = NewDisposeScope();
            var m = Matrices(tensor(RotationVector.ToArray(), new long[] { 1, 3 }, ScalarType.Float64),
                             tensor(TranslationMm.ToArray(), new long[] { 1, 3 }, ScalarType.Float64), Centre);
            return Mat4.FromRowMajor(m[0].contiguous().data<double>().ToArray());
        }
    }

    /// <summary>The corrected view: <paramref name="view"/>'s source, detector and directions moved by M.</summary>
    public CalibratedView Apply(CalibratedView view) => view.Moved(Matrix);

    public override string ToString()
    {
        var axis = RotationVector.Norm > 0 ? RotationVector / RotationVector.Norm : new Vec3(0, 0, 1);
        return FormattableString.Invariant($"{View}: rotation {AngleDeg:F2}° about ({axis.X:F3}, {axis.Y:F3}, {axis.Z:F3}), translation ({TranslationMm.X:F2}, {TranslationMm.Y:F2}, {TranslationMm.Z:F2}) mm");
    }

    /// <summary>
    /// M for every row of <paramref name="rotation"/> (V, 3) and <paramref name="translation"/> (V, 3) as (V, 4, 4),
    /// differentiable in both. Rodrigues: R = I + A·K + B·K², A = sin θ/θ, B = (1 − cos θ)/θ², K = [ω]ₓ; near θ = 0 the
    /// Taylor series is used and the exact branch sees a clamped θ, so neither branch puts a NaN into the gradient.
    /// </summary>
    public static Tensor Matrices(Tensor rotation, Tensor translation, Vec3 centre)
    {
        ArgumentNullException.ThrowIfNull(rotation); ArgumentNullException.ThrowIfNull(translation);
        if (rotation.dim() != 2 || rotation.shape[1] != 3 || !rotation.shape.SequenceEqual(translation.shape))
            throw new ArgumentException($"pose parameters must be (V, 3) each, got ({string.Join(", ", rotation.shape)}) and ({string.Join(", ", translation.shape)})");
        using var scope = NewDisposeScope();
        long v = rotation.shape[0];
        var (dtype, device) = (rotation.dtype, rotation.device);
        var theta2 = (rotation * rotation).sum(1).view(v, 1, 1);
        var small = theta2.lt(1e-6);
        var theta = theta2.clamp_min(1e-6).sqrt();
        var a = where(small, 1 - theta2 / 6, theta.sin() / theta);
        var b = where(small, 0.5 - theta2 / 24, (1 - theta.cos()) / (theta * theta));
        var w = rotation.unbind(1);
        var zero = zeros_like(w[0]);
        var k = stack(new[] { zero, -w[2], w[1], w[2], zero, -w[0], -w[1], w[0], zero }, 1).view(v, 3, 3);
        var r = eye(3, dtype: dtype, device: device).unsqueeze(0) + a * k + b * k.matmul(k);
        var c = tensor(centre.ToArray(), new long[] { 1, 3, 1 }, dtype, device);
        var offset = c + translation.unsqueeze(2) - r.matmul(c);                     // (V, 3, 1)
        var bottom = tensor(new double[] { 0, 0, 0, 1 }, new long[] { 1, 1, 4 }, dtype, device).expand(v, 1, 4);
        return cat(new[] { cat(new[] { r, offset }, 2), bottom }, 1).MoveToOuterDisposeScope();
    }
}
