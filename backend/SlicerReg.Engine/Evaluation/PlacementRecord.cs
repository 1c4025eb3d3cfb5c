using System.Text;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;

namespace SlicerReg.Engine.Evaluation;

/// <summary>
/// Where an evaluation placed one subject's atlas frame (`evaluate --placement head-clicks`): the head centre triangulated
/// from its simulated clicks as `register --head` triangulates them (the dataset's frame, RAS mm), how far apart the two
/// rays pass, and the distance from the true head centre (NaN where the manifest does not record it).
/// </summary>
public sealed record PlacementRecord(string CaseId, Vec3 Head, double RayDistanceMm, Vec3? TrueHead)
{
    public const string FileName = "placement.csv";

    public double PlacementErrorMm => TrueHead is { } t ? (Head - t).Norm : double.NaN;

    static readonly string Header = "case,head_r_mm,head_a_mm,head_s_mm,ray_distance_mm,true_head_r_mm,true_head_a_mm,true_head_s_mm,placement_error_mm";

    /// <summary>One row per subject (NaN empty), written atomically.</summary>
    public static void WriteCsv(string path, IEnumerable<PlacementRecord> records)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in records)
        {
            var t = r.TrueHead ?? new Vec3(double.NaN, double.NaN, double.NaN);
            sb.Append(MetricsTable.CsvField(r.CaseId));
            foreach (var v in new[] { r.Head.X, r.Head.Y, r.Head.Z, r.RayDistanceMm, t.X, t.Y, t.Z, r.PlacementErrorMm })
                sb.Append(',').Append(MetricsTable.CsvNumber(v));
            sb.Append('\n');
        }
        var bytes = new UTF8Encoding(false).GetBytes(sb.ToString());
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>One line for stdout: mean and largest ray distance and placement error of <paramref name="records"/>.</summary>
    public static string Summary(IReadOnlyList<PlacementRecord> records)
    {
        var rays = records.Select(r => r.RayDistanceMm).ToList();
        var errors = records.Select(r => r.PlacementErrorMm).Where(double.IsFinite).ToList();
        return FormattableString.Invariant($"placement from the head clicks ({records.Count} subjects): rays {rays.Average():F2} mm apart on average (largest {rays.Max():F2} mm)")
               + (errors.Count > 0 ? FormattableString.Invariant($", head {errors.Average():F2} mm from the true centre on average (largest {errors.Max():F2} mm)") : "");
    }
}
