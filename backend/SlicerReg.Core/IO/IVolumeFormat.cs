using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>Options a writer may honour; each format documents which.</summary>
public sealed record VolumeWriteOptions
{
    /// <summary>gzip the voxel data (NRRD encoding gzip, .nii.gz, MetaImage CompressedData). Default: from the file name for NIfTI, else true.</summary>
    public bool? Compress { get; init; }
    /// <summary>World frame of the header where the format allows a choice (NRRD "space"). Default RAS for NRRD.</summary>
    public Geometry.CoordinateSystem? Space { get; init; }
    public static readonly VolumeWriteOptions Default = new();
}

/// <summary>One medical image file format: reads into and writes from a <see cref="Volume"/> in RAS.</summary>
public interface IVolumeFormat
{
    string Name { get; }
    /// <summary>Lower-case file name endings this format owns, longest first (".nii.gz" before ".nii").</summary>
    IReadOnlyList<string> Extensions { get; }
    Volume Read(string path);
    void Write(Volume volume, string path, VolumeWriteOptions? options = null);
}
