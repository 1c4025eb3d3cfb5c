using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// The files of a trained model (docs/training.md): network.json + weights.dat (<see cref="RegistrationNetwork.Save"/>)
/// and the atlas the network was trained with (its copy travels with the weights, so a model folder is self-contained).
/// A training folder also holds best/, the model selected by validation Dice; <see cref="Resolve"/> prefers it.
/// </summary>
public static class ModelFolder
{
    public const string AtlasFileName = "atlas.nrrd", AtlasLabelFileName = "atlas_label.nrrd";
    /// <summary>The subfolder where training keeps the model with the best validation Dice.</summary>
    public const string BestFolder = "best";

    public static void WriteAtlas(string folder, Volume ct, Volume label)
    {
        VolumeFile.Write(ct, Path.Combine(folder, AtlasFileName));
        VolumeFile.Write(label, Path.Combine(folder, AtlasLabelFileName));
    }

    public static (Volume Ct, Volume Label) ReadAtlas(string folder)
    {
        string ct = Path.Combine(folder, AtlasFileName), label = Path.Combine(folder, AtlasLabelFileName);
        if (!File.Exists(ct)) throw new ImageFormatException(ct, "the model's atlas is missing");
        if (!File.Exists(label)) throw new ImageFormatException(label, "the model's atlas label map is missing");
        var c = VolumeFile.Read(ct); var l = VolumeFile.Read(label);
        NetworkInputs.CheckPair(c, l, ct);
        return (c, l);
    }

    /// <summary>The folder to load: <paramref name="folder"/>/best when it holds a network, else the folder itself (which must).</summary>
    public static string Resolve(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder {folder} not found");
        string best = Path.Combine(folder, BestFolder);
        if (File.Exists(Path.Combine(best, RegistrationNetwork.ConfigFileName))) return best;
        string config = Path.Combine(folder, RegistrationNetwork.ConfigFileName);
        if (!File.Exists(config)) throw new ImageFormatException(config, "not a model folder: network.json not found (train one with slicerreg train)");
        return folder;
    }
}
