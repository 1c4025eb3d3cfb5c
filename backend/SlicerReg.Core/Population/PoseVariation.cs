using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Population;

/// <summary>
/// A small rotation of the femur about the femoral-head centre (the frame origin), as the paper's augmentation
/// (Van Houtte et al. 2022, "CT-data preprocessing and augmentation": within ±10° extension/flexion, ±10° abduction/adduction
/// and ±10° internal/external rotation around the canonical pose). Angles in degrees, for the right femur every subject is:
/// flexion (+) swings the distal shaft anterior, adduction (+) swings it medial, internal rotation (+) turns the anterior
/// surface medial; negative values are extension, abduction and external rotation. A posed femur occupies R·p for each
/// anatomy point p (<see cref="Rotation"/>).
/// </summary>
public sealed record PoseVariation(double FlexionDeg, double AdductionDeg, double InternalRotationDeg)
{
    public const double PaperRangeDeg = 10;

    public static PoseVariation Neutral { get; } = new(0, 0, 0);

    /// <summary>Each angle uniform in [−range, +range].</summary>
    public static PoseVariation Sample(Random rng, double rangeDeg = PaperRangeDeg)
    {
        if (!(rangeDeg >= 0 && rangeDeg <= 45)) throw new ArgumentException($"pose range must lie in [0°, 45°], got {rangeDeg}");
        return new PoseVariation(SeedMixer.Uniform(rng, -rangeDeg, rangeDeg), SeedMixer.Uniform(rng, -rangeDeg, rangeDeg), SeedMixer.Uniform(rng, -rangeDeg, rangeDeg));
    }

    /// <summary>
    /// Rotation taking the canonical femur to the posed one (right-handed rotations about the frame's RAS axes). Flexion:
    /// Rx(a) sends the distal shaft direction (0, 0, −1) to (0, sin a, −cos a), anterior for a &gt; 0,
    /// so flexion = Rx(+flexion). Adduction of a right femur moves the distal shaft medial (−x): Ry(a) sends (0, 0, −1) to (−sin a, 0, −cos a), so adduction = Ry(+adduction).
    /// Internal rotation of a right femur turns the anterior surface medial (toward −x): Rz(a) sends (0, 1, 0) to
    /// (−sin a, cos a, 0), so internal rotation = Rz(+internal). R = Rz·Ry·Rx.
    /// </summary>
    public Mat3 Rotation
    {
        get
        {
            double a = FlexionDeg * Math.PI / 180, b = AdductionDeg * Math.PI / 180, c = InternalRotationDeg * Math.PI / 180;
            var rx = new Mat3(new[] { 1, 0, 0, 0, Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a) });
            var ry = new Mat3(new[] { Math.Cos(b), 0, Math.Sin(b), 0, 1, 0, -Math.Sin(b), 0, Math.Cos(b) });
            var rz = new Mat3(new[] { Math.Cos(c), -Math.Sin(c), 0, Math.Sin(c), Math.Cos(c), 0, 0, 0, 1 });
            return rz * ry * rx;
        }
    }
}
