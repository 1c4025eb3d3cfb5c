using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Training;

/// <summary>
/// Settings of a training run (`slicerreg train`). Null preset, learning rate, seed, input and radiographs mean "the default" for a new
/// run and "the checkpoint's" for a resumed one; a value given for a resumed run must equal the checkpoint's.
/// </summary>
public sealed record TrainingOptions
{
    public const double PaperLearningRate = 1e-5; // paper, "Training details": Adam, learning rate 10⁻⁵

    public required string DataFolder { get; init; }
    public required string ModelFolder { get; init; }
    /// <summary>Atlas CT (HU) and its label map on the dataset's grid; ignored when resuming (the model folder holds its copy).</summary>
    public string? AtlasCt { get; init; }
    public string? AtlasLabel { get; init; }
    public string? Preset { get; init; }
    public int Epochs { get; init; } = 1;
    public double? LearningRate { get; init; }
    public long? Seed { get; init; }
    public string? Input { get; init; }
    /// <summary>Which radiographs the network is given: one of <see cref="DatasetRadiographs.Names"/> (default <see cref="DatasetRadiographs.Drr"/>).</summary>
    public string? Radiographs { get; init; }
    public bool Resume { get; init; }
    /// <summary>Compute device: cpu, cuda, cuda:N.</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>Base network configuration (ablation switches, hyper-parameters); preset, input and seed are set from this record.</summary>
    public NetworkConfig? Network { get; init; }

    public double EffectiveLearningRate => LearningRate ?? PaperLearningRate;

    public TrainingOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(DataFolder)) throw new ArgumentException("the dataset folder is required");
        if (string.IsNullOrWhiteSpace(ModelFolder)) throw new ArgumentException("the model folder is required");
        if (Epochs < 1) throw new ArgumentException($"epochs must be at least 1, got {Epochs}");
        if (LearningRate is { } lr && !(lr > 0 && double.IsFinite(lr))) throw new ArgumentException($"learning rate must be a positive number, got {lr}");
        if (Input is not (null or NetworkConfig.Masked or NetworkConfig.Unmasked)) throw new ArgumentException($"input must be {NetworkConfig.Masked} or {NetworkConfig.Unmasked}, got '{Input}'");
        if (Radiographs is not null) DatasetRadiographs.Check(Radiographs);
        if (Preset is not null) _ = NetworkPreset.Named(Preset);
        return this;
    }
}
