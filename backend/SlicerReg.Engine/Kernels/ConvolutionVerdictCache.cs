using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Engine.Kernels;

/// <summary>
/// The self-check's verdict kept on disk (~/.cache/slicerreg/convolution-check.json, or under $XDG_CACHE_HOME), so a
/// command-line run does not pay about a second of checking every time. A verdict is reused only for the same CPU
/// fingerprint (model, feature flags, CPU count), the same libtorch and the same build of the engine (its module id changes
/// with every build), so a new CPU, VM host type, libtorch or check is checked afresh. Any problem with the file means
/// "check again": the cache can make a run faster, never different.
/// </summary>
static class ConvolutionVerdictCache
{
    public static string FilePath
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrWhiteSpace(root)) root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "slicerreg", "convolution-check.json");
        }
    }

    public static string Key()
        => $"{ProcessorInfo.Fingerprint()} | libtorch {TorchSharp.torch.__version__} | engine {typeof(ConvolutionSelfCheck).Assembly.ManifestModule.ModuleVersionId}";

    public static ConvolutionChoice? TryRead()
    {
        try
        {
            string file = FilePath;
            if (!File.Exists(file)) return null;
            using var reader = new JsonTextReader(new StringReader(File.ReadAllText(file))) { DateParseHandling = DateParseHandling.None };
            var o = JObject.Load(reader);
            if ((string?)o["key"] != Key()) return null;
            var path = Enum.Parse<ConvolutionPath>((string)o["path"]!);
            var checks = ((JArray)o["checks"]!).Select(c => new ConvolutionCheckResult(
                Enum.Parse<ConvolutionPath>((string)c["path"]!), (bool)c["passed"]!, (double?)c["worstRelativeError"] ?? double.NaN,
                (string)c["worstCase"]!, TimeSpan.FromMilliseconds((double)c["milliseconds"]!))).ToList();
            return new ConvolutionChoice(path, $"{(string)o["reason"]!} [verdict of {(string)o["checkedAt"]!}, cached in {file}; delete it to check again]", checks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or ArgumentException
                                    or InvalidCastException or NullReferenceException or FormatException) { return null; }
    }

    public static void TryWrite(ConvolutionChoice choice)
    {
        try
        {
            var o = new JObject
            {
                ["key"] = Key(), ["path"] = choice.Path.ToString(), ["reason"] = choice.Reason,
                ["checkedAt"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["checks"] = new JArray(choice.Checks.Select(c => new JObject
                {
                    ["path"] = c.Path.ToString(), ["passed"] = c.Passed,
                    ["worstRelativeError"] = double.IsFinite(c.WorstRelativeError) ? c.WorstRelativeError : null,
                    ["worstCase"] = c.WorstCase, ["milliseconds"] = Math.Round(c.Elapsed.TotalMilliseconds, 1),
                })),
            };
            string file = FilePath;
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var bytes = System.Text.Encoding.UTF8.GetBytes(o.ToString(Formatting.Indented) + "\n");
            AtomicFile.Write(file, s => s.Write(bytes));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
