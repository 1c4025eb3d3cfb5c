using System.Globalization;

namespace SlicerReg.Core.Anatomy;

/// <summary>Every anatomical and tissue parameter of the proximal-femur phantom (see docs/phantom.md for the sources).</summary>
public enum FemurParameter
{
    HeadDiameter, NeckShaftAngle, Anteversion, FemoralOffset, HeadNeckRatio,
    ShaftDiameter, CorticalThickness, ShellThickness, BowRadius,
    GreaterTrochanterTip, GreaterTrochanterWidth,
    LesserTrochanterDistance, LesserTrochanterLength, LesserTrochanterWidth,
    JointSpace, AcetabularInclination, AcetabularAnteversion,
    ThighSemiAxisML, ThighSemiAxisAP, FatThickness,
    CorticalHU, CancellousHU, MarrowHU, MuscleHU, FatHU,
}

/// <summary>One parameter: unit, population mean and the range a random subject is drawn from, and where they come from.</summary>
public sealed record ParameterSpec(FemurParameter Id, string Unit, double Mean, double Min, double Max, string Meaning, string Source)
{
    public string Name => Id.ToString();
}

/// <summary>
/// The parameters of one phantom subject. The mean-parameter femur is the atlas (<see cref="Mean"/>); <see cref="Sample"/>
/// draws a random subject from a seed, each value from a normal distribution around the literature mean with
/// σ = (max − min)/4, truncated to [min, max] (re-drawn until inside), in the order of <see cref="FemurParameter"/>.
/// </summary>
public sealed class FemurParameters
{
    const string Carmona = "Carmona et al. (3D CT, 628 healthy hips; HAL hal-03553324): NSA 124.7 ± 6.2°, version 14.5 ± 8.1°, offset 42.9 ± 6.8 mm";
    const string Toogood = "Toogood et al. 2009, Clin Orthop Relat Res 467:876 (375 femora): NSA 129.2°, version 9.7°";
    const string Design = "design value (no measured population range found; chosen to look right on CT)";

