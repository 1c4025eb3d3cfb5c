using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>
/// The files of one view of a subject, relative to the dataset folder. With a calibration error (`simulate
/// --calibration-error`) the radiographs and <see cref="ViewJson"/> carry the stated (perturbed) view, <see cref="TrueViewJson"/>
/// the view the DRRs were rendered with, and <see cref="CalibrationError"/> the perturbation.
/// </summary>
public sealed record ViewFiles(DatasetView View, string Drr, string Mask, string MaskedDrr, string ViewJson,
                               string? TrueViewJson = null, ViewPerturbation? CalibrationError = null);

/// <summary>
/// One subject's entry: where it came from, what was drawn, its split and files (paths relative to the dataset folder).
/// <see cref="PaperCt"/> and <see cref="PaperLabel"/>: the ground truth on the paper grid (`simulate --truth-grid paper`), or null.
/// </summary>
public sealed record SubjectEntry(string Id, string Split, string Ct, string Label, IReadOnlyList<ViewFiles> Views, JObject Source,
                                  string? PaperCt = null, string? PaperLabel = null)
{
    /// <summary>The seed the subject's random parts were drawn from (phantoms: "seed"; imported CTs: "viewSeed"), or null.</summary>
    public int? Seed => (Source["seed"] ?? Source["viewSeed"]) is JValue { Type: JTokenType.Integer } v ? v.Value<int>() : null;

    /// <summary>Every file of the subject, relative to the dataset folder.</summary>
    public IEnumerable<string> Files => new[] { Ct, Label, PaperCt, PaperLabel }
        .Concat(Views.SelectMany(v => new[] { v.Drr, v.Mask, v.MaskedDrr, v.ViewJson, v.TrueViewJson }))
        .OfType<string>().Distinct();
}

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
    public IEnumerable<string> Files => Subjects.SelectMany(s => s.Files);

    public JObject ToJson() => new()
    {
        ["format"] = FormatName,
        ["formatVersion"] = FormatVersion,
        ["settings"] = Settings,
        ["frame"] = PhantomCard.Frame,
        ["splitCounts"] = new JObject(DatasetSplit.Names.Select(n => new JProperty(n, Subjects.Count(s => s.Split == n)))),
        ["subjects"] = new JArray(Subjects.Select(s => new JObject
        {
            ["id"] = s.Id,
            ["split"] = s.Split,
            ["source"] = s.Source,
            ["files"] = SubjectFilesJson(s),
            ["views"] = new JArray(s.Views.Select(ViewJson)),
        })),
        ["failed"] = new JArray(Failures.Select(f => new JObject { ["id"] = f.Id, ["file"] = f.File, ["problem"] = f.Problem })),
    };

    static JObject SubjectFilesJson(SubjectEntry s)
    {
        var files = new JObject { ["ct"] = s.Ct, ["label"] = s.Label };
        if (s.PaperCt is not null) files["paperCt"] = s.PaperCt;
        if (s.PaperLabel is not null) files["paperLabel"] = s.PaperLabel;
        return files;
    }

    static JObject ViewJson(ViewFiles v)
    {
        var files = new JObject { ["drr"] = v.Drr, ["mask"] = v.Mask, ["maskedDrr"] = v.MaskedDrr, ["view"] = v.ViewJson };
        if (v.TrueViewJson is not null) files["trueView"] = v.TrueViewJson;
        var o = new JObject
        {
            ["name"] = v.View.Name,
            ["primaryAngle"] = v.View.CArm.PrimaryAngleDeg,
            ["secondaryAngle"] = v.View.CArm.SecondaryAngleDeg,
            ["files"] = files,
        };
        if (v.CalibrationError is not null) o["calibrationError"] = v.CalibrationError.ToJson();
        return o;
    }

    public const string FormatName = "slicerreg-dataset";
    public const int FormatVersion = 1;

    /// <summary>The folder the manifest was read from (null for one being written).</summary>
    public string? Folder { get; private init; }

    /// <summary>The absolute path of <paramref name="relative"/> (a path of the manifest) in <see cref="Folder"/>.</summary>
    public string PathOf(string relative) => Path.Combine(Folder ?? throw new InvalidOperationException("manifest was not read from a folder"), relative);

    /// <summary>Subjects of one split ("train", "validation", "test"), in manifest order.</summary>
    public IReadOnlyList<SubjectEntry> Split(string split) => Subjects.Where(s => s.Split == split).ToList();

    /// <summary>
    /// Reads <paramref name="folder"/>/manifest.json as <see cref="Write"/> writes it. Throws <see cref="ImageFormatException"/>
    /// naming the manifest (or the missing file) when it is absent, not JSON, of another format or version, lacks a field,
    /// or lists a file that does not exist.
    /// </summary>
    public static DatasetManifest Read(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"dataset folder {folder} not found");
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new ImageFormatException(path, "dataset manifest not found (is this a folder written by slicerreg simulate?)");
        InputFile.RequireRegular(path);
        JObject o;
        try { o = JObject.Parse(File.ReadAllText(path)); }
        catch (JsonReaderException e) { throw new ImageFormatException(path, $"not valid JSON: {e.Message}"); }
        if ((string?)o["format"] != FormatName) throw new ImageFormatException(path, $"\"format\" must be \"{FormatName}\", got {o["format"]?.ToString() ?? "nothing"}");
        if (o["formatVersion"]?.Type != JTokenType.Integer || (int)o["formatVersion"]! != FormatVersion)
            throw new ImageFormatException(path, $"\"formatVersion\" must be {FormatVersion}, got {o["formatVersion"]?.ToString() ?? "nothing"}");
        T Need<T>(JToken? parent, string key, string where) where T : JToken
            => parent?[key] as T ?? throw new ImageFormatException(path, $"{where}: \"{key}\" is missing or of the wrong type");
        string Text(JToken parent, string key, string where)
            => Need<JValue>(parent, key, where).Value<string>() is { Length: > 0 } t ? t : throw new ImageFormatException(path, $"{where}: \"{key}\" is empty");
        var manifest = new DatasetManifest { Settings = Need<JObject>(o, "settings", "manifest"), Folder = Path.GetFullPath(folder) };
        foreach (var (token, n) in Need<JArray>(o, "subjects", "manifest").Select((t, n) => (t, n)))
        {
            string where = $"subject #{n}";
            string id = Text(token, "id", where);
            where = $"subject {id}";
            string split = Text(token, "split", where);
            if (!DatasetSplit.Names.Contains(split)) throw new ImageFormatException(path, $"{where}: split \"{split}\" is not one of {string.Join(", ", DatasetSplit.Names)}");
            var files = Need<JObject>(token, "files", where);
            var views = new List<ViewFiles>();
            foreach (var v in Need<JArray>(token, "views", where))
            {
                string name = Text(v, "name", where);
                var vf = Need<JObject>(v, "files", $"{where} view {name}");
                var carm = new CArmGeometry
                {
                    PrimaryAngleDeg = Need<JValue>(v, "primaryAngle", $"{where} view {name}").Value<double>(),
                    SecondaryAngleDeg = Need<JValue>(v, "secondaryAngle", $"{where} view {name}").Value<double>(),
                };
                ViewPerturbation? error;
                try { error = v["calibrationError"] is JObject e ? ViewPerturbation.FromJson(e, $"{where} view {name} calibrationError") : null; }
                catch (FormatException e) { throw new ImageFormatException(path, e.Message); }
                views.Add(new ViewFiles(new DatasetView(name, carm), Text(vf, "drr", where), Text(vf, "mask", where), Text(vf, "maskedDrr", where), Text(vf, "view", where),
                                        vf["trueView"] is null ? null : Text(vf, "trueView", where), error));
            }
            string? Optional(string key) => files[key] is null ? null : Text(files, key, where);
            var entry = new SubjectEntry(id, split, Text(files, "ct", where), Text(files, "label", where), views, token["source"] as JObject ?? new JObject(),
                                         Optional("paperCt"), Optional("paperLabel"));
            foreach (var f in entry.Files)
                if (!File.Exists(Path.Combine(folder, f))) throw new ImageFormatException(Path.Combine(folder, f), $"listed for {where} in {path} but not found");
            manifest.Subjects.Add(entry);
        }
        if (o["failed"] is JArray failed)
            foreach (var f in failed) manifest.Failures.Add(new SubjectFailure((string?)f["id"] ?? "", (string?)f["file"] ?? "", (string?)f["problem"] ?? ""));
        return manifest;
    }

    public void Write(string folder)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(ToJson().ToString(Formatting.Indented) + "\n");
        AtomicFile.Write(Path.Combine(folder, FileName), s => s.Write(bytes));
    }
}
