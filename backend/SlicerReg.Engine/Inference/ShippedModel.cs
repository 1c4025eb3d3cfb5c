using SlicerReg.Core.Anatomy;
using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// The trained models shipped in atlas/models/NAME (network.json, weights.dat, the atlas copy, card.json, MODEL_CARD.md;
/// docs/training.md "Shipped model"). Found like the atlases: walking up from the program's folder and from the current folder.
/// </summary>
public static class ShippedModel
{
    /// <summary>The default model of `slicerreg demo`, the daemon (ModelCatalog.DefaultModel) and so the Slicer module; chosen by
    /// measured accuracy on the paper grid (docs/training.md "Standard model"; its card says "default": true).</summary>
    public const string DefaultName = "femur-standard";

    public static string Find(string name = DefaultName)
        => ShippedAtlas.FindFolder(Path.Combine("atlas", "models", name), f => File.Exists(Path.Combine(f, RegistrationNetwork.ConfigFileName)), out var looked)
           ?? throw new FileNotFoundException($"the shipped model atlas/models/{name} was not found above the program or the current folder " +
                                              $"(looked in {string.Join(", ", looked)}, …); give --model FOLDER");
}
