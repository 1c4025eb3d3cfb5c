using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>MetaImage reader and writer (to be implemented).</summary>
public sealed class MetaImageFormat : IVolumeFormat
{
    public string Name => "MetaImage";
    public IReadOnlyList<string> Extensions { get; } = new[] { ".mha", ".mhd" };
    public Volume Read(string path) => throw new NotImplementedException();
    public void Write(Volume volume, string path, VolumeWriteOptions? options = null) => throw new NotImplementedException();
}
