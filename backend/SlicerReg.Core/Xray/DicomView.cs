using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Xray;

/// <summary>
/// A radiograph's view from its DICOM geometry attributes, asked for explicitly with `register --ap-view dicom`
/// (<see cref="Keyword"/>), by the convention of the Slicer module's DICOM geometry source
/// (slicer-bridge/SlicerReg/SlicerRegLib/dicom.py; the tests compare the two):
/// <list type="bullet">
/// <item>ImagerPixelSpacing (0018,1164), "row\column" at the detector (PixelSpacing, possibly in the patient plane, is not used);</item>
/// <item>DistanceSourceToDetector (0018,1110) = SDD; DistanceSourceToPatient (0018,1111) = source to isocentre, else
///   SDD ÷ EstimatedRadiographicMagnificationFactor (0018,1114). As in the Slicer module (SlicerRegLib/dicom.py) there is no default distance:
///   a missing one is an error naming the attribute;</item>
/// <item>PositionerPrimaryAngle/SecondaryAngle (0018,1510/1511) name where the DETECTOR is ("LAO +", "CRA +"): the detector
///   toward (−sin a·cos b, cos a·cos b, sin b) in RAS, so the source at the opposite side, which is
///   <see cref="CArmGeometry"/>'s source-side pose p = a + 180°, s = −b; without angles, ViewPosition (0018,5101): AP → 0°,
///   PA → 180°, LL (left side on the detector) → −90°, RL or LATERAL → +90°;</item>
/// <item>PatientOrientation (0020,0020), when present ("L\F": the patient direction of increasing column, then row index),
///   flips the column or row direction to agree with how the image was stored.</item>
/// </list>
/// What the attributes do not say is taken as the C-arm convention does, and printed: the principal point at the
/// detector centre and the isocentre at the RAS origin (the femoral-head placement, `--head`, moves the atlas there).
/// </summary>
public static class DicomView
{
    public const string Keyword = "dicom";

    /// <summary>The attributes read, under <see cref="DicomImage"/>'s metadata keys (their DICOM keywords).</summary>
    public static readonly IReadOnlyList<string> Keywords = new[]
    {
        "ImagerPixelSpacing", "DistanceSourceToDetector", "DistanceSourceToPatient", "EstimatedRadiographicMagnificationFactor",
        "PositionerPrimaryAngle", "PositionerSecondaryAngle", "ViewPosition", "PatientOrientation",
    };

    static readonly Dictionary<string, double> ViewPositionPrimary = new() { ["AP"] = 0, ["PA"] = 180, ["LL"] = -90, ["RL"] = 90, ["LATERAL"] = 90 };
    static readonly Dictionary<char, Vec3> PatientDirections = new()
    {
        ['L'] = new(-1, 0, 0), ['R'] = new(1, 0, 0), ['A'] = new(0, 1, 0), ['P'] = new(0, -1, 0), ['H'] = new(0, 0, 1), ['F'] = new(0, 0, -1),
    };

