using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SlicerReg.Core.IO;

/// <summary>
/// The text header of a NRRD file, parsed into fields and key/value pairs but not yet interpreted
/// (NRRD format spec, teem.sourceforge.net/nrrd/format.html, "General structure").
/// A header is: a magic line <c>NRRD000n</c>; then lines that are comments (<c>#…</c>), fields (<c>name: description</c>)
/// or key/value pairs (<c>key:=value</c>); ended by a blank line (attached data follows) or the end of the file (detached .nhdr).
/// </summary>
public sealed class NrrdHeader
{
    /// <summary>We refuse headers longer than this: a real header is a few kB, a DWI header a few hundred kB.</summary>
    public const int MaxHeaderBytes = 4 << 20;

    /// <summary>Format version from the magic line, 1..5.</summary>
    public int Version { get; }
    /// <summary>Fields by canonical (lower-case, single-spaced, spelled-out) name: "data file", "byte skip", …</summary>
    public IReadOnlyDictionary<string, string> Fields => _fields;
    /// <summary>key:=value pairs in file order, with the spec's escapes (\n, \\) decoded.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> KeyValues => _keyValues;
    /// <summary>Byte offset just after the blank line that ends the header; −1 when the header ran to the end of the file.</summary>
    public long DataOffset { get; }

    readonly Dictionary<string, string> _fields;
    readonly List<KeyValuePair<string, string>> _keyValues;

    NrrdHeader(int version, Dictionary<string, string> fields, List<KeyValuePair<string, string>> keyValues, long dataOffset)
    {
        Version = version; _fields = fields; _keyValues = keyValues; DataOffset = dataOffset;
    }

    public bool Has(string field) => _fields.ContainsKey(field);
    public string? Get(string field) => _fields.TryGetValue(field, out var v) ? v : null;

    /// <summary>Old spellings without spaces that teem still accepts (spec: "field identifiers").</summary>
    static readonly Dictionary<string, string> FieldAliases = new(StringComparer.Ordinal)
    {
        ["datafile"] = "data file", ["byteskip"] = "byte skip", ["lineskip"] = "line skip",
        ["centerings"] = "centers", ["axismins"] = "axis mins", ["axis min"] = "axis mins",
        ["axismaxs"] = "axis maxs", ["axis max"] = "axis maxs", ["oldmin"] = "old min", ["oldmax"] = "old max",
        ["sampleunits"] = "sample units", ["blocksize"] = "block size",
    };

    /// <summary>Reads the header from the start of <paramref name="stream"/>, leaving the stream just after it.</summary>
    public static NrrdHeader Read(Stream stream, string path)
    {
        var line = new List<byte>(256);
        long position = 0;
        bool ReadLine(out string text, int maxLength = int.MaxValue)
        {
            line.Clear();
            bool newline = false;
            int b;
            while (line.Count < maxLength && (b = stream.ReadByte()) >= 0)
            {
                if (++position > MaxHeaderBytes) throw new ImageFormatException(path, $"NRRD header is longer than {MaxHeaderBytes} bytes (missing blank line before the data?)");
                if (b == '\n') { newline = true; break; }
                line.Add((byte)b);
            }
            if (!newline && line.Count == 0) { text = ""; return false; }
            if (line.Count > 0 && line[^1] == '\r') line.RemoveAt(line.Count - 1);
            text = Encoding.UTF8.GetString(line.ToArray());
            return true;
        }

        // The magic line is short; a binary file without newlines must not be read as one long line.
        if (!ReadLine(out var magic, maxLength: 64) || !magic.StartsWith("NRRD", StringComparison.Ordinal))
            throw new ImageFormatException(path, "not a NRRD file: the first line must be NRRD0001..NRRD0005");
        var m = Regex.Match(magic, "^NRRD000([1-5])\\s*$");
        if (!m.Success) throw new ImageFormatException(path, $"unsupported NRRD magic '{Trunc(magic)}' (expected NRRD0001..NRRD0005)");
        int version = m.Groups[1].Value[0] - '0';

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var keyValues = new List<KeyValuePair<string, string>>();
        long dataOffset = -1;
        while (ReadLine(out var text))
        {
            if (text.Length == 0) { dataOffset = position; break; }
            if (text[0] == '#') continue;
            int kv = text.IndexOf(":=", StringComparison.Ordinal);
            int colon = text.IndexOf(": ", StringComparison.Ordinal);
            // A key/value line has ":=" before any ": " (a field's description may itself contain ":=").
            if (kv > 0 && (colon < 0 || kv < colon))
            {
                keyValues.Add(new(Unescape(text[..kv]), Unescape(text[(kv + 2)..])));
                continue;
            }
            if (colon <= 0)
            {
                // "field:" with an empty description ends with ':' and no space.
                if (text.EndsWith(':')) colon = text.Length - 1;
                else throw new ImageFormatException(path, $"malformed NRRD header line '{Trunc(text)}' (expected 'field: value' or 'key:=value')");
            }
            string name = Canonical(text[..colon]);
            string value = colon + 2 <= text.Length ? text[(colon + 2)..].Trim() : "";
            if (!fields.TryAdd(name, value)) throw new ImageFormatException(path, $"NRRD field '{name}' appears twice");
        }
        return new NrrdHeader(version, fields, keyValues, dataOffset);
    }

    static string Canonical(string name)
    {
        string n = Regex.Replace(name.Trim().ToLowerInvariant(), "\\s+", " ");
        return FieldAliases.TryGetValue(n, out var alias) ? alias : n;
    }

    static string Trunc(string s) => s.Length > 80 ? s[..80] + "…" : s;

    /// <summary>Spec: in key/value pairs "\n" stands for a newline and "\\" for a backslash.</summary>
    public static string Unescape(string s)
    {
        if (s.IndexOf('\\') < 0) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length && (s[i + 1] == 'n' || s[i + 1] == '\\')) { sb.Append(s[i + 1] == 'n' ? '\n' : '\\'); i++; }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    public static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\n", "\\n");

    // ---- Helpers to interpret field descriptions --------------------------------------------------------------------

    /// <summary>Whitespace-separated words of a field.</summary>
    public static string[] Words(string s) => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public static bool TryParseDouble(string s, out double v)
        => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);

    /// <summary>
    /// Parses a list of vectors "(x,y,z) (x,y,z) none …" (space directions, space origin, measurement frame).
    /// Returns one entry per vector, null for "none".
    /// </summary>
    public static List<double[]?> ParseVectors(string s, string field, string path)
    {
        var result = new List<double[]?>();
        var tokens = Regex.Matches(s, "\\(([^)]*)\\)|([^\\s()]+)");
        foreach (Match t in tokens)
        {
            if (t.Groups[2].Success)
            {
                if (t.Groups[2].Value.Equals("none", StringComparison.OrdinalIgnoreCase)) { result.Add(null); continue; }
                throw new ImageFormatException(path, $"NRRD field '{field}': expected '(x,y,z)' or 'none', got '{Trunc(t.Value)}'");
            }
            var parts = t.Groups[1].Value.Split(',');
            var v = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!TryParseDouble(parts[i].Trim(), out v[i]))
                    throw new ImageFormatException(path, $"NRRD field '{field}': '{Trunc(t.Value)}' is not a vector of numbers");
            result.Add(v);
        }
        if (s.Count(c => c == '(') != s.Count(c => c == ')'))
            throw new ImageFormatException(path, $"NRRD field '{field}': unbalanced parentheses in '{Trunc(s)}'");
        return result;
    }
}
