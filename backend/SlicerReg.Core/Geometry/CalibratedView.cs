using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SlicerReg.Core.Geometry;

/// <summary>
/// One calibrated X-ray view (a pinhole camera) in patient RAS millimetres — the single owner of projection geometry.
/// Pixel (c, r) has its centre at DetectorCenter + (c − (Columns−1)/2)·ColumnSpacingMm·ColumnDirection
///                                             + (r − (Rows−1)/2)·RowSpacingMm·RowDirection;
/// pixel spacing is measured at the detector; c is the column index (fastest in the image), r the row (row 0 on top).
/// Rays run from <see cref="Source"/> to each pixel centre. See docs/conventions.md.
/// Equality is by value with one rule, tolerance zero: two views are equal when every field is the same double (0.0 and
/// −0.0 count as the same). Equality decides whether projection layers built for one view serve another (the network's
/// view pair, the training cache), and a layer reused for a view a hair away would not be the one a fresh build gives;
/// a view read from its file twice is equal to itself, since the canonical JSON round-trips every double.
/// Canonical JSON: {"source":[x,y,z], "detectorCenter":[x,y,z], "columnDirection":[x,y,z], "rowDirection":[x,y,z],
///                  "pixelSpacing":[colMm,rowMm], "size":[columns,rows]}.
/// </summary>
public sealed class CalibratedView : IEquatable<CalibratedView>
{
    public Vec3 Source { get; }
    public Vec3 DetectorCenter { get; }
    public Vec3 ColumnDirection { get; }
    public Vec3 RowDirection { get; }
    public double ColumnSpacingMm { get; }
    public double RowSpacingMm { get; }
    public int Columns { get; }
    public int Rows { get; }

    public CalibratedView(Vec3 source, Vec3 detectorCenter, Vec3 columnDirection, Vec3 rowDirection,
                          double columnSpacingMm, double rowSpacingMm, int columns, int rows)
    {
        if (columns < 1 || rows < 1) throw new ArgumentException($"detector size must be positive, got {columns}×{rows}");
        if (!(columnSpacingMm > 0) || !(rowSpacingMm > 0) || !double.IsFinite(columnSpacingMm) || !double.IsFinite(rowSpacingMm))
            throw new ArgumentException($"pixel spacing must be positive, got {columnSpacingMm}×{rowSpacingMm} mm");
        foreach (var (name, v) in new[] { ("source", source), ("detectorCenter", detectorCenter), ("columnDirection", columnDirection), ("rowDirection", rowDirection) })
            if (!double.IsFinite(v.X) || !double.IsFinite(v.Y) || !double.IsFinite(v.Z)) throw new ArgumentException($"{name} must be finite, got {v}");
        if (Math.Abs(columnDirection.Norm - 1) > 1e-3 || Math.Abs(rowDirection.Norm - 1) > 1e-3)
            throw new ArgumentException($"columnDirection and rowDirection must be unit vectors, got {columnDirection} and {rowDirection}");
        if (Math.Abs(columnDirection.Dot(rowDirection)) > 1e-3)
            throw new ArgumentException($"columnDirection and rowDirection must be perpendicular, got {columnDirection} and {rowDirection}");
        Source = source; DetectorCenter = detectorCenter;
        ColumnDirection = columnDirection.Normalized(); RowDirection = rowDirection.Normalized();
        ColumnSpacingMm = columnSpacingMm; RowSpacingMm = rowSpacingMm; Columns = columns; Rows = rows;
        if (SourceToDetectorDistance < 1e-6) throw new ArgumentException("the source lies in the detector plane");
        Matrix = ProjectionMatrix.FromView(this);
    }

    /// <summary>The view's 3×4 pinhole matrix: the one place the projection's formula and sign convention live.</summary>
    public ProjectionMatrix Matrix { get; }

    /// <summary>Unit normal of the detector, pointing from the detector toward the source.</summary>
    public Vec3 Normal
    {
        get { var n = ColumnDirection.Cross(RowDirection); return n.Dot(Source - DetectorCenter) >= 0 ? n : -n; }
    }

    /// <summary>Perpendicular distance from the source to the detector plane (SID, mm).</summary>
    public double SourceToDetectorDistance => Math.Abs((Source - DetectorCenter).Dot(ColumnDirection.Cross(RowDirection)));