    /// <summary>The table of parameters: the single source of units, means, ranges and sources (docs/phantom.md repeats it).</summary>
    public static readonly IReadOnlyList<ParameterSpec> Specs = new ParameterSpec[]
    {
        new(FemurParameter.HeadDiameter, "mm", 46, 38, 56, "femoral head diameter (sphere)",
            "J Orthop Surg (Hong Kong) 2010;18:189, PMID 20808010 (50 dry femora, AP radiographs): mean 45 mm; Obikili & Omotoso, Int J Res Med Sci (500 pelvic radiographs): 53.9 mm male, 42.8 mm female (radiographic, magnified)"),
        new(FemurParameter.NeckShaftAngle, "deg", 128, 115, 145, "neck-shaft angle: 3D angle between the neck axis and the proximal shaft axis", Carmona + "; " + Toogood + "; Egyptian CT 2023 (600 hips): 129.5 ± 5.1°, range 115.7–146.7°"),
        new(FemurParameter.Anteversion, "deg", 12, -5, 30, "femoral anteversion: angle of the neck axis out of the frame's coronal (x–z) plane, toward anterior", Carmona + "; " + Toogood + "; van der Linden-van der Zwaag et al. 2015 (50 femora): 11.7°, range 0–32°"),
        new(FemurParameter.FemoralOffset, "mm", 42, 30, 55, "femoral offset: perpendicular distance from the head centre to the shaft axis", Carmona + "; Han et al. 2014, Int J Morphol 32:1194: 38.9–44.4 mm; PMID 20808010: 42 mm"),
        new(FemurParameter.HeadNeckRatio, "1", 1.35, 1.15, 1.6, "head diameter / narrowest neck diameter", "Obikili & Omotoso, Int J Res Med Sci: head/neck diameters 53.9/40.3 (male), 42.8/36.1 (female)"),
        new(FemurParameter.ShaftDiameter, "mm", 28, 22, 34, "outer diameter of the subtrochanteric shaft", "well-known adult anatomy (not checked against a cited measurement here)"),
        new(FemurParameter.CorticalThickness, "mm", 5.5, 3.5, 8, "diaphyseal cortical thickness (below the lesser trochanter)", "well-known adult anatomy (not checked against a cited measurement here); isthmus canal 10.5 ± 1.5 mm (BioMed Res Int 2015, doi 10.1155/2015/459612) bounds canal + 2×cortex"),
        new(FemurParameter.ShellThickness, "mm", 1.5, 0.8, 2.5, "cortical shell of head, neck, trochanters and pelvis", "well-known adult anatomy (thin metaphyseal cortex; not checked against a cited measurement here)"),
        new(FemurParameter.BowRadius, "mm", 1100, 700, 2000, "radius of the anterior bow of the shaft", "Egol et al. (J Orthop Trauma, as cited in J Clin Med 2019;8:1598): 1200 ± 360 mm; J Orthop Trauma 2014;28:6, PMID 23799352 (3922 femora): medullary 1120 ± 260 mm; PLoS One 2018 (PMC6177158, 1232 femora): 943 mm"),
        new(FemurParameter.GreaterTrochanterTip, "mm", 0, -10, 12, "height of the greater-trochanter tip above the head centre (along the shaft axis)", "arthroplasty templating rule: the GT tip lies near the level of the head centre (well-known; range is a design value)"),
        new(FemurParameter.GreaterTrochanterWidth, "mm", 32, 25, 40, "antero-posterior width of the greater trochanter", Design),
        new(FemurParameter.LesserTrochanterDistance, "mm", 53, 42, 66, "distance from the head centre down to the lesser trochanter (along the shaft axis)", "BMC Musculoskelet Disord 2021, doi 10.1186/s12891-021-04131-w (100 CT femora): LT-to-head-centre distance = 1.16 ± 0.08 × head diameter"),
        new(FemurParameter.LesserTrochanterLength, "mm", 21, 14, 29, "proximal-distal extent of the lesser trochanter", "Nigerian dry femora (ASN 2025, n = 100): LT width 21.5 ± 3.9 mm"),
        new(FemurParameter.LesserTrochanterWidth, "mm", 14, 8, 20, "antero-posterior extent of the lesser trochanter", "Nigerian dry femora (ASN 2025, n = 100): LT height 14.2 ± 3.2 mm"),
        new(FemurParameter.JointSpace, "mm", 4, 3, 6, "hip joint space: gap between head and acetabulum", "radiographic hip joint space width ≈ 3–5 mm in healthy adults (well-known; not checked against a cited measurement here)"),
        new(FemurParameter.AcetabularInclination, "deg", 45, 35, 55, "acetabular inclination: cup axis from vertical in the coronal plane", "Lewinnek et al. 1978 safe zone 40 ± 10° (well-known); native ≈ 40–50°"),
        new(FemurParameter.AcetabularAnteversion, "deg", 19, 8, 30, "acetabular anteversion: cup axis out of the coronal plane, toward anterior", "Jiang et al. 2015, Medicine 94:e891 (466 adults): 18.8°"),
        new(FemurParameter.ThighSemiAxisML, "mm", 80, 65, 100, "medio-lateral semi-axis of the elliptic thigh/hip outline", Design + "; thigh circumference ≈ 50–60 cm"),
        new(FemurParameter.ThighSemiAxisAP, "mm", 70, 55, 90, "antero-posterior semi-axis of the elliptic thigh/hip outline", Design),
        new(FemurParameter.FatThickness, "mm", 12, 5, 30, "subcutaneous fat layer inside the outline", Design),
        new(FemurParameter.CorticalHU, "HU", 1500, 1200, 1800, "cortical bone", "CT number tables (cortical bone ≈ 1000–2000 HU; well-known)"),
        new(FemurParameter.CancellousHU, "HU", 300, 200, 400, "cancellous (trabecular) bone of head, neck, trochanters, pelvis", "CT number tables (cancellous bone ≈ 200–400 HU; well-known)"),
        new(FemurParameter.MarrowHU, "HU", 0, -50, 50, "fatty/red marrow of the medullary canal", "CT number tables (marrow ≈ −50..50 HU; well-known)"),
        new(FemurParameter.MuscleHU, "HU", 45, 35, 60, "muscle", "CT number tables (muscle ≈ 35–55 HU; well-known)"),
        new(FemurParameter.FatHU, "HU", -100, -120, -80, "subcutaneous fat", "CT number tables (fat ≈ −120..−80 HU; well-known)"),
    };

    static FemurParameters()
    {
        var ids = Enum.GetValues<FemurParameter>();
        if (Specs.Count != ids.Length || Specs.Select((s, n) => s.Id == ids[n]).Any(ok => !ok))
            throw new InvalidOperationException("FemurParameters.Specs must list every FemurParameter once, in enum order");
    }

