using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Network;

using SlicerReg.Engine.Inference;

namespace SlicerReg.Engine.Pipeline;

/// <summary>
/// The prepared radiographs in the patient's frame (<see cref="RadiographPreparation"/>), the placement, and the pair moved
/// into the atlas frame: step one of <see cref="RegistrationPipeline"/>, the same for `register` and the daemon.
/// </summary>
public sealed record PreparedPair(PreparedRadiograph Ap, PreparedRadiograph Lateral, AtlasPlacement Placement, RayTriangulation.Result? Head, RegistrationInputs Inputs)
{
    public const string PlacementFile = "placement.json";

    public Radiograph ApInAtlas => InAtlas(Ap.Radiograph);
    public Radiograph LateralInAtlas => InAtlas(Lateral.Radiograph);

    /// <summary>The radiograph moved into the atlas frame (the identity placement leaves it as it is, to the last bit, as <see cref="ToPatient"/> does).</summary>
    Radiograph InAtlas(Radiograph r) => ReferenceEquals(Placement, AtlasPlacement.Identity) ? r : Placement.ToAtlas(r);

    /// <summary>
    /// Prepares <paramref name="ap"/> and <paramref name="lateral"/> as read (kind from <paramref name="inputs"/> or their
    /// metadata, I₀, collimation, masks), triangulates the head clicks and places the atlas frame; <paramref name="say"/>
    /// gets one line per step. <paramref name="apOrigin"/>/<paramref name="lateralOrigin"/> name the inputs in errors.
    /// </summary>
    public static PreparedPair Prepare(Radiograph ap, IReadOnlyDictionary<string, string> apMetadata, string apOrigin,
        Radiograph lateral, IReadOnlyDictionary<string, string> lateralMetadata, string lateralOrigin, RegistrationInputs inputs, Action<string> say)
    {
        inputs.Validate();
        PreparedRadiograph One(Radiograph r, IReadOnlyDictionary<string, string> metadata, string origin, double? i0, bool[]? mask, string what)
        {
            if (mask is not null && mask.Length != r.Image.Pixels.Length)
                throw new ArgumentException($"{what}: its femur mask has {mask.Length} pixels but the radiograph {r.View.Columns} × {r.View.Rows}: draw it on the radiograph's own grid");
            if (mask is not null && !mask.Any(m => m)) throw new ArgumentException($"{what}: the femur mask is empty (no non-zero pixel)");
            var prepared = RadiographPreparation.Prepare(r, metadata, mask, new RadiographPreparationOptions { Kind = inputs.Kind, I0 = i0 }, origin);
            say(prepared.Describe(what));
            return prepared;
        }
        var pa = One(ap, apMetadata, apOrigin, inputs.ApI0, inputs.ApMask, "AP radiograph");
        var pl = One(lateral, lateralMetadata, lateralOrigin, inputs.LateralI0, inputs.LateralMask, "lateral radiograph");
        RayTriangulation.Result? head = null;
        if (inputs.Head is { } h)
        {
            foreach (var (view, pixel, what) in new[] { (ap.View, h.Ap, "AP"), (lateral.View, h.Lateral, "lateral") })
                if (pixel.Column < -0.5 || pixel.Row < -0.5 || pixel.Column > view.Columns - 0.5 || pixel.Row > view.Rows - 0.5)
                    throw new ArgumentException(FormattableString.Invariant($"head: the {what} point ({pixel.Column}, {pixel.Row}) lies outside its {view.Columns} × {view.Rows} radiograph"));
            head = RayTriangulation.Triangulate(ap.View, (h.Ap.Column, h.Ap.Row), lateral.View, (h.Lateral.Column, h.Lateral.Row));
            say(FormattableString.Invariant($"femoral head triangulated at {head.Point} (RAS mm); the two rays pass {head.RayDistanceMm:F2} mm apart (consistency check: a few mm at most for good clicks and calibration)"));
        }
        var placement = AtlasPlacement.Create(head?.Point, inputs.Left, ap.View, lateral.View);
        say($"placement: {placement.Description}");
        return new PreparedPair(pa, pl, placement, head, inputs);
    }

    /// <summary>A masked model refuses unmasked radiographs (<see cref="MaskedInputCheck"/>); <paramref name="apFlag"/> names how to give a mask.</summary>
    public void CheckModel(NetworkConfig config, string model, string apFlag = "--ap-mask", string lateralFlag = "--lat-mask")
    {
        MaskedInputCheck.Require(config, model, Ap, "AP radiograph", apFlag);
        MaskedInputCheck.Require(config, model, Lateral, "lateral radiograph", lateralFlag);
    }

    /// <summary>The result moved back onto the patient (nothing to do for the identity placement).</summary>
    public RegistrationResult ToPatient(RegistrationResult r)
        => ReferenceEquals(Placement, AtlasPlacement.Identity) ? r : PlacedRegistration.ToPatient(r, Placement, Ap.Radiograph, Lateral.Radiograph);

    /// <summary>placement.json: the preparation, the head point, the ray distance, the side and P (the daemon sends the same text).</summary>
    public string ReportJson()
    {
        var o = new JObject
        {
            ["format"] = "slicerreg-placement v1",
            ["side"] = Inputs.Left ? "left" : "right",
            ["description"] = Placement.Description,
            ["patient_to_atlas_ras"] = new JArray(Placement.PatientToAtlas.ToRowMajor()),
            ["mirrored"] = Placement.Mirrored,
            ["radiographs"] = new JObject
            {
                ["ap"] = Describe(Ap, Inputs.ApMask), ["lateral"] = Describe(Lateral, Inputs.LateralMask),
            },
        };
        if (Head is { } h && Inputs.Head is { } clicks)
            o["head"] = new JObject
            {
                ["ap_pixel"] = new JArray(clicks.Ap.Column, clicks.Ap.Row), ["lateral_pixel"] = new JArray(clicks.Lateral.Column, clicks.Lateral.Row),
                ["centre_ras_mm"] = new JArray(h.Point.ToArray()), ["ray_distance_mm"] = h.RayDistanceMm,
            };
        return o.ToString(Newtonsoft.Json.Formatting.Indented) + "\n";
    }

    /// <summary>Writes <see cref="ReportJson"/> (or <paramref name="json"/>, as a daemon sent it) to placement.json in <paramref name="folder"/>.</summary>
    public static string WriteReport(string folder, string json)
    {
        string path = Path.Combine(folder, PlacementFile);
        var bytes = System.Text.Encoding.UTF8.GetBytes(json);
        AtomicFile.Write(path, s => s.Write(bytes));
        return path;
    }

    /// <summary>SHA-256 (hex) of a femur mask as one byte per pixel, 1 on the femur, row-major, column fastest: what arrived, checkable by a client.</summary>
    public static string MaskSha256(bool[] mask) => Convert.ToHexString(SHA256.HashData(mask.Select(m => m ? (byte)1 : (byte)0).ToArray())).ToLowerInvariant();

    static JObject Describe(PreparedRadiograph r, bool[]? mask)
    {
        var o = new JObject
        {
            ["kind"] = RadiographKinds.Name(r.Kind), ["kind_reason"] = r.KindReason, ["monochrome1_inverted"] = r.Inverted,
            ["i0"] = r.I0, ["i0_estimated"] = r.I0Estimated, ["field_fraction"] = r.FieldFraction, ["femur_mask"] = r.Masked,
        };
        if (mask is not null) o["femur_mask_sha256"] = MaskSha256(mask);
        return o;
    }
}
