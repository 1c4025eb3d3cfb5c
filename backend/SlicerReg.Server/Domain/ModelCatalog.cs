using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;

namespace SlicerReg.Server.Domain;

/// <summary>
/// The models this daemon lists: the built-in engines, and what `--models DIR` holds (docs/daemon.md "Models"):
/// <list type="bullet">
/// <item>every model folder — DIR itself, or each folder in DIR — holding network.json (or best/network.json, as
///   `slicerreg train` leaves it) is loaded once, here, as a <see cref="NetworkEngine"/> shared by every job. Its name is
///   card.json's "name", else the folder's name; its card is card.json's "summary" and "description" when present. A model
///   folder carries its atlas (atlas.nrrd + atlas_label.nrrd, as `train` writes them) or uses the shipped atlas of its
///   preset (atlas/&lt;preset&gt;/, <see cref="ShippedAtlas"/>). One that cannot be loaded (weights missing, wrong grid,
///   …) is listed as unavailable with the reason;</item>
/// <item>a card DIR/*.json ({"name", "summary", "description"}) with no model folder is listed as unavailable.</item>
/// </list>
/// </summary>
public sealed class ModelCatalog : IDisposable
{
    public const string CardFileName = "card.json";

    public IReadOnlyDictionary<string, IRegistrationEngine> Engines { get; }
    public IReadOnlyList<(EngineCard Card, string Reason)> Unavailable { get; }

