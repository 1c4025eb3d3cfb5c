using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// The real-radiograph options of `register` (docs/radiographs.md): --radiograph-kind line-integral|intensity|auto,
/// --i0 I0 or AP_I0,LAT_I0, --ap-mask/--lat-mask (femur masks), --head AP_COLUMN,AP_ROW:LAT_COLUMN,LAT_ROW (the femoral-head
/// centre clicked in each radiograph, pixel indices of the files as given, 0-based, pixel centres at integers) and
/// --side left|right.
/// </summary>
public sealed record RadiographArguments(RadiographKind? Kind, double? ApI0, double? LateralI0, string? ApMask, string? LateralMask,
    ((double Column, double Row) Ap, (double Column, double Row) Lateral)? Head, bool Left, bool Given)
{
    public const string Usage = "[--radiograph-kind line-integral|intensity|auto] [--i0 I0|AP_I0,LAT_I0] [--ap-mask M --lat-mask M]\n" +
                                "             [--head AP_COLUMN,AP_ROW:LAT_COLUMN,LAT_ROW] [--side left|right]";
    public const string PlacementFile = "placement.json";

    public static RadiographArguments Parse(Arguments args)
    {
        string? kind = args.Option("radiograph-kind"), i0 = args.Option("i0"), apMask = args.Option("ap-mask"), latMask = args.Option("lat-mask"),
                head = args.Option("head"), side = args.Option("side");
        bool given = kind != null || i0 != null || apMask != null || latMask != null || head != null || side != null;
        if ((apMask is null) != (latMask is null)) throw new UsageException("give both --ap-mask and --lat-mask, or neither");
        RadiographKind? k;
        try { k = RadiographKinds.Parse(kind ?? "auto"); }
        catch (ArgumentException e) { throw new UsageException($"--radiograph-kind: {e.Message}"); }
        if (k == RadiographKind.LineIntegral && i0 != null) throw new UsageException("--i0 applies to intensity radiographs, not to --radiograph-kind line-integral");
        double? apI0 = null, latI0 = null;
        if (i0 != null)
        {
            var parts = i0.Split(',');
            if (parts.Length is not (1 or 2) || parts.Any(p => !double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0) || !double.IsFinite(v)))
                throw new UsageException($"--i0 '{i0}': expected a positive number, or two (AP,LAT)");
            apI0 = double.Parse(parts[0], CultureInfo.InvariantCulture);
            latI0 = double.Parse(parts[^1], CultureInfo.InvariantCulture);
        }
        bool left = side switch
        {
            null or "right" => false,
            "left" => true,
            _ => throw new UsageException($"--side '{side}': expected left or right"),
        };
        return new RadiographArguments(k, apI0, latI0, apMask, latMask, head is null ? null : ParseHead(head), left, given);
    }

    static ((double, double), (double, double)) ParseHead(string text)
    {
        var views = text.Split(':');
        (double, double) Pixel(string s)
        {
            var p = s.Split(',');
            if (p.Length == 2 && double.TryParse(p[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double c) && double.IsFinite(c)
                && double.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double r) && double.IsFinite(r)) return (c, r);
            throw new UsageException($"--head '{text}': expected AP_COLUMN,AP_ROW:LAT_COLUMN,LAT_ROW (pixel indices, e.g. 80,40:82,41)");
        }
        if (views.Length != 2) throw new UsageException($"--head '{text}': expected AP_COLUMN,AP_ROW:LAT_COLUMN,LAT_ROW (pixel indices, e.g. 80,40:82,41)");
        return (Pixel(views[0]), Pixel(views[1]));
    }

    /// <summary>
    /// Prepares the pair read from <paramref name="apPath"/> and <paramref name="lateralPath"/> (kind, I₀, collimation, masks;
    /// <see cref="RadiographPreparation"/>), triangulates the head and places the atlas frame; prints what it did.
    /// </summary>
    public PreparedPair Prepare(Radiograph ap, string apPath, Radiograph lateral, string lateralPath, TextWriter stdout)
    {
        PreparedRadiograph One(Radiograph r, string path, double? i0, string? mask, string what)
        {
            var metadata = VolumeFile.Read(path).Metadata;
            var options = new RadiographPreparationOptions { Kind = Kind, I0 = i0 };
            var prepared = RadiographPreparation.Prepare(r, metadata, mask is null ? null : FemurMaskImage.Read(mask, r.View.Columns, r.View.Rows), options, path);
            stdout.WriteLine(prepared.Describe(what));
            return prepared;
        }
        var pa = One(ap, apPath, ApI0, ApMask, "AP radiograph");
        var pl = One(lateral, lateralPath, LateralI0, LateralMask, "lateral radiograph");
        RayTriangulation.Result? head = null;
        if (Head is { } h)
        {
            foreach (var (view, pixel, what) in new[] { (ap.View, h.Ap, "AP"), (lateral.View, h.Lateral, "lateral") })
                if (pixel.Column < -0.5 || pixel.Row < -0.5 || pixel.Column > view.Columns - 0.5 || pixel.Row > view.Rows - 0.5)
                    throw new UsageException(FormattableString.Invariant($"--head: the {what} point ({pixel.Column}, {pixel.Row}) lies outside its {view.Columns} × {view.Rows} radiograph"));
            head = RayTriangulation.Triangulate(ap.View, h.Ap, lateral.View, h.Lateral);
            stdout.WriteLine(FormattableString.Invariant($"femoral head triangulated at {head.Point} (RAS mm); the two rays pass {head.RayDistanceMm:F2} mm apart (consistency check: a few mm at most for good clicks and calibration)"));
        }
        var placement = AtlasPlacement.Create(head?.Point, Left, ap.View, lateral.View);
        stdout.WriteLine($"placement: {placement.Description}");
        return new PreparedPair(pa, pl, placement, head, this);
    }
}

