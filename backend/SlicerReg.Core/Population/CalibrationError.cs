using System.Globalization;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Population;

/// <summary>
/// A calibration error of the size the paper's calibration experiment studies (Van Houtte et al. 2022, "Calibration
/// error"; docs/refinement.md): the registration is handed the lateral view rotated by exactly <see cref="AngleDeg"/>
/// about a random axis through the isocentre and shifted by exactly <see cref="TranslationMm"/> in a random direction,
/// while the radiographs stay those of the true view. `simulate --calibration-error DEG[,MM]` writes such views into a
/// dataset; `evaluate --calibration-sweep` applies them on the fly, drawn the same way, so both give the same views.
/// <para>Why the lateral view only: the paper perturbs the angle between two views that are in reality orthogonal, and an
/// error common to both views is a rigid motion of the patient that no image can reveal (the registration would be right
/// in a moved frame). The AP view therefore stays exact and defines the frame, as in the pose refinement
/// (<c>PoseCorrection</c>), which corrects the lateral view relative to it.</para>
/// <para>Random parts: the axis and the translation's direction, uniform on the sphere, from the subject's own stream
/// <see cref="Stream"/> (<see cref="SeedMixer"/>), so the subjects, their DRRs and every other draw are the same with and
/// without the error, and the same subject gets the same axis at every size (a sweep over sizes changes the size only).</para>
/// </summary>
public sealed record CalibrationError(double AngleDeg, double TranslationMm = 0)
{
    /// <summary>The subject stream the perturbation draws from (0–6 are the subject's other parts, docs/population.md).</summary>
    public const int Stream = 7;
    /// <summary>The view that is perturbed.</summary>
    public const string View = "lateral";
    public const double MaxAngleDeg = 45, MaxTranslationMm = 50;

    public CalibrationError Validate()
    {
        if (!(AngleDeg >= 0 && AngleDeg <= MaxAngleDeg)) throw new ArgumentException($"calibration error angle must lie in [0°, {MaxAngleDeg}°], got {AngleDeg}");
        if (!(TranslationMm >= 0 && TranslationMm <= MaxTranslationMm)) throw new ArgumentException($"calibration error translation must lie in [0, {MaxTranslationMm}] mm, got {TranslationMm}");
        return this;
    }

    /// <summary>"DEG" or "DEG,MM" (degrees of rotation, millimetres of translation).</summary>
    public static CalibrationError Parse(string text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries);
        double Number(string p) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
            : throw new ArgumentException($"calibration error '{text}': expected DEG or DEG,MM (numbers)");
        if (parts.Length is < 1 or > 2) throw new ArgumentException($"calibration error '{text}': expected DEG or DEG,MM");
        return new CalibrationError(Number(parts[0]), parts.Length == 2 ? Number(parts[1]) : 0).Validate();
    }

    /// <summary>The perturbation of <paramref name="trueView"/> (named <paramref name="viewName"/>) of the subject with seed <paramref name="subjectSeed"/>.</summary>
    public ViewPerturbation Draw(string viewName, CalibratedView trueView, int subjectSeed)
    {
        ArgumentNullException.ThrowIfNull(trueView);
        Validate();
        int seed = SeedMixer.Derive(subjectSeed, Stream);
        var rng = new Random(seed);
        var axis = UnitVector(rng);
        var direction = UnitVector(rng);
        // The isocentre: on the central ray at the C-arm's source-to-isocentre distance (the dataset views' isocentre).
        var centre = trueView.Source - CArmGeometry.DefaultSourceToIsocenterMm * trueView.Normal;
        return new ViewPerturbation(viewName, seed, centre, axis, AngleDeg, TranslationMm * direction);
    }

    /// <summary>A direction uniform on the sphere (three standard normals, normalised).</summary>
    static Vec3 UnitVector(Random rng)
    {
        for (; ; )
        {
            var v = new Vec3(SeedMixer.Gaussian(rng), SeedMixer.Gaussian(rng), SeedMixer.Gaussian(rng));
            if (v.Norm > 1e-9) return v.Normalized();
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{AngleDeg:0.###}° rotation, {TranslationMm:0.###} mm translation of the {View} view");
}
