using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>Nrrd reader and writer (to be implemented).</summary>
public sealed class NrrdFormat : IVolumeFormat
{
    public string Name => "Nrrd";
    public IReadOnlyList<string> Extensions { get; } = new[] { ".nrrd", ".nhdr" };
    public Volume Read(string path) => throw new NotImplementedException();
    public void Write(Volume volume, string path, VolumeWriteOptions? options = null) => throw new NotImplementedException();
}
