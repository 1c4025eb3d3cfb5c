using System.Globalization;
using System.Text;

namespace SlicerReg.Core.IO;

/// <summary>
/// The text header of a MetaImage file (.mha, .mhd): ordered "Key = Value" lines. The ElementDataFile line is always
/// last; in a .mha (ElementDataFile = LOCAL) the voxel data start at the byte after its line end.
/// Keys are matched case-insensitively; every value is kept as text and parsed on request.
/// Reference: ITK MetaIO documentation (https://itk.org/Wiki/ITK/MetaIO/Documentation#MetaImage) and MetaIO's metaImage.cxx.
/// </summary>
public sealed class MetaImageHeader
{
    /// <summary>Longest header we scan for its ElementDataFile line before giving up (real headers are a few kB).</summary>
    public const int MaxHeaderBytes = 1 << 20;

    readonly List<KeyValuePair<string, string>> _fields = new();

    /// <summary>Byte offset of the first byte after the ElementDataFile line (where LOCAL data start).</summary>
    public long DataOffset { get; private set; }

    public IReadOnlyList<KeyValuePair<string, string>> Fields => _fields;

    /// <summary>Appends a field for writing; validated when written.</summary>
    public void Add(string key, string value) => _fields.Add(new(key, value));

    /// <summary>Value of the first of <paramref name="aliases"/> present (case-insensitive), or null.</summary>
    public string? Get(params string[] aliases)
    {
        foreach (var alias in aliases)
            foreach (var kv in _fields)
                if (string.Equals(kv.Key, alias, StringComparison.OrdinalIgnoreCase)) return kv.Value;
        return null;
    }

    /// <summary>Reads header lines from the start of <paramref name="stream"/> up to and including ElementDataFile.</summary>
    public static MetaImageHeader Read(Stream stream, string path)
    {
        var header = new MetaImageHeader();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var line = new List<byte>(256);
        long position = 0;
        int lineNumber = 0;
        while (true)
        {
            line.Clear();
            int b;
            while ((b = stream.ReadByte()) >= 0)
            {
                position++;
                if (b == '\n') break;
                line.Add((byte)b);
                if (position > MaxHeaderBytes)
                    throw new ImageFormatException(path, $"no ElementDataFile line in the first {MaxHeaderBytes} bytes: not a MetaImage header");
            }
            if (b < 0 && line.Count == 0)
                throw new ImageFormatException(path, "header ends without an ElementDataFile line (required, and last, in a MetaImage header)");
            lineNumber++;
            string text = Encoding.UTF8.GetString(line.ToArray()).TrimEnd('\r');
            if (text.Trim().Length == 0) continue;
            int eq = text.IndexOf('=');
            if (eq < 0)
                throw new ImageFormatException(path, $"header line {lineNumber} is not 'Key = Value': '{Shorten(text)}'");
            string key = text[..eq].Trim(), value = text[(eq + 1)..].Trim();
            if (key.Length == 0) throw new ImageFormatException(path, $"header line {lineNumber} has no key: '{Shorten(text)}'");
            if (!seen.Add(key)) throw new ImageFormatException(path, $"header key {key} appears twice (line {lineNumber})");
            header._fields.Add(new(key, value));
            if (string.Equals(key, "ElementDataFile", StringComparison.OrdinalIgnoreCase))
            {
                header.DataOffset = position;
                return header;
            }
            if (b < 0)
                throw new ImageFormatException(path, "header ends without an ElementDataFile line (required, and last, in a MetaImage header)");
        }
    }

    /// <summary>Writes the fields as "Key = Value\n" lines. Keys and values must be single-line text, keys without '='.</summary>
    public void WriteTo(Stream stream, string path)
    {
        var sb = new StringBuilder();
        foreach (var (key, value) in _fields)
        {
            if (key.Trim().Length == 0 || key != key.Trim() || key.IndexOfAny(new[] { '=', '\n', '\r' }) >= 0)
                throw new ImageFormatException(path, $"cannot write metadata key '{Shorten(key)}': a MetaImage key is non-empty single-line text without '=' or surrounding spaces");
            if (value.IndexOfAny(new[] { '\n', '\r' }) >= 0)
                throw new ImageFormatException(path, $"cannot write the value of {key}: a MetaImage header value must be a single line");
            sb.Append(key).Append(" = ").Append(value).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        stream.Write(bytes);
    }

    /// <summary>Exactly <paramref name="count"/> numbers from a whitespace-separated value.</summary>
    public static double[] ParseNumbers(string key, string value, int count, string path)
    {
        var parts = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != count)
            throw new ImageFormatException(path, $"{key} needs {count} numbers, got {parts.Length}: '{Shorten(value)}'");
        var r = new double[count];
        for (int n = 0; n < count; n++)
            if (!double.TryParse(parts[n], NumberStyles.Float, CultureInfo.InvariantCulture, out r[n]) || !double.IsFinite(r[n]))
                throw new ImageFormatException(path, $"{key} holds '{Shorten(parts[n])}', not a finite number");
        return r;
    }

    public static long ParseInteger(string key, string value, string path)
        => long.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v : throw new ImageFormatException(path, $"{key} must be an integer, got '{Shorten(value)}'");

    /// <summary>MetaIO booleans: True/False (also accepts 1/0, yes/no, any case).</summary>
    public static bool ParseBool(string key, string value, string path) => value.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "t" => true,
        "false" or "0" or "no" or "f" => false,
        _ => throw new ImageFormatException(path, $"{key} must be True or False, got '{Shorten(value)}'"),
    };

    /// <summary>Shortest text that reads back to the same double (MetaIO parses with strtod).</summary>
    public static string FormatNumber(double v) => (v == 0 ? 0.0 : v).ToString("R", CultureInfo.InvariantCulture);

    public static string FormatNumbers(IEnumerable<double> values) => string.Join(' ', values.Select(FormatNumber));

    static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
