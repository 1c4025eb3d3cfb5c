using System.Globalization;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;
using SlicerReg.Engine.Network;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// The real-radiograph options of `register` (docs/radiographs.md): --radiograph-kind line-integral|intensity|auto,
/// --i0 I0 or AP_I0,LAT_I0, --ap-mask/--lat-mask (femur masks), --head AP_COLUMN,AP_ROW:LAT_COLUMN,LAT_ROW (the femoral-head
/// centre clicked in each radiograph, pixel indices of the files as given, 0-based, pixel centres at integers) and
/// --side left|right.
/// </summary>
public sealed record RadiographArguments(RadiographKind? Kind, double? ApI0, double? LateralI0, string? ApMask, string? LateralMask,
    ((double Column, double Row) Ap, (double Column, double Row) Lateral)? Head, bool Left)
{
    public const string Usage = "[--radiograph-kind line-integral|intensity|auto] [--i0 I0|AP_I0,LAT_I0] [--ap-mask M --lat-mask M]\n" +
                                "             [--head AP_COLUMN,AP_ROW:LAT_COLUMN,LAT_ROW] [--side left|right]";

    public static RadiographArguments Parse(Arguments args)
    {
        string? kind = args.Option("radiograph-kind"), i0 = args.Option("i0"), apMask = args.Option("ap-mask"), latMask = args.Option("lat-mask"),
                head = args.Option("head"), side = args.Option("side");
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
        return new RadiographArguments(k, apI0, latI0, apMask, latMask, head is null ? null : ParseHead(head), left);
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
    /// The inputs of <see cref="RegistrationPipeline"/> these options give (masks read on each radiograph's pixels), with
    /// <paramref name="refine"/>'s refinement and output grid.
    /// </summary>
    public RegistrationInputs Inputs(Radiograph ap, Radiograph lateral, RefineArguments refine) => new()
    {
        Kind = Kind, ApI0 = ApI0, LateralI0 = LateralI0,
        ApMask = ApMask is null ? null : FemurMaskImage.Read(ApMask, ap.View.Columns, ap.View.Rows),
        LateralMask = LateralMask is null ? null : FemurMaskImage.Read(LateralMask, lateral.View.Columns, lateral.View.Rows),
        Head = Head is { } h ? new HeadClicks(new PixelPoint(h.Ap.Column, h.Ap.Row), new PixelPoint(h.Lateral.Column, h.Lateral.Row)) : null,
        Left = Left, Refine = refine.Refine, RefineGrid = refine.Grid, Refinement = refine.Options, OutputGrid = refine.OutputGridChoice ?? OutputGrid.Paper,
    };

    /// <summary>
    /// Prepares the pair read from <paramref name="apPath"/> and <paramref name="lateralPath"/> (<see cref="PreparedPair.Prepare"/>:
    /// kind from the files' metadata unless given, I₀, collimation, masks, head, placement); prints what it did.
    /// </summary>
    public static PreparedPair Prepare(Radiograph ap, string apPath, Radiograph lateral, string lateralPath, RegistrationInputs inputs, TextWriter stdout)
    {
        try
        {
            return PreparedPair.Prepare(ap, VolumeFile.Read(apPath).Metadata, apPath, lateral, VolumeFile.Read(lateralPath).Metadata, lateralPath, inputs, stdout.WriteLine);
        }
        catch (ArgumentException e) when (e.Message.StartsWith("head:", StringComparison.Ordinal)) { throw new UsageException("--" + e.Message); }
    }
}
