using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>
/// Where `evaluate --placement` puts the atlas frame on a dataset subject (docs/radiographs.md, "Placement and side"):
/// <see cref="HeadClicks"/> from the subject's simulated head clicks (manifest "source.realistic.views.VIEW.headClick",
/// `simulate --realistic`), triangulated as `register --head` does, or <see cref="None"/>: no placement, the atlas frame
/// where the dataset's frame puts it (its origin is the atlas head centre, so a subject's head lies a few mm off it).
/// Training takes no placement: its radiographs stay in the dataset's frame.
/// </summary>
public static class DatasetPlacement
{
    public const string HeadClicks = "head-clicks", None = "none";
    public static readonly IReadOnlyList<string> Names = new[] { HeadClicks, None };

    /// <summary>What `evaluate` places by unless told: the head clicks for realistic radiographs (as a user registers them), none for the clean DRRs.</summary>
    public static string Default(string radiographs) => radiographs == DatasetRadiographs.Realistic ? HeadClicks : None;

    /// <summary>The clicked head-centre pixels (column, row) of the AP and lateral views of <paramref name="subject"/>, or null when it has none.</summary>
    public static ((double Column, double Row) Ap, (double Column, double Row) Lateral)? Clicks(SubjectEntry subject)
        => Pixel(subject, "ap") is { } ap && Pixel(subject, "lateral") is { } lateral ? (ap, lateral) : null;

    /// <summary>The true head centre (RAS mm, the dataset's frame; manifest "source.realistic.headRas"), or null when not recorded.</summary>
    public static Vec3? TrueHead(SubjectEntry subject)
        => subject.Source["realistic"]?["headRas"] is JArray { Count: 3 } a && a.All(v => v.Type is JTokenType.Float or JTokenType.Integer)
            ? Vec3.FromArray(a.Select(v => (double)v).ToArray()) : null;

    /// <summary>Throws naming the manifest when <paramref name="placement"/> needs head clicks and a subject of <paramref name="subjects"/> has none.</summary>
    public static void Require(string placement, DatasetManifest manifest, IEnumerable<SubjectEntry> subjects)
    {
        if (!Names.Contains(placement)) throw new ArgumentException($"placement '{placement}': expected {string.Join(", ", Names)}");
        if (placement == None) return;
        foreach (var s in subjects)
            if (Clicks(s) is null)
                throw new ImageFormatException(manifest.PathOf(DatasetManifest.FileName),
                    $"--placement {HeadClicks} needs the head clicks of `slicerreg simulate --realistic`, but subject {s.Id} of dataset {manifest.Folder} has none " +
                    $"(no \"source.realistic.views.ap/lateral.headClick\"); simulate it again with --realistic, or use --placement {None}");
    }

    static (double Column, double Row)? Pixel(SubjectEntry subject, string view)
        => subject.Source["realistic"]?["views"]?[view]?["headClick"] is JArray { Count: 2 } a && a.All(v => v.Type is JTokenType.Float or JTokenType.Integer)
            ? ((double)a[0], (double)a[1]) : null;
}
