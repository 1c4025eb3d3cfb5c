using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Engine.Training;

/// <summary>One finished epoch: mean training loss and the validation Dice after it (NaN without a validation set).</summary>
public sealed record EpochRecord(int Epoch, long Step, double TrainLoss, double ValidationDiceAffine, double ValidationDice, double Seconds);

/// <summary>
/// Where a training run stands (MODEL/training.json): the settings it runs with (radiographs included), how far it got (epochs finished, steps
/// into the current epoch, global step), the best validation Dice and its epoch, and one record per finished epoch.
/// Together with the weights and the Adam state beside it, enough to continue exactly (<see cref="Trainer"/>).
/// </summary>
public sealed record TrainingState
{
    public const string FileName = "training.json";
    public const string FormatName = "slicerreg-training";
    public const int FormatVersion = 1;

    public required string DataFolder { get; init; }
    public required string Preset { get; init; }
    public required string Input { get; init; }
    /// <summary>The radiographs the network is given (<see cref="Core.Population.DatasetRadiographs"/>); absent in files older than the option: drr.</summary>
    public string Radiographs { get; init; } = Core.Population.DatasetRadiographs.Drr;
    public required double LearningRate { get; init; }
    public required long Seed { get; init; }
    public required int Epochs { get; init; }
    public int EpochsDone { get; init; }
    public int StepInEpoch { get; init; }
    public long Step { get; init; }
    public double BestDice { get; init; } = double.NaN;
    public int BestEpoch { get; init; } = -1;
    /// <summary>Whether optimizer.dat holds the Adam moments (TorchSharp's save_state_dict) — true for every run this program makes.</summary>
    public bool OptimizerStateSaved { get; init; } = true;
    public IReadOnlyList<EpochRecord> History { get; init; } = Array.Empty<EpochRecord>();

    public string ToJson()
    {
        var o = JObject.FromObject(this, JsonSerializer.Create(Settings));
        o.AddFirst(new JProperty("version", FormatVersion));
        o.AddFirst(new JProperty("format", FormatName));
        return o.ToString(Formatting.Indented) + "\n";
    }

    public static TrainingState Read(string path)
    {
        if (!File.Exists(path)) throw new ImageFormatException(path, "training state not found (was this model folder written by slicerreg train?)");
        JObject o;
        try { o = JObject.Parse(File.ReadAllText(path)); }
        catch (JsonReaderException e) { throw new ImageFormatException(path, $"not valid JSON: {e.Message}"); }
        if ((string?)o["format"] != FormatName) throw new ImageFormatException(path, $"\"format\" must be \"{FormatName}\"");
        if (o["version"]?.Type != JTokenType.Integer || (int)o["version"]! != FormatVersion)
            throw new ImageFormatException(path, $"\"version\" must be {FormatVersion}, got {o["version"]?.ToString() ?? "nothing"}");
        o.Remove("format"); o.Remove("version");
        try { return o.ToObject<TrainingState>(JsonSerializer.Create(Settings)) ?? throw new ImageFormatException(path, "empty training state"); }
        catch (JsonException e) { throw new ImageFormatException(path, e.Message); }
    }

    static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new Newtonsoft.Json.Serialization.DefaultContractResolver { NamingStrategy = new Newtonsoft.Json.Serialization.CamelCaseNamingStrategy() },
        FloatFormatHandling = FloatFormatHandling.String, // NaN before the first validation
    };
}
