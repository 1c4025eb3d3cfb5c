using Newtonsoft.Json.Linq;

namespace SlicerReg.Core.Geometry;

/// <summary>
/// A 3×4 pinhole projection matrix P: homogeneous pixel (c, r, 1)·w = P·(x, y, z, 1) with (x, y, z) in patient RAS mm,
/// c the column and r the row index of <see cref="CalibratedView"/> (pixel centres at integers).
/// Sign convention: P is scaled so that w &gt; 0 for points between the source and the detector (w is then the depth
/// along the central ray in mm). P = K·[R | −R·s] with R's rows (column direction, row direction, viewing direction)
/// and K = [[SDD/colMm, 0, c₀], [0, SDD/rowMm, r₀], [0, 0, 1]], (c₀, r₀) the principal point in pixels.
/// A matrix fixes the rays but not how far the detector is: going back to a view needs the pixel spacing
/// (or the source-to-detector distance) besides the detector size.
/// </summary>
public sealed class ProjectionMatrix
{
    private readonly double[] _p; // row-major 3×4

    public ProjectionMatrix(IReadOnlyList<double> rowMajor)
    {
        if (rowMajor.Count != 12) throw new ArgumentException($"a projection matrix has 12 values (3×4), got {rowMajor.Count}");
        if (rowMajor.Any(v => !double.IsFinite(v))) throw new ArgumentException("projection matrix values must be finite");
        _p = rowMajor.ToArray();
    }

    public double this[int r, int c] => _p[4 * r + c];
    public double[] ToRowMajor() => (double[])_p.Clone();
    Vec3 Row3(int r) => new(_p[4 * r], _p[4 * r + 1], _p[4 * r + 2]);

    /// <summary>(column, row) of a RAS point, or null when it is not in front of the source (w ≤ 0).</summary>
    public (double Column, double Row)? Project(Vec3 ras)
    {
        double w = Row3(2).Dot(ras) + _p[11];
        if (w <= 0) return null;
        return ((Row3(0).Dot(ras) + _p[3]) / w, (Row3(1).Dot(ras) + _p[7]) / w);
    }

    public static ProjectionMatrix FromView(CalibratedView v)
    {
        var d = -v.Normal; // viewing direction, source → detector
        double sdd = v.SourceToDetectorDistance;
        var principal = v.Source + sdd * d;
        double c0 = (principal - v.DetectorCenter).Dot(v.ColumnDirection) / v.ColumnSpacingMm + (v.Columns - 1) / 2.0;
        double r0 = (principal - v.DetectorCenter).Dot(v.RowDirection) / v.RowSpacingMm + (v.Rows - 1) / 2.0;
        double fc = sdd / v.ColumnSpacingMm, fr = sdd / v.RowSpacingMm;
        // Rows of K·R, then the translation −K·R·s.
        var m0 = fc * v.ColumnDirection + c0 * d;
        var m1 = fr * v.RowDirection + r0 * d;
        var m2 = d;
        return new ProjectionMatrix(new[]
        {
            m0.X, m0.Y, m0.Z, -m0.Dot(v.Source),
            m1.X, m1.Y, m1.Z, -m1.Dot(v.Source),
            m2.X, m2.Y, m2.Z, -m2.Dot(v.Source),
        });
    }

