using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>Nifti reader and writer (to be implemented).</summary>
public sealed class NiftiFormat : IVolumeFormat
{
    public string Name => "Nifti";
    public IReadOnlyList<string> Extensions { get; } = new[] { ".nii.gz", ".nii" };
    public Volume Read(string path) => throw new NotImplementedException();
    public void Write(Volume volume, string path, VolumeWriteOptions? options = null) => throw new NotImplementedException();
}
