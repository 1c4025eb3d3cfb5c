using System.Text;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.IO;

namespace SlicerReg.Engine.Evaluation;

/// <summary>
/// What one refinement of an evaluation did: seconds, steps, image NCC before and after, and for refined-pose the lateral
/// correction it found and what is left of the calibration error after it (the correction composed with the error that was
/// put on the view, or with the identity for an exact view: ideally a rotation of 0°).
/// </summary>
public sealed record RefinementRecord(string CaseId, string Method, double Seconds, int PoseSteps, int DeformationSteps, double NccBefore, double NccAfter,
                                      double CalibrationErrorDeg, double PoseCorrectionDeg, double ResidualRotationDeg, double ResidualShiftMm)
{
    public const string FileName = "refinement.csv";

    static readonly string Header = "case,method,seconds,pose_steps,deformation_steps,image_ncc_before,image_ncc_after," +
                                    "calibration_error_deg,pose_correction_deg,residual_rotation_deg,residual_shift_mm";

    /// <summary>One row per refinement (NaN empty), written atomically.</summary>
    public static void WriteCsv(string path, IEnumerable<RefinementRecord> records)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var r in records)
        {
            sb.Append(MetricsTable.CsvField(r.CaseId)).Append(',').Append(MetricsTable.CsvField(r.Method));
            foreach (var v in new[] { r.Seconds, r.PoseSteps, r.DeformationSteps, r.NccBefore, r.NccAfter, r.CalibrationErrorDeg, r.PoseCorrectionDeg, r.ResidualRotationDeg, r.ResidualShiftMm })
                sb.Append(',').Append(MetricsTable.CsvNumber(v));
            sb.Append('\n');
        }
        var bytes = new UTF8Encoding(false).GetBytes(sb.ToString());
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    public override string ToString()
        => FormattableString.Invariant($"{CaseId} {Method}: {Seconds:F1} s, NCC {NccBefore:F4} → {NccAfter:F4}")
           + (double.IsFinite(ResidualRotationDeg) ? FormattableString.Invariant($", pose correction {PoseCorrectionDeg:F2}°, residual {ResidualRotationDeg:F2}°") : "");
}
