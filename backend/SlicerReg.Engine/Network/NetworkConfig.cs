using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;

namespace SlicerReg.Engine.Network;

/// <summary>
/// Everything needed to rebuild a registration network before loading its weights: the preset, the ablation switches of
/// the paper's "Ablation study", and the hyper-parameters. Saved as JSON beside the weights (VoxelMorph keeps its model
/// arguments with the weights the same way). Unknown JSON keys are rejected so a typo cannot silently fall back to a default.
/// </summary>
public sealed record NetworkConfig
{
    public const string FormatName = "slicerreg-network";
    public const int FormatVersion = 1;

    /// <summary>paper | standard | tiny (<see cref="NetworkPreset"/>).</summary>
    public string Preset { get; init; } = NetworkPreset.Standard.Name;

    // ---- ablation switches (paper, "Ablation study"); all true = the full network ----
    /// <summary>Affine module: concatenate AP and lateral features at every encoder level (false: only before the dense layer).</summary>
    public bool IntermediateConcatenation { get; init; } = true;
    /// <summary>Local module: skip connections between the 2D encoders and the 3D decoders.</summary>
    public bool SkipConnections { get; init; } = true;
    /// <summary>Local module: one 2D-encoder/3D-decoder per view (false: combined encoder features, one shared decoder).</summary>
    public bool SeparateDecoders { get; init; } = true;
    /// <summary>Local module: map the decoded beam features to the patient grid with invProST (false: resize and concatenate).</summary>
    public bool InverseProjection { get; init; } = true;

    /// <summary>
    /// What the radiograph channel carries: "masked" (the paper's input, "Datasets": DRRs masked by the projected femur
    /// label) or "unmasked" (the whole DRR/radiograph). Training and inference read it from here so they never disagree.
    /// </summary>
    public string Input { get; init; } = Masked;

    /// <summary>The two values of <see cref="Input"/>.</summary>
    public const string Masked = "masked", Unmasked = "unmasked";

    // ---- hyper-parameters ----
    /// <summary>Scaling-and-squaring steps (VoxelMorph default 7); 0 uses the velocity as the displacement.</summary>
    public int IntegrationSteps { get; init; } = 7;
    /// <summary>ProST samples per ray K; 0 = the preset's default.</summary>
    public int SamplesPerRay { get; init; }
    /// <summary>M: copies of the last 2D feature map along the ray axis that start the 3D decoder (paper: 4).</summary>
    public int RayCopies { get; init; } = 4;
    /// <summary>Negative slope of every LeakyReLU (VoxelMorph: 0.2).</summary>
    public double LeakySlope { get; init; } = 0.2;
    /// <summary>δ of Eq. 4, weight of the smoothness term (paper: 0.01).</summary>
    public double SmoothnessWeight { get; init; } = 0.01;
    /// <summary>Local NCC window in voxels (odd); 0 = global NCC; −1 = the preset's default.</summary>
    public int NccWindow { get; init; } = -1;
    /// <summary>mm per unit of the three translation outputs of the affine head (keeps all seven outputs of order 1).</summary>
    public double TranslationScaleMm { get; init; } = 10;
    /// <summary>Standard deviation of the affine dense kernel at initialisation ("narrow normal", paper).</summary>
    public double AffineInitStd { get; init; } = 1e-5;
    /// <summary>Standard deviation of the velocity convolution at initialisation (VoxelMorph: 1e-5).</summary>
    public double FlowInitStd { get; init; } = 1e-5;
    /// <summary>Seed of the weight initialisation.</summary>
    public long Seed { get; init; } = 1;

    [JsonIgnore] public NetworkPreset PresetValue => NetworkPreset.Named(Preset);
    [JsonIgnore] public int EffectiveSamplesPerRay => SamplesPerRay > 0 ? SamplesPerRay : PresetValue.SamplesPerRay;
    [JsonIgnore] public int EffectiveNccWindow => NccWindow >= 0 ? NccWindow : PresetValue.NccWindow;

    public static NetworkConfig For(NetworkPreset preset) => new() { Preset = preset.Name };

