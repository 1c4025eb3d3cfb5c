using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Xray;

/// <summary>
/// The one check of a radiograph pair before registration, shared by `slicerreg register` / `submit`, the daemon's Submit
/// and (mirrored word for word) the Slicer bridge's client (slicer-bridge/SlicerReg/SlicerRegLib/validation.py, tested to
/// give the same messages). Refused: NaN or infinite pixels (the network's min–max normalisation would turn the whole image
/// into NaN and the result into an empty label map, so they are refused everywhere rather than repaired), a constant image
/// (nothing to register to), absurd geometry (source-to-detector distance, pixel spacing or detector size no X-ray system
/// has: usually a calibration in the wrong unit) and two views that look along the same direction.
/// Messages are "WHAT: problem", WHAT naming the input as the user gave it (a file, a protocol field).
/// </summary>
public static class RadiographValidation
{
    public const double MinSourceToDetectorMm = 100, MaxSourceToDetectorMm = 5000;
    public const double MinPixelSpacingMm = 0.01, MaxPixelSpacingMm = 20;
    public const double MaxDetectorSideMm = 2000;
    /// <summary>Least angle between the two viewing directions; the generalised training views are ≥ 30° apart.</summary>
    public const double MinAngleBetweenViewsDeg = 10;

    /// <summary>Throws <see cref="InvalidRadiographException"/> on the first problem of either image, its view, or the pair.</summary>
    public static void Check(Radiograph ap, string apWhat, Radiograph lateral, string lateralWhat)
    {
        CheckOne(ap, apWhat);
        CheckOne(lateral, lateralWhat);
        if (PairProblem(ap.View, lateral.View) is { } p) throw new InvalidRadiographException($"{apWhat} and {lateralWhat}", p);
    }

    public static void CheckOne(Radiograph r, string what)
    {
        if ((ViewProblem(r.View) ?? PixelProblem(r.Image.Pixels, r.Image.Columns)) is { } p) throw new InvalidRadiographException(what, p);
    }

    /// <summary>Non-finite pixels (counted, the first located: column fastest), or a constant image; null when fine.</summary>
    public static string? PixelProblem(ReadOnlySpan<float> pixels, int columns)
    {
        long bad = 0, first = -1;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        for (int n = 0; n < pixels.Length; n++)
        {
            float x = pixels[n];
            if (!float.IsFinite(x)) { if (bad++ == 0) first = n; continue; }
            if (x < min) min = x;
            if (x > max) max = x;
        }
        if (bad > 0)
            return $"{bad} of {pixels.Length} pixels {(bad == 1 ? "is" : "are")} NaN or infinite (first at column {first % columns}, row {first / columns}); every pixel must be a finite number";
        if (min == max) return $"every pixel is {Number(min)}: a blank image shows no anatomy to register to";
        return null;
    }

    /// <summary>Geometry no X-ray system has; null when plausible.</summary>
    public static string? ViewProblem(CalibratedView v)
    {
        double sid = v.SourceToDetectorDistance;
        if (sid < MinSourceToDetectorMm || sid > MaxSourceToDetectorMm)
            return $"its view puts the source {Number(sid)} mm from the detector, outside {Number(MinSourceToDetectorMm)}–{Number(MaxSourceToDetectorMm)} mm (is the calibration in millimetres?)";
        foreach (double s in new[] { v.ColumnSpacingMm, v.RowSpacingMm })
            if (s < MinPixelSpacingMm || s > MaxPixelSpacingMm)
                return $"its view's pixel spacing {Number(v.ColumnSpacingMm)} × {Number(v.RowSpacingMm)} mm is outside {Number(MinPixelSpacingMm)}–{Number(MaxPixelSpacingMm)} mm";
        double width = v.Columns * v.ColumnSpacingMm, height = v.Rows * v.RowSpacingMm;
        if (width > MaxDetectorSideMm || height > MaxDetectorSideMm)
            return $"its view's detector is {Number(width)} × {Number(height)} mm, larger than {Number(MaxDetectorSideMm)} mm a side";
        return null;
    }

    /// <summary>Two views along (nearly) the same line — AP and PA included — see the patient from one direction only.</summary>
    public static string? PairProblem(CalibratedView ap, CalibratedView lateral)
    {
        double cos = Math.Min(1, Math.Abs(ap.Normal.Dot(lateral.Normal)));
        double angle = Math.Acos(cos) * 180 / Math.PI;
        return angle < MinAngleBetweenViewsDeg
            ? $"the two views look along the same direction ({Number(Math.Round(angle, 1))}° apart); biplanar registration needs two directions at least {Number(MinAngleBetweenViewsDeg)}° apart"
            : null;
    }

    /// <summary>4 significant digits, as Python's "%.4g" writes them (the bridge's messages must match these).</summary>
    public static string Number(double x) => x.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
}
