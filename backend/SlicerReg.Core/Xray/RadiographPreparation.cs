using System.Globalization;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Xray;

/// <summary>How a radiograph file becomes what the registration takes (<see cref="RadiographPreparation"/>).</summary>
public sealed record RadiographPreparationOptions
{
    /// <summary>The kind, or null to read it from the file's metadata (<see cref="RadiographKinds.FromMetadata(IReadOnlyDictionary{string, string}, string)"/>).</summary>
    public RadiographKind? Kind { get; init; }
    /// <summary>I₀ in the image's units (after MONOCHROME1 inversion), or null to estimate it from the open field.</summary>
    public double? I0 { get; init; }
}

/// <summary>A radiograph ready to register: line integrals, the femur mask applied when one was given, and what was done.</summary>
public sealed record PreparedRadiograph(Radiograph Radiograph, RadiographKind Kind, string KindReason, bool Inverted, double? I0, bool I0Estimated,
    double FieldFraction, bool Masked)
{
    /// <summary>One line for the command's output.</summary>
    public string Describe(string what) => Kind == RadiographKind.LineIntegral
        ? $"{what}: line integrals ({KindReason}){(Masked ? ", femur mask applied" : "")}"
        : string.Create(CultureInfo.InvariantCulture,
            $"{what}: intensity ({KindReason}){(Inverted ? ", MONOCHROME1 inverted" : "")}, I0 {I0:G6} ({(I0Estimated ? "estimated from the open field" : "given")}), " +
            $"{FieldFraction:P1} of the pixels inside the collimation{(Masked ? ", femur mask applied" : "")}");
}

/// <summary>
/// The radiograph model of docs/radiographs.md, one radiograph at a time:
/// <list type="number">
/// <item>the kind: given, or from the file's metadata;</item>
/// <item>intensity only: MONOCHROME1 inverted (<see cref="Monochrome1"/>); I₀ given or estimated (<see cref="OpenField"/>) inside
///   the collimated field (<see cref="Collimation"/>, found with a first I₀ guess, the 99th percentile of the whole image,
///   which the dark collimated border cannot move); p = −ln(I/I₀) inside the field, 0 outside (<see cref="LogConversion"/>);</item>
/// <item>the femur mask, when given: p × mask (outside the collimation stays 0), the input a masked model and the refinement take.</item>
/// </list>
/// </summary>
public static class RadiographPreparation
{
    /// <param name="raw">The radiograph as read (its pixels as stored).</param>
    /// <param name="metadata">The file's metadata (kind, photometric interpretation, white level).</param>
    /// <param name="mask">The femur mask on the radiograph's pixels, or null.</param>
    /// <param name="origin">The file, for errors.</param>
    public static PreparedRadiograph Prepare(Radiograph raw, IReadOnlyDictionary<string, string> metadata, bool[]? mask, RadiographPreparationOptions options, string origin)
    {
        var (kind, reason) = options.Kind is { } k ? (k, "given") : RadiographKinds.FromMetadata(metadata, origin);
        if (kind == RadiographKind.LineIntegral && options.I0 is not null)
            throw new ArgumentException($"{origin}: I0 was given but the radiograph holds line integrals ({reason}); give --radiograph-kind intensity if it is a detector image");
        var image = raw.Image;
        var pixels = (float[])image.Pixels.Clone();
        bool inverted = false; double? i0 = null; bool estimated = false; double fieldFraction = 1;
        if (kind == RadiographKind.Intensity)
        {
            if (Monochrome1.IsInverted(metadata))
            {
                var (white, _) = Monochrome1.WhiteLevel(metadata, pixels, origin);
                Monochrome1.Invert(pixels, white);
                inverted = true;
            }
            try
            {
                double guess = options.I0 ?? OpenField.EstimateI0(pixels);
                var field = Collimation.InsideField(pixels, image.Columns, image.Rows, guess);
                fieldFraction = field.Count(f => f) / (double)field.Length;
                if (fieldFraction == 0) throw new ArgumentException("every pixel is outside the collimation (the image is dark to its border)");
                estimated = options.I0 is null;
                i0 = options.I0 ?? OpenField.EstimateI0(pixels, field);
                pixels = LogConversion.ToLineIntegrals(pixels, i0.Value, field);
            }
            catch (ArgumentException e) { throw new ImageFormatException(origin, $"as an intensity radiograph: {e.Message}"); }
        }
        if (mask is not null)
        {
            if (mask.Length != pixels.Length) throw new ArgumentException($"{origin}: the mask has {mask.Length} pixels, the radiograph {pixels.Length}");
            for (int n = 0; n < pixels.Length; n++) if (!mask[n]) pixels[n] = 0;
        }
        var prepared = new Radiograph(new Image2D(image.Columns, image.Rows, image.ColumnSpacingMm, image.RowSpacingMm, pixels), raw.View);
        return new PreparedRadiograph(prepared, kind, reason, inverted, i0, estimated, fieldFraction, mask is not null);
    }
}