    /// <summary>
    /// Decomposes P = K·[R | −R·s] (an RQ decomposition by Gram–Schmidt from the last row up) into a canonical view.
    /// Give the pixel spacing at the detector, or the source-to-detector distance (then the spacing follows).
    /// </summary>
    public CalibratedView ToView(int columns, int rows, double? columnSpacingMm = null, double? rowSpacingMm = null, double? sourceToDetectorMm = null)
    {
        var m = Mat3.FromColumns(Row3(0), Row3(1), Row3(2)).Transpose(); // rows of M = P[:, 0..2]
        if (Math.Abs(m.Determinant) < 1e-12 * Math.Pow(m.MaxAbs(), 3)) throw new ArgumentException("projection matrix is singular (its left 3×3 block has no inverse)");
        var t = new Vec3(_p[3], _p[7], _p[11]);
        var source = -(m.Inverse() * t); // camera centre: the null space of P
        double scale = Row3(2).Norm;
        var d = Row3(2) / scale;          // w > 0 in front, so the third row points from the source toward the detector
        Vec3 q0 = Row3(0) / scale, q1 = Row3(1) / scale;
        double r0 = q1.Dot(d);
        var rowRaw = q1 - r0 * d;
        double fr = rowRaw.Norm; var row = rowRaw / fr;
        double c0 = q0.Dot(d), skew = q0.Dot(row);
        var colRaw = q0 - c0 * d - skew * row;
        double fc = colRaw.Norm; var col = colRaw / fc;
        if (Math.Abs(skew) > 1e-6 * fc) throw new ArgumentException($"projection matrix has skew {skew / fc:G3} (columns and rows not perpendicular); not a detector we model");

        double sdd;
        if (columnSpacingMm is { } cs)
        {
            sdd = fc * cs;
            double rs = rowSpacingMm ?? cs;
            if (Math.Abs(fr * rs - sdd) > 1e-6 * sdd)
                throw new ArgumentException($"pixel spacing {cs}×{rs} mm contradicts the matrix: it implies source-to-detector distances {sdd:G6} and {fr * rs:G6} mm");
        }
        else if (sourceToDetectorMm is { } s) sdd = s;
        else throw new ArgumentException("a projection matrix needs the pixel spacing or the source-to-detector distance to place the detector");
        double colMm = sdd / fc, rowMm = sdd / fr;
        var principal = source + sdd * d;
        var center = principal - ((c0 - (columns - 1) / 2.0) * colMm) * col - ((r0 - (rows - 1) / 2.0) * rowMm) * row;
        return new CalibratedView(source, center, col, row, colMm, rowMm, columns, rows);
    }

    // ---- JSON (the projection-matrix form of a view file) -----------------------------------------------------------

    public static readonly IReadOnlyList<string> JsonKeys = new[] { "projectionMatrix", "size", "pixelSpacing", "sourceToDetectorDistance" };

    /// <summary>{"projectionMatrix": [[4],[4],[4]], "size": [columns, rows], "pixelSpacing": [colMm, rowMm]} (or "sourceToDetectorDistance" instead of "pixelSpacing").</summary>
    public static JObject ToJson(CalibratedView v) => new()
    {
        ["projectionMatrix"] = new JArray(Enumerable.Range(0, 3).Select(r => new JArray(Enumerable.Range(0, 4).Select(c => FromView(v)[r, c])))),
        ["size"] = new JArray(v.Columns, v.Rows),
        ["pixelSpacing"] = new JArray(v.ColumnSpacingMm, v.RowSpacingMm),
    };

    public static CalibratedView ViewFromJson(JObject o, string origin)
    {
        var j = new JsonFields(o, origin);
        var rowsToken = o["projectionMatrix"];
        if (rowsToken is not JArray rows || rows.Count != 3 || rows.Any(r => r is not JArray a || a.Count != 4 || a.Any(x => x.Type is not (JTokenType.Float or JTokenType.Integer))))
            throw new FormatException($"{origin}: \"projectionMatrix\" must be 3 rows of 4 numbers");
        var p = new ProjectionMatrix(rows.SelectMany(r => ((JArray)r).Select(x => x.Value<double>())).ToList());
        var size = j.Integers("size", 2, required: true)!;
        var spacing = j.Numbers("pixelSpacing", 2);
        double? sdd = j.Number("sourceToDetectorDistance");
        if (spacing == null && sdd == null) throw new FormatException($"{origin}: a \"projectionMatrix\" view needs \"pixelSpacing\" or \"sourceToDetectorDistance\"");
        if (spacing != null && sdd != null) throw new FormatException($"{origin}: give \"pixelSpacing\" or \"sourceToDetectorDistance\", not both");
        try { return p.ToView(size[0], size[1], spacing?[0], spacing?[1], sdd); }
        catch (ArgumentException e) { throw new FormatException($"{origin}: \"projectionMatrix\": {e.Message}", e); }
    }
}
