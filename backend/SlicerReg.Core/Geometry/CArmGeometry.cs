using Newtonsoft.Json.Linq;

namespace SlicerReg.Core.Geometry;

/// <summary>
/// A C-arm pose in the parameters a radiographer speaks (docs/geometry.md), convertible both ways with the canonical
/// <see cref="CalibratedView"/>.
/// <para>Reference pose (both angles 0): AP, the source ANTERIOR of the isocentre (+A in RAS), the detector posterior;
/// columns run toward the patient's LEFT (−R) and rows toward INFERIOR (−S): radiological display, patient's right on
/// the viewer's left, head at the top.</para>
/// <para>The rig (source, detector, column and row directions) is rotated by R = Rz(primary)·Rx(secondary) about the
/// isocentre, with right-handed rotations about the RAS axes:</para>
/// <list type="bullet">
/// <item>primary angle: about the patient's superior axis (+S); +90° puts the source at the patient's LEFT (−R),
///   −90° at the patient's right. (This names where the SOURCE is; DICOM's PositionerPrimaryAngle names the beam
///   direction by the detector side, so do not copy DICOM angles in without checking the sign.)</item>
/// <item>secondary angle: cranial/caudal tilt; + moves the source toward CRANIAL (+S), the detector toward caudal.</item>
/// </list>
/// The source sits at isocentre + SOD·n with n = R·(0,1,0); the principal point (foot of the perpendicular from the
/// source onto the detector) at isocentre − (SDD − SOD)·n; the principal-point offset is where that point lies relative to
/// the detector centre, in mm along the column and row directions.
/// </summary>
public sealed record CArmGeometry
{
    public const double DefaultSourceToDetectorMm = 1000; // the paper's DRR geometry (Van Houtte et al. 2022, "Generating DRR")
    public const double DefaultSourceToIsocenterMm = 925;

    public double SourceToDetectorMm { get; init; } = DefaultSourceToDetectorMm;
    public double SourceToIsocenterMm { get; init; } = DefaultSourceToIsocenterMm;
    public Vec3 Isocenter { get; init; } = Vec3.Zero;
    public double PrimaryAngleDeg { get; init; }
    public double SecondaryAngleDeg { get; init; }
    public int Columns { get; init; }
    public int Rows { get; init; }
    public double ColumnSpacingMm { get; init; }
    public double RowSpacingMm { get; init; }
    /// <summary>Principal point minus detector centre, mm along the column direction.</summary>
    public double PrincipalOffsetColumnMm { get; init; }
    /// <summary>Principal point minus detector centre, mm along the row direction.</summary>
    public double PrincipalOffsetRowMm { get; init; }

    /// <summary>The rig rotation R = Rz(primary)·Rx(secondary) (RAS, right-handed).</summary>
    public static Mat3 Rotation(double primaryDeg, double secondaryDeg)
    {
        double p = primaryDeg * Math.PI / 180, s = secondaryDeg * Math.PI / 180;
        var rz = new Mat3(new[] { Math.Cos(p), -Math.Sin(p), 0, Math.Sin(p), Math.Cos(p), 0, 0, 0, 1 });
        var rx = new Mat3(new[] { 1, 0, 0, 0, Math.Cos(s), -Math.Sin(s), 0, Math.Sin(s), Math.Cos(s) });
        return rz * rx;
    }

    // Reference pose (angles 0): source direction, column and row directions.
    static readonly Vec3 SourceDirection0 = new(0, 1, 0);   // anterior
    static readonly Vec3 ColumnDirection0 = new(-1, 0, 0);  // patient's left
    static readonly Vec3 RowDirection0 = new(0, 0, -1);     // inferior

    public void Validate()
    {
        if (!(SourceToDetectorMm > 0) || !double.IsFinite(SourceToDetectorMm)) throw new ArgumentException($"source-to-detector distance must be positive, got {SourceToDetectorMm}");
        if (!(SourceToIsocenterMm > 0) || !(SourceToIsocenterMm < SourceToDetectorMm))
            throw new ArgumentException($"source-to-isocentre distance must lie between 0 and the source-to-detector distance {SourceToDetectorMm}, got {SourceToIsocenterMm}");
        foreach (var (n, v) in new[] { ("primary angle", PrimaryAngleDeg), ("secondary angle", SecondaryAngleDeg), ("principal-point offset", PrincipalOffsetColumnMm), ("principal-point offset", PrincipalOffsetRowMm) })
            if (!double.IsFinite(v)) throw new ArgumentException($"{n} must be finite, got {v}");
        if (Math.Abs(SecondaryAngleDeg) >= 90) throw new ArgumentException($"secondary angle must lie in (−90°, 90°), got {SecondaryAngleDeg}");
    }

