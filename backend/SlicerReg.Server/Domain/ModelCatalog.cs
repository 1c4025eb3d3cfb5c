using Newtonsoft.Json.Linq;

namespace SlicerReg.Server.Domain;

/// <summary>
/// The models this daemon lists: the engines it can run — the built-in ones, plus a <see cref="NetworkEngine"/> for every
/// trained model folder in --models DIR (a subfolder with network.json, or best/network.json, as `slicerreg train`
/// writes it; named after the subfolder) — and model cards DIR/*.json (at least "name") listed as unavailable, as is a
/// model folder that cannot be loaded (with the reason).
/// </summary>
public sealed class ModelCatalog
{
    public IReadOnlyDictionary<string, IRegistrationEngine> Engines { get; }
    public IReadOnlyList<(EngineCard Card, string Reason)> Unavailable { get; }

    public ModelCatalog(IEnumerable<IRegistrationEngine> engines, string? modelsDir)
    {
        var all = engines.ToDictionary(e => e.Card.Name, StringComparer.Ordinal);
        Engines = all;
        var listed = new List<(EngineCard, string)>();
        if (modelsDir != null)
        {
            if (!Directory.Exists(modelsDir)) throw new ArgumentException($"--models {modelsDir}: no such folder");
            foreach (var folder in Directory.EnumerateDirectories(modelsDir).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(folder);
                bool isModel = File.Exists(Path.Combine(folder, "network.json")) || File.Exists(Path.Combine(folder, "best", "network.json"));
                if (!isModel) continue;
                if (all.ContainsKey(name)) throw new ArgumentException($"model folder {folder}: name '{name}' is taken by a built-in engine");
                try { all[name] = new NetworkEngine(name, Engine.Inference.Registrar.Load(folder)); }
                catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
                {
                    listed.Add((new EngineCard(name, "trained network (cannot be loaded)", "", Array.Empty<string>(), Array.Empty<string>()), $"model folder {folder} cannot be loaded: {e.Message}"));
                }
            }
            foreach (var file in Directory.EnumerateFiles(modelsDir, "*.json").Order(StringComparer.Ordinal))
            {
                JObject o;
                try { o = JObject.Parse(File.ReadAllText(file)); }
                catch (Exception e) when (e is IOException or Newtonsoft.Json.JsonException) { throw new ArgumentException($"model card {file}: {e.Message}", e); }
                string name = (string?)o["name"] ?? throw new ArgumentException($"model card {file}: missing \"name\"");
                if (all.ContainsKey(name)) throw new ArgumentException($"model card {file}: name '{name}' is taken by a built-in engine");
                listed.Add((new EngineCard(name, (string?)o["summary"] ?? "", (string?)o["description"] ?? "", Array.Empty<string>(), Array.Empty<string>()),
                            "this build has no engine that loads trained network weights yet (see docs/daemon.md)"));
            }
        }
        Unavailable = listed;
    }
}