    /// <summary>The view of a columns × rows image whose DICOM attributes are <paramref name="metadata"/> (as <see cref="DicomImage"/> reads them), and one line saying how it was made.</summary>
    public static (CalibratedView View, string Description) FromMetadata(IReadOnlyDictionary<string, string> metadata, int columns, int rows, string origin)
    {
        string? Text(string keyword) => metadata.TryGetValue(keyword, out var v) && v.Trim().Length > 0 ? v.Trim() : null;
        double[] Numbers(string keyword, string tag, int count)
        {
            var text = Text(keyword)!;
            var parts = text.Split('\\');
            var values = new double[parts.Length];
            for (int n = 0; n < parts.Length; n++)
                if (!double.TryParse(parts[n].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out values[n]) || !double.IsFinite(values[n]))
                    throw new ImageFormatException(origin, $"DICOM {keyword} {tag} \"{text}\" is not a list of numbers");
            if (values.Length != count) throw new ImageFormatException(origin, $"DICOM {keyword} {tag} \"{text}\": expected {count} number(s)");
            return values;
        }
        double Number(string keyword, string tag) => Numbers(keyword, tag, 1)[0];
        string Missing(string what) => $"cannot make the view from the DICOM attributes (--ap-view/--lat-view {Keyword}): {what}; give a view file instead (docs/geometry.md)";

        if (Text("ImagerPixelSpacing") is null)
            throw new ImageFormatException(origin, Missing("ImagerPixelSpacing (0018,1164), the detector pixel spacing, is missing (PixelSpacing may be in the patient plane and is not used)"));
        var rc = Numbers("ImagerPixelSpacing", "(0018,1164)", 2);
        if (Text("DistanceSourceToDetector") is null) throw new ImageFormatException(origin, Missing("DistanceSourceToDetector (0018,1110) is missing"));
        double sdd = Number("DistanceSourceToDetector", "(0018,1110)");
        double sod;
        string sodFrom;
        if (Text("DistanceSourceToPatient") is not null) { sod = Number("DistanceSourceToPatient", "(0018,1111)"); sodFrom = "DistanceSourceToPatient"; }
        else if (Text("EstimatedRadiographicMagnificationFactor") is not null)
        {
            sod = sdd / Number("EstimatedRadiographicMagnificationFactor", "(0018,1114)");
            sodFrom = "SDD ÷ EstimatedRadiographicMagnificationFactor";
        }
        else throw new ImageFormatException(origin, Missing("neither DistanceSourceToPatient (0018,1111) nor EstimatedRadiographicMagnificationFactor (0018,1114) gives the source-to-isocentre distance"));

        double primary, secondary;
        string angleFrom;
        if (Text("PositionerPrimaryAngle") is not null)
        {
            double a = Number("PositionerPrimaryAngle", "(0018,1510)"), b = Text("PositionerSecondaryAngle") is null ? 0 : Number("PositionerSecondaryAngle", "(0018,1511)");
            (primary, secondary) = (a + 180, -b);
            angleFrom = string.Create(CultureInfo.InvariantCulture, $"PositionerPrimaryAngle {a:G6}° / SecondaryAngle {b:G6}° (detector side)");
        }
        else if (Text("ViewPosition") is { } position)
        {
            if (!ViewPositionPrimary.TryGetValue(position.ToUpperInvariant(), out primary))
                throw new ImageFormatException(origin, Missing($"ViewPosition (0018,5101) \"{position}\" is not one of {string.Join(", ", ViewPositionPrimary.Keys)} and there are no positioner angles"));
            secondary = 0;
            angleFrom = $"ViewPosition {position}";
        }
        else throw new ImageFormatException(origin, Missing("neither PositionerPrimaryAngle (0018,1510) nor ViewPosition (0018,5101) gives the view direction"));
        primary = (primary + 180) % 360 - 180; // (−180, 180]
        if (primary <= -180) primary += 360;

        var carm = new CArmGeometry
        {
            SourceToDetectorMm = sdd, SourceToIsocenterMm = sod, Isocenter = Vec3.Zero, PrimaryAngleDeg = primary, SecondaryAngleDeg = secondary,
            Columns = columns, Rows = rows, ColumnSpacingMm = rc[1], RowSpacingMm = rc[0],
        };
        CalibratedView view;
        try { view = carm.ToView(); }
        catch (ArgumentException e) { throw new ImageFormatException(origin, Missing(e.Message)); }

        var (col, row) = (view.ColumnDirection, view.RowDirection);
        string orientation = "";
        if (Text("PatientOrientation") is { } po)
        {
            var codes = po.Split('\\');
            if (codes.Length != 2) throw new ImageFormatException(origin, $"DICOM PatientOrientation (0020,0020) \"{po}\": expected two values (column and row direction)");
            Vec3 Direction(string code)
            {
                var d = Vec3.Zero;
                foreach (char letter in code.Trim().ToUpperInvariant())
                    d += PatientDirections.TryGetValue(letter, out var v) ? v
                        : throw new ImageFormatException(origin, $"DICOM PatientOrientation (0020,0020) \"{po}\": unknown direction letter '{letter}' (expected L R A P H F)");
                return d;
            }
            if (Direction(codes[0]).Dot(col) < 0) col = -col;
            if (Direction(codes[1]).Dot(row) < 0) row = -row;
            orientation = $", PatientOrientation {po}";
        }
        view = new CalibratedView(view.Source, view.DetectorCenter, col, row, view.ColumnSpacingMm, view.RowSpacingMm, columns, rows);
        return (view, string.Create(CultureInfo.InvariantCulture,
            $"view from the DICOM attributes: {angleFrom} → C-arm primary {primary:G6}°, secondary {secondary:G6}° (source side); SDD {sdd:G6} mm, source to isocentre {sod:G6} mm ({sodFrom}){orientation}; assumed: principal point at the detector centre, isocentre at the RAS origin"));
    }
}