    readonly double[] _values;

    FemurParameters(double[] values) { _values = values; }

    public double this[FemurParameter p] => _values[(int)p];
    public static ParameterSpec Spec(FemurParameter p) => Specs[(int)p];

    /// <summary>The mean-parameter femur: the atlas.</summary>
    public static FemurParameters Mean => new(Specs.Select(s => s.Mean).ToArray());

    /// <summary>A random subject, deterministic for a seed (System.Random's seeded generator, fixed draw order).</summary>
    public static FemurParameters Sample(int seed)
    {
        var rng = new Random(seed);
        var v = new double[Specs.Count];
        foreach (var s in Specs)
        {
            double sigma = (s.Max - s.Min) / 4, x;
            do
            {
                // Box–Muller; 1 − NextDouble() is in (0, 1] so the log is finite.
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                x = s.Mean + sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            } while (x < s.Min || x > s.Max);
            v[(int)s.Id] = x;
        }
        return new FemurParameters(v);
    }

    /// <summary>A copy with one value replaced (validated against its range).</summary>
    public FemurParameters With(FemurParameter p, double value)
    {
        var v = (double[])_values.Clone();
        v[(int)p] = value;
        var r = new FemurParameters(v);
        r.Validate();
        return r;
    }

    /// <summary>From name → value pairs (e.g. a card); every parameter must be present.</summary>
    public static FemurParameters FromValues(IReadOnlyDictionary<string, double> values)
    {
        var v = new double[Specs.Count];
        foreach (var s in Specs)
            v[(int)s.Id] = values.TryGetValue(s.Name, out var x) ? x : throw new ArgumentException($"parameter {s.Name} is missing");
        var r = new FemurParameters(v);
        r.Validate();
        return r;
    }

    public IReadOnlyDictionary<string, double> ToValues() => Specs.ToDictionary(s => s.Name, s => _values[(int)s.Id]);

    /// <summary>Throws when a value is not finite or outside its literature range.</summary>
    public void Validate()
    {
        foreach (var s in Specs)
        {
            double x = _values[(int)s.Id];
            if (!double.IsFinite(x) || x < s.Min || x > s.Max)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"parameter {s.Name} = {x} {s.Unit} is outside its range [{s.Min}, {s.Max}]"));
        }
    }

    public double HeadDiameter => this[FemurParameter.HeadDiameter];
    public double NeckShaftAngle => this[FemurParameter.NeckShaftAngle];
    public double Anteversion => this[FemurParameter.Anteversion];
    public double FemoralOffset => this[FemurParameter.FemoralOffset];
    public double HeadNeckRatio => this[FemurParameter.HeadNeckRatio];
    public double ShaftDiameter => this[FemurParameter.ShaftDiameter];
    public double CorticalThickness => this[FemurParameter.CorticalThickness];
    public double ShellThickness => this[FemurParameter.ShellThickness];
    public double BowRadius => this[FemurParameter.BowRadius];
    public double GreaterTrochanterTip => this[FemurParameter.GreaterTrochanterTip];
    public double GreaterTrochanterWidth => this[FemurParameter.GreaterTrochanterWidth];
    public double LesserTrochanterDistance => this[FemurParameter.LesserTrochanterDistance];
    public double LesserTrochanterLength => this[FemurParameter.LesserTrochanterLength];
    public double LesserTrochanterWidth => this[FemurParameter.LesserTrochanterWidth];
    public double JointSpace => this[FemurParameter.JointSpace];
    public double AcetabularInclination => this[FemurParameter.AcetabularInclination];
    public double AcetabularAnteversion => this[FemurParameter.AcetabularAnteversion];
    public double ThighSemiAxisML => this[FemurParameter.ThighSemiAxisML];
    public double ThighSemiAxisAP => this[FemurParameter.ThighSemiAxisAP];
    public double FatThickness => this[FemurParameter.FatThickness];
    public double CorticalHU => this[FemurParameter.CorticalHU];
    public double CancellousHU => this[FemurParameter.CancellousHU];
    public double MarrowHU => this[FemurParameter.MarrowHU];
    public double MuscleHU => this[FemurParameter.MuscleHU];
    public double FatHU => this[FemurParameter.FatHU];
}