    /// <param name="log">told one line per model found (loaded, or why not).</param>
    public ModelCatalog(IEnumerable<IRegistrationEngine> engines, string? modelsDir, string device = "cpu", Action<string>? log = null)
    {
        var loaded = engines.ToDictionary(e => e.Card.Name, StringComparer.Ordinal);
        var listed = new List<(EngineCard, string)>();
        void Claim(string name, string where)
        {
            if (loaded.ContainsKey(name) || listed.Any(l => l.Item1.Name == name))
                throw new ArgumentException($"--models: {where}: the model name '{name}' is already taken");
        }
        if (modelsDir != null)
        {
            if (!Directory.Exists(modelsDir)) throw new ArgumentException($"--models {modelsDir}: no such folder");
            bool single = IsModelFolder(modelsDir);
            var folders = single ? new[] { modelsDir } : Directory.EnumerateDirectories(modelsDir).Where(IsModelFolder).Order(StringComparer.Ordinal).ToArray();
            foreach (var folder in folders)
            {
                JObject? card = null;
                string? cardError = null;
                try { card = ReadCard(Path.Combine(folder, CardFileName)); }
                catch (ArgumentException e) { cardError = e.Message; }
                string name = (string?)card?["name"] ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
                Claim(name, folder);
                try
                {
                    if (cardError != null) throw new ArgumentException(cardError);
                    var engine = Open(folder, name, card, device);
                    loaded[name] = engine;
                    log?.Invoke($"model '{name}': {engine.Card.Summary} (loaded from {engine.Folder})");
                }
                catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or Newtonsoft.Json.JsonException)
                {
                    listed.Add((new EngineCard(name, (string?)card?["summary"] ?? "registration network", (string?)card?["description"] ?? "", Array.Empty<string>(), Array.Empty<string>()),
                                $"the model in {folder} cannot be loaded: {e.Message}"));
                    log?.Invoke($"model '{name}' is listed as unavailable: {e.Message}");
                }
            }
            if (!single)
                foreach (var file in Directory.EnumerateFiles(modelsDir, "*.json").Order(StringComparer.Ordinal))
                {
                    // Anything else there (an index, notes) must not stop the daemon: said in the log and skipped.
                    JObject o;
                    try { o = ReadCard(file)!; }
                    catch (ArgumentException e) { log?.Invoke($"{e.Message}: ignored"); continue; }
                    if ((string?)o["name"] is not { } name) { log?.Invoke($"{file}: not a model card (no \"name\"): ignored"); continue; }
                    Claim(name, file);
                    listed.Add((new EngineCard(name, (string?)o["summary"] ?? "", (string?)o["description"] ?? "", Array.Empty<string>(), Array.Empty<string>()),
                                $"only a model card: no model folder (network.json + weights.dat) named '{name}' in {modelsDir}"));
                }
        }
        Engines = loaded;
        Unavailable = listed;
        var runnable = loaded.Values.OfType<NetworkEngine>().Where(e => e.UnavailableReason is null).ToList();
        DefaultModel = (runnable.FirstOrDefault(e => e.Card.Name == ShippedModel.DefaultName) ?? runnable.FirstOrDefault())?.Card.Name;
    }

    /// <summary>
    /// The model clients preselect (ModelCard.is_default): the shipped default (<see cref="ShippedModel.DefaultName"/>, the
    /// same as `demo`'s) when it is served and can run, else the first trained model that can run, in the order they were
    /// found; null when there is none. Never the identity placeholder, which registers nothing.
    /// </summary>
    public string? DefaultModel { get; }

    /// <summary>A folder `slicerreg train` wrote (network.json, or best/network.json).</summary>
    public static bool IsModelFolder(string folder)
        => File.Exists(Path.Combine(folder, RegistrationNetwork.ConfigFileName)) ||
           File.Exists(Path.Combine(folder, ModelFolder.BestFolder, RegistrationNetwork.ConfigFileName));

    static JObject? ReadCard(string file)
    {
        if (!File.Exists(file)) return null;
        try { return JObject.Parse(File.ReadAllText(file)); }
        catch (Exception e) when (e is IOException or Newtonsoft.Json.JsonException) { throw new ArgumentException($"model card {file}: {e.Message}", e); }
    }

    static NetworkEngine Open(string folder, string name, JObject? card, string device)
    {
        var model = ModelDescription.Open(folder); // network.json read once, here, for the catalog, the Registrar and its network
        var (resolved, config) = model;
        bool ownAtlas = File.Exists(Path.Combine(resolved, ModelFolder.AtlasFileName));
        var (atlasCt, atlasLabel) = ownAtlas ? (null, null) : ((string?, string?))ShippedAtlas.Find(config.Preset);
        var registrar = Registrar.Load(model, device, atlasCt, atlasLabel);
        try
        {
            string atlasName = ownAtlas ? Path.Combine(Path.GetFileName(resolved), ModelFolder.AtlasFileName) : $"atlas/{config.Preset}/{ShippedAtlas.CtFileName}";
            var preset = registrar.Preset;
            string trained = TrainingSummary(resolved);
            string summary = (string?)card?["summary"] ?? $"{preset.Name} registration network (Van Houtte et al. 2022), {config.Input} radiographs, {trained}";
            string description = (string?)card?["description"] ??
                $"Registers the atlas ({atlasName}, {preset.VolumeSize} voxels) to an AP and a lateral radiograph with the network in {resolved}: " +
                $"an affine module, then a local module (stationary velocity field, scaling and squaring). Preset {preset.Name}: radiographs are " +
                $"block-averaged onto {preset.RadiographColumns}×{preset.RadiographRows} pixels, so their size must be a whole multiple of that; input " +
                $"{config.Input} ({(config.Input == NetworkConfig.Masked ? "radiographs masked to the femur, as in training" : "whole radiographs")}), " +
                "attenuation images (bone bright). Results: the warped atlas (HU), its warped label map, the displacement field (pull-back, mm), " +
                $"the affine (atlas → patient), and the warped femur projected through each view (overlay_ap, overlay_lateral). {trained}.";
            return new NetworkEngine(name, registrar, summary, description, atlasName, device);
        }
        catch { registrar.Dispose(); throw; }
    }

    /// <summary>"trained N epoch(s), best validation Dice D" from training.json, or why there is no such record.</summary>
    static string TrainingSummary(string folder)
    {
        string path = Path.Combine(folder, Engine.Training.TrainingState.FileName);
        if (!File.Exists(path)) return $"no training record ({Engine.Training.TrainingState.FileName}) in the model folder";
        try
        {
            var state = Engine.Training.TrainingState.Read(path);
            return $"trained {state.EpochsDone} epoch(s)" + (double.IsFinite(state.BestDice) ? $", best validation Dice {state.BestDice:0.000}" : "");
        }
        catch (Exception e) when (e is IOException or ArgumentException or Newtonsoft.Json.JsonException) { return $"{Engine.Training.TrainingState.FileName} unreadable ({e.Message})"; }
    }

    public void Dispose()
    {
        foreach (var e in Engines.Values) (e as IDisposable)?.Dispose();
    }
}
