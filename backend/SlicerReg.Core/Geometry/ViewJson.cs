using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SlicerReg.Core.Geometry;

/// <summary>
/// The JSON object of a view (file, metadata key, protocol text), parsed with errors in the user's words: not JSON, not an
/// object, nested too deeply (a hostile file a million brackets deep must not exhaust the stack), or text after the object.
/// </summary>
static class ViewJson
{
    /// <summary>A view is a flat object; its deepest legal value is an array inside it (depth 2). The margin is for "description".</summary>
    public const int MaxDepth = 16;

    public static JObject Parse(string json, string origin)
    {
        using var reader = new JsonTextReader(new StringReader(json)) { MaxDepth = MaxDepth, DateParseHandling = DateParseHandling.None };
        try
        {
            if (!reader.Read()) throw new FormatException($"{origin}: empty: a view is one JSON object {{\"source\": …}}");
            if (reader.TokenType != JsonToken.StartObject)
                throw new FormatException($"{origin}: a view is one JSON object {{…}}, but this text starts with {What(reader.TokenType)}");
            var o = JObject.Load(reader);
            while (reader.Read())
                if (reader.TokenType != JsonToken.Comment) throw new FormatException($"{origin}: text after the view's closing brace (line {reader.LineNumber}, position {reader.LinePosition})");
            return o;
        }
        catch (JsonReaderException e) when (e.Message.Contains("MaxDepth", StringComparison.Ordinal))
        {
            throw new FormatException($"{origin}: nested more than {MaxDepth} levels deep (line {e.LineNumber}); a view is a flat object of numbers and arrays", e);
        }
        catch (JsonReaderException e) when (e.Message.StartsWith("Additional text", StringComparison.Ordinal))
        {
            throw new FormatException($"{origin}: text after the view's closing brace (line {e.LineNumber}, position {e.LinePosition})", e);
        }
        catch (JsonReaderException e) { throw new FormatException($"{origin}: not valid JSON: {e.Message}", e); }
    }

    static string What(JsonToken t) => t switch
    {
        JsonToken.StartArray => "an array [",
        JsonToken.String => "a string",
        JsonToken.Integer or JsonToken.Float => "a number",
        JsonToken.Boolean => "true or false",
        JsonToken.Null => "null",
        _ => t.ToString(),
    };
}