    /// <summary>RAS position of the centre of pixel (c, r); fractional indices allowed.</summary>
    public Vec3 PixelCenter(double c, double r)
        => DetectorCenter + ((c - (Columns - 1) / 2.0) * ColumnSpacingMm) * ColumnDirection + ((r - (Rows - 1) / 2.0) * RowSpacingMm) * RowDirection;

    /// <summary>
    /// Pinhole projection: the (column, row) where the ray from the source through <paramref name="ras"/> meets the detector,
    /// or null when the point is not in front of the source (toward the detector). Computed by <see cref="Matrix"/>.
    /// </summary>
    public (double Column, double Row)? Project(Vec3 ras) => Matrix.Project(ras);

    /// <summary>The view moved rigidly by <paramref name="motion"/>: source and detector centre as points, the detector directions as vectors.</summary>
    public CalibratedView Moved(Mat4 motion)
        => new(motion.TransformPoint(Source), motion.TransformPoint(DetectorCenter), motion.TransformVector(ColumnDirection),
               motion.TransformVector(RowDirection), ColumnSpacingMm, RowSpacingMm, Columns, Rows);

    // ---- value equality (tolerance zero, see the summary) ----------------------------------------------------------

    public bool Equals(CalibratedView? other)
        => other is not null && (ReferenceEquals(this, other)
           || Source == other.Source && DetectorCenter == other.DetectorCenter && ColumnDirection == other.ColumnDirection && RowDirection == other.RowDirection
              && ColumnSpacingMm.Equals(other.ColumnSpacingMm) && RowSpacingMm.Equals(other.RowSpacingMm) && Columns == other.Columns && Rows == other.Rows);

    public override bool Equals(object? obj) => Equals(obj as CalibratedView);
    public override int GetHashCode() => HashCode.Combine(Source, DetectorCenter, ColumnDirection, RowDirection, ColumnSpacingMm, RowSpacingMm, Columns, Rows);
    public static bool operator ==(CalibratedView? a, CalibratedView? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(CalibratedView? a, CalibratedView? b) => !(a == b);

    // ---- canonical JSON -------------------------------------------------------------------------------------------

    public JObject ToJson() => new()
    {
        ["source"] = new JArray(Source.ToArray()),
        ["detectorCenter"] = new JArray(DetectorCenter.ToArray()),
        ["columnDirection"] = new JArray(ColumnDirection.ToArray()),
        ["rowDirection"] = new JArray(RowDirection.ToArray()),
        ["pixelSpacing"] = new JArray(ColumnSpacingMm, RowSpacingMm),
        ["size"] = new JArray(Columns, Rows),
    };

    public string ToJsonString() => ToJson().ToString(Formatting.Indented);

    /// <summary>Parses the canonical form; <paramref name="origin"/> names the input in error messages.</summary>
    public static CalibratedView FromJson(JObject o, string origin = "view")
    {
        double[] Nums(string key, int n)
        {
            var t = o[key] ?? throw new FormatException($"{origin}: missing \"{key}\"");
            if (t is not JArray a || a.Count != n) throw new FormatException($"{origin}: \"{key}\" must be an array of {n} numbers");
            try { return a.Select(x => x.Type is JTokenType.Float or JTokenType.Integer ? x.Value<double>() : throw new FormatException()).ToArray(); }
            catch (FormatException) { throw new FormatException($"{origin}: \"{key}\" must contain only numbers"); }
        }
        var size = Nums("size", 2);
        if (size.Any(s => s != Math.Floor(s) || s < 1 || s > 1 << 16)) throw new FormatException($"{origin}: \"size\" must be two positive integers [columns, rows]");
        var spacing = Nums("pixelSpacing", 2);
        try
        {
            return new CalibratedView(Vec3.FromArray(Nums("source", 3)), Vec3.FromArray(Nums("detectorCenter", 3)),
                Vec3.FromArray(Nums("columnDirection", 3)), Vec3.FromArray(Nums("rowDirection", 3)),
                spacing[0], spacing[1], (int)size[0], (int)size[1]);
        }
        catch (ArgumentException e) { throw new FormatException($"{origin}: {e.Message}", e); }
    }

    public static CalibratedView FromJsonString(string json, string origin = "view")
        => FromJson(ViewJson.Parse(json, origin), origin);
}