/// <summary>The prepared radiographs in the patient's frame, the placement, and the pair moved into the atlas frame.</summary>
public sealed record PreparedPair(PreparedRadiograph Ap, PreparedRadiograph Lateral, AtlasPlacement Placement, RayTriangulation.Result? Head, RadiographArguments Arguments)
{
    public Radiograph ApInAtlas => Placement.ToAtlas(Ap.Radiograph);
    public Radiograph LateralInAtlas => Placement.ToAtlas(Lateral.Radiograph);

    /// <summary>A masked model refuses unmasked radiographs (<see cref="MaskedInputCheck"/>).</summary>
    public void CheckModel(NetworkConfig config, string model)
    {
        MaskedInputCheck.Require(config, model, Ap, "AP radiograph", "--ap-mask");
        MaskedInputCheck.Require(config, model, Lateral, "lateral radiograph", "--lat-mask");
    }

    /// <summary>The result moved back onto the patient (nothing to do for the identity placement).</summary>
    public RegistrationResult ToPatient(RegistrationResult r)
        => ReferenceEquals(Placement, AtlasPlacement.Identity) ? r : PlacedRegistration.ToPatient(r, Placement, Ap.Radiograph, Lateral.Radiograph);

    /// <summary>placement.json: the head point, the ray distance, the side and P, written into <paramref name="folder"/>.</summary>
    public string WriteReport(string folder)
    {
        var o = new JObject
        {
            ["format"] = "slicerreg-placement v1",
            ["side"] = Arguments.Left ? "left" : "right",
            ["description"] = Placement.Description,
            ["patient_to_atlas_ras"] = new JArray(Placement.PatientToAtlas.ToRowMajor()),
            ["mirrored"] = Placement.Mirrored,
            ["radiographs"] = new JObject
            {
                ["ap"] = Describe(Ap), ["lateral"] = Describe(Lateral),
            },
        };
        if (Head is { } h && Arguments.Head is { } clicks)
            o["head"] = new JObject
            {
                ["ap_pixel"] = new JArray(clicks.Ap.Column, clicks.Ap.Row), ["lateral_pixel"] = new JArray(clicks.Lateral.Column, clicks.Lateral.Row),
                ["centre_ras_mm"] = new JArray(h.Point.ToArray()), ["ray_distance_mm"] = h.RayDistanceMm,
            };
        string path = Path.Combine(folder, RadiographArguments.PlacementFile);
        var bytes = System.Text.Encoding.UTF8.GetBytes(o.ToString(Newtonsoft.Json.Formatting.Indented) + "\n");
        AtomicFile.Write(path, s => s.Write(bytes));
        return path;
    }

    static JObject Describe(PreparedRadiograph r) => new()
    {
        ["kind"] = RadiographKinds.Name(r.Kind), ["kind_reason"] = r.KindReason, ["monochrome1_inverted"] = r.Inverted,
        ["i0"] = r.I0, ["i0_estimated"] = r.I0Estimated, ["field_fraction"] = r.FieldFraction, ["femur_mask"] = r.Masked,
    };
}
