using SlicerReg.Engine.Network;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// A model folder as read once: the folder actually loaded (<see cref="ModelFolder.Resolve"/>: MODEL/best when present)
/// and its network.json. The daemon's catalog, the <see cref="Registrar"/> and the network it builds all take this one
/// description instead of reading network.json again.
/// </summary>
public sealed record ModelDescription(string Folder, NetworkConfig Config)
{
    public static ModelDescription Open(string modelFolder)
    {
        string folder = ModelFolder.Resolve(modelFolder);
        return new ModelDescription(folder, NetworkConfig.Load(Path.Combine(folder, RegistrationNetwork.ConfigFileName)));
    }
}
