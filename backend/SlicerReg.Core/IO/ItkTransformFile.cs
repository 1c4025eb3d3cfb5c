using System.Globalization;
using System.Text;
using SlicerReg.Core.Geometry;

namespace SlicerReg.Core.IO;

/// <summary>
/// An affine transform as an ITK transform file (text, "#Insight Transform File V1.0", AffineTransform_double_3_3), as
/// ITK, Slicer and plastimatch read it. ITK transforms map points of the fixed (output) space to the moving (input) space
/// — resampling, "from parent" — which is our pull-back convention (docs/conventions.md), so a RAS pull-back T is written
/// as its LPS conjugate F·T·F, F = diag(−1, −1, 1). With the centre (FixedParameters) at 0 the last three parameters are
/// the translation. `plastimatch warp --input ATLAS --xf FILE` then resamples the atlas as our own warp with T does, and
/// Slicer, loading the file as a transform and applying it to the atlas, shows the atlas moved onto the patient.
/// </summary>
public static class ItkTransformFile
{
    public const string Magic = "#Insight Transform File V1.0";
    public const string AffineType = "AffineTransform_double_3_3";

    public static string Format(Mat4 pullBackRas)
    {
        var f = PatientCoordinates.Flip;
        var a = f * pullBackRas.Linear * f;
        var t = f * pullBackRas.Translation;
        var p = a.ToRowMajor().Concat(new[] { t.X, t.Y, t.Z }).Select(v => v.ToString("R", CultureInfo.InvariantCulture));
        return new StringBuilder()
            .Append(Magic).Append('\n')
            .Append("#Transform 0\n")
            .Append("Transform: ").Append(AffineType).Append('\n')
            .Append("Parameters: ").Append(string.Join(' ', p)).Append('\n')
            .Append("FixedParameters: 0 0 0\n").ToString();
    }

    public static void Write(string path, Mat4 pullBackRas)
    {
        var bytes = Encoding.ASCII.GetBytes(Format(pullBackRas));
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>Reads back what <see cref="Write"/> writes (one AffineTransform_double_3_3 or MatrixOffsetTransformBase_double_3_3), as a RAS pull-back.</summary>
    public static Mat4 Read(string path)
    {
        if (!File.Exists(path)) throw new ImageFormatException(path, "transform file not found");
        InputFile.RequireRegular(path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !lines[0].StartsWith("#Insight Transform File", StringComparison.Ordinal)) throw new ImageFormatException(path, $"not an ITK transform file (first line must be \"{Magic}\")");
        string? type = null; double[]? parameters = null; double[] fixedParameters = { 0, 0, 0 };
        double[] Numbers(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new ImageFormatException(path, $"'{w}' is not a number")).ToArray();
        foreach (var line in lines.Skip(1))
        {
            if (line.StartsWith("Transform:", StringComparison.Ordinal)) { if (type != null) throw new ImageFormatException(path, "more than one transform"); type = line[10..].Trim(); }
            else if (line.StartsWith("Parameters:", StringComparison.Ordinal)) parameters = Numbers(line[11..]);
            else if (line.StartsWith("FixedParameters:", StringComparison.Ordinal)) fixedParameters = Numbers(line[16..]);
        }
        if (type is not (AffineType or "MatrixOffsetTransformBase_double_3_3")) throw new ImageFormatException(path, $"transform type {type ?? "(none)"} is not {AffineType}");
        if (parameters is not { Length: 12 }) throw new ImageFormatException(path, "an affine transform needs 12 parameters");
        if (fixedParameters.Length != 3) throw new ImageFormatException(path, "an affine transform needs 3 fixed parameters (the centre)");
        var a = new Mat3(parameters[..9]);
        var c = new Vec3(fixedParameters[0], fixedParameters[1], fixedParameters[2]);
        // ITK: T(x) = A(x − c) + c + t.
        var t = new Vec3(parameters[9], parameters[10], parameters[11]) + c - a * c;
        var f = PatientCoordinates.Flip;
        return new Mat4(f * a * f, f * t);
    }
}
