using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>Reads and writes volumes, choosing the format from the file name.</summary>
public static class VolumeFile
{
    public static readonly IReadOnlyList<IVolumeFormat> Formats = new IVolumeFormat[] { new NrrdFormat(), new NiftiFormat(), new MetaImageFormat() };

    public static IVolumeFormat FormatFor(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        foreach (var f in Formats)
            foreach (var ext in f.Extensions)
                if (name.EndsWith(ext, StringComparison.Ordinal)) return f;
        throw new ImageFormatException(path, "unknown file type: expected .nrrd, .nhdr, .nii, .nii.gz, .mha or .mhd");
    }

    public static Volume Read(string path)
    {
        var format = FormatFor(path);
        InputFile.RequireRegular(path);
        try { return format.Read(path); }
        catch (ImageFormatException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or OverflowException or InvalidOperationException or OutOfMemoryException)
        {
            throw new ImageFormatException(path, $"cannot read as {format.Name}: {e.Message}", e);
        }
    }

    public static void Write(Volume volume, string path, VolumeWriteOptions? options = null)
    {
        var format = FormatFor(path);
        try { format.Write(volume, path, options ?? VolumeWriteOptions.Default); }
        catch (ImageFormatException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ImageFormatException(path, $"cannot write as {format.Name}: {e.Message}", e);
        }
    }
}