    /// <summary>Throws with the offending field named unless every value is usable.</summary>
    public NetworkConfig Validate()
    {
        _ = PresetValue;
        void Require(bool ok, string problem) { if (!ok) throw new ArgumentException($"network config: {problem}"); }
        Require(Input is Masked or Unmasked, $"input must be \"{Masked}\" or \"{Unmasked}\", got \"{Input}\"");
        Require(IntegrationSteps is >= 0 and <= 20, $"integrationSteps must be 0…20, got {IntegrationSteps}");
        Require(SamplesPerRay is >= 0 and <= 4096, $"samplesPerRay must be 0 (preset default) … 4096, got {SamplesPerRay}");
        Require(RayCopies is >= 1 and <= 64, $"rayCopies must be 1…64, got {RayCopies}");
        Require(double.IsFinite(LeakySlope) && LeakySlope is >= 0 and < 1, $"leakySlope must be in [0, 1), got {LeakySlope}");
        Require(double.IsFinite(SmoothnessWeight) && SmoothnessWeight >= 0, $"smoothnessWeight must be ≥ 0, got {SmoothnessWeight}");
        Require(NccWindow == -1 || NccWindow == 0 || (NccWindow > 0 && NccWindow % 2 == 1 && NccWindow <= 31), $"nccWindow must be −1 (preset), 0 (global) or an odd size ≤ 31, got {NccWindow}");
        Require(double.IsFinite(TranslationScaleMm) && TranslationScaleMm > 0, $"translationScaleMm must be > 0, got {TranslationScaleMm}");
        Require(double.IsFinite(AffineInitStd) && AffineInitStd >= 0, $"affineInitStd must be ≥ 0, got {AffineInitStd}");
        Require(double.IsFinite(FlowInitStd) && FlowInitStd >= 0, $"flowInitStd must be ≥ 0, got {FlowInitStd}");
        return this;
    }

    static readonly JsonSerializerSettings Settings = new()
    {
        ContractResolver = new Newtonsoft.Json.Serialization.DefaultContractResolver { NamingStrategy = new Newtonsoft.Json.Serialization.CamelCaseNamingStrategy() },
        MissingMemberHandling = MissingMemberHandling.Error,
        Formatting = Formatting.Indented,
    };

    public string ToJson()
    {
        var o = JObject.FromObject(this, JsonSerializer.Create(Settings));
        o.AddFirst(new JProperty("version", FormatVersion));
        o.AddFirst(new JProperty("format", FormatName));
        return o.ToString(Formatting.Indented);
    }

    /// <summary>Parses and validates; <paramref name="origin"/> (a path) names the input in errors.</summary>
    public static NetworkConfig FromJson(string json, string origin = "network config")
    {
        JObject o;
        try { o = JObject.Parse(json); }
        catch (JsonReaderException e) { throw new ImageFormatException(origin, $"not valid JSON: {e.Message}"); }
        if ((string?)o["format"] != FormatName) throw new ImageFormatException(origin, $"\"format\" must be \"{FormatName}\"");
        if (o["version"]?.Type != JTokenType.Integer || (int)o["version"]! != FormatVersion)
            throw new ImageFormatException(origin, $"\"version\" must be {FormatVersion}, got {o["version"]?.ToString() ?? "nothing"}");
        o.Remove("format"); o.Remove("version");
        try { return (o.ToObject<NetworkConfig>(JsonSerializer.Create(Settings)) ?? throw new ImageFormatException(origin, "empty config")).Validate(); }
        catch (JsonException e) { throw new ImageFormatException(origin, e.Message); }
        catch (ArgumentException e) { throw new ImageFormatException(origin, e.Message); }
    }

    /// <summary>Writes the JSON atomically (the file appears whole or not at all).</summary>
    public void Save(string path)
    {
        Validate();
        var bytes = System.Text.Encoding.UTF8.GetBytes(ToJson() + "\n");
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    public static NetworkConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ImageFormatException(path, "network config file not found");
        return FromJson(File.ReadAllText(path), path);
    }
}
