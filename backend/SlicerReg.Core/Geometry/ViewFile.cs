using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Geometry;

/// <summary>
/// Reads and writes view files (docs/geometry.md). A file holds one JSON object in one of three forms, told apart by
/// their keys: canonical (<see cref="CalibratedView"/>: "source", "detectorCenter", ...), C-arm (<see cref="CArmGeometry"/>:
/// "primaryAngle", ...) or projection matrix (<see cref="ProjectionMatrix"/>: "projectionMatrix", ...). An optional
/// "description" string is allowed in any form. Writing always produces the canonical form.
/// </summary>
public static class ViewFile
{
    static readonly string[] CanonicalKeys = { "source", "detectorCenter", "columnDirection", "rowDirection", "pixelSpacing", "size" };

    /// <summary>A view from a JSON file, or from a preset name (<see cref="ViewPresets.Names"/>) when no such file exists.</summary>
    public static CalibratedView Load(string pathOrPreset)
    {
        if (File.Exists(pathOrPreset)) return Read(pathOrPreset);
        if (ViewPresets.TryGet(pathOrPreset) is { } preset) return preset.ToView();
        throw new ImageFormatException(pathOrPreset, $"view file not found (and not a preset: {string.Join(", ", ViewPresets.Names)})");
    }

    public static CalibratedView Read(string path)
    {
        InputFile.RequireRegular(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ImageFormatException(path, $"cannot read view file: {e.Message}", e); }
        try { return Parse(text, path); }
        catch (FormatException e) { throw new ImageFormatException(path, e.Message.StartsWith(path + ": ") ? e.Message[(path.Length + 2)..] : e.Message, e); }
    }

    /// <summary>Parses any of the three forms; <paramref name="origin"/> names the input in errors (FormatException).</summary>
    public static CalibratedView Parse(string json, string origin = "view")
    {
        var o = ViewJson.Parse(json, origin);
        bool canonical = o.ContainsKey("source"), carm = o.ContainsKey("primaryAngle"), matrix = o.ContainsKey("projectionMatrix");
        int forms = (canonical ? 1 : 0) + (carm ? 1 : 0) + (matrix ? 1 : 0);
        if (forms == 0) throw new FormatException($"{origin}: not a view: expected the key \"source\" (canonical), \"primaryAngle\" (C-arm) or \"projectionMatrix\"");
        if (forms > 1) throw new FormatException($"{origin}: mixes view forms: use only one of \"source\", \"primaryAngle\", \"projectionMatrix\"");
        var allowed = canonical ? CanonicalKeys : carm ? CArmGeometry.JsonKeys : ProjectionMatrix.JsonKeys;
        foreach (var p in o.Properties())
            if (p.Name != "description" && !allowed.Contains(p.Name))
                throw new FormatException($"{origin}: unknown key \"{p.Name}\" in a {(canonical ? "canonical" : carm ? "C-arm" : "projection-matrix")} view (allowed: {string.Join(", ", allowed)})");
        if (canonical) return CalibratedView.FromJson(o, origin);
        if (matrix) return ProjectionMatrix.ViewFromJson(o, origin);
        try { return CArmGeometry.FromJson(o, origin).ToView(); }
        catch (ArgumentException e) { throw new FormatException($"{origin}: {e.Message}", e); }
    }

    /// <summary>Writes the canonical form atomically.</summary>
    public static void Save(CalibratedView view, string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(view.ToJsonString() + "\n");
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}

/// <summary>Typed access to a view file's JSON fields with errors that name the input and the key.</summary>
internal sealed class JsonFields(JObject o, string origin)
{
    JToken? Get(string key, bool required)
        => o[key] ?? (required ? throw new FormatException($"{origin}: missing \"{key}\"") : null);

    public double? Number(string key, bool required = false)
    {
        var t = Get(key, required);
        if (t == null) return null;
        if (t.Type is not (JTokenType.Float or JTokenType.Integer)) throw new FormatException($"{origin}: \"{key}\" must be a number");
        double v = t.Value<double>();
        if (!double.IsFinite(v)) throw new FormatException($"{origin}: \"{key}\" must be finite");
        return v;
    }

    public double[]? Numbers(string key, int n, bool required = false)
    {
        var t = Get(key, required);
        if (t == null) return null;
        if (t is not JArray a || a.Count != n || a.Any(x => x.Type is not (JTokenType.Float or JTokenType.Integer)))
            throw new FormatException($"{origin}: \"{key}\" must be an array of {n} numbers");
        return a.Select(x => x.Value<double>()).ToArray();
    }

    public int[]? Integers(string key, int n, bool required = false)
    {
        var v = Numbers(key, n, required);
        if (v == null) return null;
        if (v.Any(x => x != Math.Floor(x) || x < 1 || x > 1 << 16)) throw new FormatException($"{origin}: \"{key}\" must be {n} positive integers");
        return v.Select(x => (int)x).ToArray();
    }
}
