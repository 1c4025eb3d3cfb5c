using SlicerReg.Core.Xray;
using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// A masked model (network.json "input": "masked", the paper's and the shipped one) was trained on radiographs that are 0
/// outside the femur; an unmasked radiograph would be far from anything it has seen and registers badly without any error.
/// So it refuses a radiograph that is neither masked on the command line nor already masked in its file. "Already masked"
/// is the refinement's rule (at most 90% of the pixels non-zero, as a *_masked_drr.nrrd); an intensity radiograph never is
/// (its log conversion fills the whole collimated field).
/// </summary>
public static class MaskedInputCheck
{
    public const double MaxNonZeroFraction = 0.9;

    public static void Require(NetworkConfig config, string model, PreparedRadiograph r, string what, string flag)
    {
        if (config.Input != NetworkConfig.Masked || r.Masked) return;
        var px = r.Radiograph.Image.Pixels;
        double nonZero = px.Count(p => p != 0) / (double)px.Length;
        if (r.Kind == RadiographKind.LineIntegral && nonZero <= MaxNonZeroFraction) return;
        throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{what}: the model {model} takes femur-masked radiographs (network.json \"input\": \"masked\") but this one is not masked " +
            $"({nonZero:P0} of its pixels are non-zero). Give {flag} MASK.nrrd: a 2D label map on the radiograph's pixel grid, non-zero on the femur " +
            $"(in 3D Slicer: draw a segment on the radiograph with the Segment Editor and export it as a labelmap with the radiograph as reference; " +
            $"docs/radiographs.md, \"Femur masks\")."));
    }
}
