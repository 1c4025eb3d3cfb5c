using Newtonsoft.Json.Linq;

namespace SlicerReg.Server.Domain;

/// <summary>
/// The models this daemon lists: the engines it can run, plus model cards found in --models DIR (DIR/*.json with at
/// least "name") that it lists as unavailable — this build has no engine that loads trained weights yet.
/// </summary>
public sealed class ModelCatalog
{
    public IReadOnlyDictionary<string, IRegistrationEngine> Engines { get; }
    public IReadOnlyList<(EngineCard Card, string Reason)> Unavailable { get; }

    public ModelCatalog(IEnumerable<IRegistrationEngine> engines, string? modelsDir)
    {
        Engines = engines.ToDictionary(e => e.Card.Name, StringComparer.Ordinal);
        var listed = new List<(EngineCard, string)>();
        if (modelsDir != null)
        {
            if (!Directory.Exists(modelsDir)) throw new ArgumentException($"--models {modelsDir}: no such folder");
            foreach (var file in Directory.EnumerateFiles(modelsDir, "*.json").Order(StringComparer.Ordinal))
            {
                JObject o;
                try { o = JObject.Parse(File.ReadAllText(file)); }
                catch (Exception e) when (e is IOException or Newtonsoft.Json.JsonException) { throw new ArgumentException($"model card {file}: {e.Message}", e); }
                string name = (string?)o["name"] ?? throw new ArgumentException($"model card {file}: missing \"name\"");
                if (Engines.ContainsKey(name)) throw new ArgumentException($"model card {file}: name '{name}' is taken by a built-in engine");
                listed.Add((new EngineCard(name, (string?)o["summary"] ?? "", (string?)o["description"] ?? "", Array.Empty<string>(), Array.Empty<string>()),
                            "this build has no engine that loads trained network weights yet (see docs/daemon.md)"));
            }
        }
        Unavailable = listed;
    }
}