    public CalibratedView ToView()
    {
        Validate();
        var r = Rotation(PrimaryAngleDeg, SecondaryAngleDeg);
        Vec3 n = r * SourceDirection0, col = r * ColumnDirection0, row = r * RowDirection0;
        var source = Isocenter + SourceToIsocenterMm * n;
        var principal = Isocenter - (SourceToDetectorMm - SourceToIsocenterMm) * n;
        var center = principal - PrincipalOffsetColumnMm * col - PrincipalOffsetRowMm * row;
        return new CalibratedView(source, center, col, row, ColumnSpacingMm, RowSpacingMm, Columns, Rows);
    }

    /// <summary>
    /// The C-arm parameters of a canonical view. The isocentre is not part of a view: it is placed on the central ray at
    /// <paramref name="sourceToIsocenterMm"/> from the source. Throws when the view cannot be reached by the two angles
    /// (a detector rolled about its normal, or mirrored).
    /// </summary>
    public static CArmGeometry FromView(CalibratedView view, double sourceToIsocenterMm = DefaultSourceToIsocenterMm)
    {
        var n = view.Normal; // detector → source
        double sdd = view.SourceToDetectorDistance;
        double secondary = Math.Asin(Math.Clamp(n.Z, -1, 1)) * 180 / Math.PI;
        // The column direction stays horizontal under Rx, so it carries the primary angle even at steep tilts.
        var col = view.ColumnDirection;
        double primary = Math.Atan2(-col.Y, -col.X) * 180 / Math.PI;
        var principal = view.Source - sdd * n;
        var c = new CArmGeometry
        {
            SourceToDetectorMm = sdd,
            SourceToIsocenterMm = sourceToIsocenterMm,
            Isocenter = view.Source - sourceToIsocenterMm * n,
            PrimaryAngleDeg = primary,
            SecondaryAngleDeg = secondary,
            Columns = view.Columns, Rows = view.Rows,
            ColumnSpacingMm = view.ColumnSpacingMm, RowSpacingMm = view.RowSpacingMm,
            PrincipalOffsetColumnMm = (principal - view.DetectorCenter).Dot(col),
            PrincipalOffsetRowMm = (principal - view.DetectorCenter).Dot(view.RowDirection),
        };
        var r = Rotation(primary, secondary);
        double err = Math.Max((r * SourceDirection0 - n).Norm, Math.Max((r * ColumnDirection0 - col).Norm, (r * RowDirection0 - view.RowDirection).Norm));
        if (err > 1e-6)
            throw new ArgumentException($"the view is not a C-arm pose (primary and secondary angle only): its detector is rolled or mirrored " +
                                        $"(column {col}, row {view.RowDirection}, normal {n}; mismatch {err:G3})");
        return c;
    }

    // ---- JSON (the C-arm form of a view file) -----------------------------------------------------------------------

    public static readonly IReadOnlyList<string> JsonKeys = new[]
    {
        "primaryAngle", "secondaryAngle", "sourceToDetectorDistance", "sourceToIsocenterDistance", "isocenter",
        "size", "pixelSpacing", "principalPointOffset",
    };

    public JObject ToJson() => new()
    {
        ["primaryAngle"] = PrimaryAngleDeg,
        ["secondaryAngle"] = SecondaryAngleDeg,
        ["sourceToDetectorDistance"] = SourceToDetectorMm,
        ["sourceToIsocenterDistance"] = SourceToIsocenterMm,
        ["isocenter"] = new JArray(Isocenter.ToArray()),
        ["size"] = new JArray(Columns, Rows),
        ["pixelSpacing"] = new JArray(ColumnSpacingMm, RowSpacingMm),
        ["principalPointOffset"] = new JArray(PrincipalOffsetColumnMm, PrincipalOffsetRowMm),
    };

    /// <summary>Parses the C-arm form; angles in degrees, distances in mm, isocentre in RAS. Missing optional keys take defaults.</summary>
    public static CArmGeometry FromJson(JObject o, string origin)
    {
        var j = new JsonFields(o, origin);
        var size = j.Integers("size", 2, required: true)!;
        var spacing = j.Numbers("pixelSpacing", 2, required: true)!;
        var c = new CArmGeometry
        {
            PrimaryAngleDeg = j.Number("primaryAngle", required: true)!.Value,
            SecondaryAngleDeg = j.Number("secondaryAngle") ?? 0,
            SourceToDetectorMm = j.Number("sourceToDetectorDistance") ?? DefaultSourceToDetectorMm,
            SourceToIsocenterMm = j.Number("sourceToIsocenterDistance") ?? DefaultSourceToIsocenterMm,
            Isocenter = j.Numbers("isocenter", 3) is { } iso ? Vec3.FromArray(iso) : Vec3.Zero,
            Columns = size[0], Rows = size[1], ColumnSpacingMm = spacing[0], RowSpacingMm = spacing[1],
        };
        if (j.Numbers("principalPointOffset", 2) is { } off) c = c with { PrincipalOffsetColumnMm = off[0], PrincipalOffsetRowMm = off[1] };
        return c;
    }
}
