using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>The files of one view of a subject, relative to the dataset folder.</summary>
public sealed record ViewFiles(DatasetView View, string Drr, string Mask, string MaskedDrr, string ViewJson);

/// <summary>One subject's entry: where it came from, what was drawn, its split and files (paths relative to the dataset folder).</summary>
public sealed record SubjectEntry(string Id, string Split, string Ct, string Label, IReadOnlyList<ViewFiles> Views, JObject Source);

/// <summary>A subject that could not be made: its input file and the problem.</summary>
public sealed record SubjectFailure(string Id, string File, string Problem);

/// <summary>
/// manifest.json of a dataset (docs/population.md): dataset settings, every subject (split, seeds, drawn variations, files,
/// views with their angles) and the failures. Written atomically after the last subject.
/// </summary>
public sealed class DatasetManifest
{
    public const string FileName = "manifest.json";

    public required JObject Settings { get; init; }
    public List<SubjectEntry> Subjects { get; } = new();
    public List<SubjectFailure> Failures { get; } = new();

    /// <summary>Every file the manifest lists, relative to the dataset folder.</summary>
    public IEnumerable<string> Files => Subjects.SelectMany(s => new[] { s.Ct, s.Label }.Concat(s.Views.SelectMany(v => new[] { v.Drr, v.Mask, v.MaskedDrr, v.ViewJson })));

    public JObject ToJson() => new()
    {
        ["format"] = "slicerreg-dataset",
        ["formatVersion"] = 1,
        ["settings"] = Settings,
        ["frame"] = PhantomCard.Frame,
        ["splitCounts"] = new JObject(DatasetSplit.Names.Select(n => new JProperty(n, Subjects.Count(s => s.Split == n)))),
        ["subjects"] = new JArray(Subjects.Select(s => new JObject
        {
            ["id"] = s.Id,
            ["split"] = s.Split,
            ["source"] = s.Source,
            ["files"] = new JObject { ["ct"] = s.Ct, ["label"] = s.Label },
            ["views"] = new JArray(s.Views.Select(v => new JObject
            {
                ["name"] = v.View.Name,
                ["primaryAngle"] = v.View.CArm.PrimaryAngleDeg,
                ["secondaryAngle"] = v.View.CArm.SecondaryAngleDeg,
                ["files"] = new JObject { ["drr"] = v.Drr, ["mask"] = v.Mask, ["maskedDrr"] = v.MaskedDrr, ["view"] = v.ViewJson },
            })),
        })),
        ["failed"] = new JArray(Failures.Select(f => new JObject { ["id"] = f.Id, ["file"] = f.File, ["problem"] = f.Problem })),
    };

    public void Write(string folder)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(ToJson().ToString(Formatting.Indented) + "\n");
        AtomicFile.Write(Path.Combine(folder, FileName), s => s.Write(bytes));
    }
}
