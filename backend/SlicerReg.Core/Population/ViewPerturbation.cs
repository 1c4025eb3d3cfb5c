using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.Population;

/// <summary>
/// One drawn calibration error (<see cref="CalibrationError"/>): the stated view is the true view moved rigidly by
///   M(p) = R(axis, angle)·(p − centre) + centre + translation,
/// a rotation about an axis through the view's isocentre <see cref="Centre"/> and a translation (RAS mm). Recorded in the
/// dataset manifest per perturbed view with the seed it was drawn from.
/// </summary>
public sealed record ViewPerturbation(string View, int Seed, Vec3 Centre, Vec3 Axis, double AngleDeg, Vec3 TranslationMm)
{
    public Mat3 Rotation => Mat3.AxisAngle(Axis, AngleDeg * Math.PI / 180);

    /// <summary>M as a RAS matrix.</summary>
    public Mat4 Matrix
    {
        get { var r = Rotation; return new Mat4(r, Centre - r * Centre + TranslationMm); }
    }

    /// <summary>The stated view: <paramref name="trueView"/> moved by M.</summary>
    public CalibratedView Apply(CalibratedView trueView) => trueView.Moved(Matrix);

    public JObject ToJson() => new()
    {
        ["view"] = View,
        ["seed"] = Seed,
        ["angleDeg"] = AngleDeg,
        ["axis"] = new JArray(Axis.ToArray()),
        ["translationMm"] = new JArray(TranslationMm.ToArray()),
        ["centre"] = new JArray(Centre.ToArray()),
        ["matrix"] = new JArray(Matrix.ToRowMajor()),
        ["meaning"] = "stated view = true view moved by M(p) = R(axis, angleDeg)(p - centre) + centre + translationMm (RAS mm); the DRRs are of the true view",
    };

    /// <summary>Parses <see cref="ToJson"/>; <paramref name="origin"/> names the input in error messages.</summary>
    public static ViewPerturbation FromJson(JObject o, string origin)
    {
        double[] Numbers(string key, int n) => o[key] is JArray a && a.Count == n && a.All(x => x.Type is JTokenType.Float or JTokenType.Integer)
            ? a.Select(x => x.Value<double>()).ToArray() : throw new FormatException($"{origin}: \"{key}\" must be an array of {n} numbers");
        double Number(string key) => o[key]?.Type is JTokenType.Float or JTokenType.Integer ? o[key]!.Value<double>() : throw new FormatException($"{origin}: \"{key}\" must be a number");
        var axis = Vec3.FromArray(Numbers("axis", 3));
        if (axis.Norm < 1e-9) throw new FormatException($"{origin}: \"axis\" must not be zero");
        return new ViewPerturbation((string?)o["view"] ?? throw new FormatException($"{origin}: \"view\" is missing"), (int)Number("seed"),
                                    Vec3.FromArray(Numbers("centre", 3)), axis, Number("angleDeg"), Vec3.FromArray(Numbers("translationMm", 3)));
    }
}
