using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>Reads and writes volumes, choosing the format from the file name; reads DICOM images too, known by content or the .dcm name.</summary>
public static class VolumeFile
{
    public static readonly IReadOnlyList<IVolumeFormat> Formats = new IVolumeFormat[] { new NrrdFormat(), new NiftiFormat(), new MetaImageFormat() };

    public static IVolumeFormat FormatFor(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        foreach (var f in Formats)
            foreach (var ext in f.Extensions)
                if (name.EndsWith(ext, StringComparison.Ordinal)) return f;
        throw new ImageFormatException(path, "unknown file type: expected .nrrd, .nhdr, .nii, .nii.gz, .mha or .mhd" +
                                             (DicomFile.HasDicomName(path) ? " (DICOM is read, not written)" : " (or, to read, a DICOM file)"));
    }

    /// <summary>DICOM is read only (<see cref="DicomImage"/>): not one of <see cref="Formats"/>, which are written too.</summary>
    public const string DicomName = "DICOM";

    /// <summary>
    /// True when <see cref="Read"/> takes <paramref name="path"/> as DICOM: a .dcm/.dicom name, or a regular file with a
    /// Part 10 header (<see cref="DicomFile.HasPart10Header"/>; radiographs often come without an extension) whose name
    /// is none of <see cref="Formats"/>' (an NRRD header's text could hold "DICM" at byte 128).
    /// </summary>
    public static bool IsDicom(string path)
    {
        if (DicomFile.HasDicomName(path)) return true;
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (Formats.Any(f => f.Extensions.Any(e => name.EndsWith(e, StringComparison.Ordinal))) || !File.Exists(path)) return false;
        InputFile.RequireRegular(path); // never open a FIFO or device to look at its first bytes
        return DicomFile.HasPart10Header(path);
    }

    /// <summary>The name of the format <see cref="Read"/> takes <paramref name="path"/> for.</summary>
    public static string ReadFormatName(string path) => IsDicom(path) ? DicomName : FormatFor(path).Name;

    public static Volume Read(string path)
    {
        if (IsDicom(path)) return ReadDicom(path);
        var format = FormatFor(path);
        InputFile.RequireRegular(path);
        try { return format.Read(path); }
        catch (ImageFormatException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or OverflowException or InvalidOperationException or OutOfMemoryException)
        {
            throw new ImageFormatException(path, $"cannot read as {format.Name}: {e.Message}", e);
        }
    }

    static Volume ReadDicom(string path)
    {
        try { return DicomImage.Read(path); }
        catch (ImageFormatException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or OverflowException or InvalidOperationException or OutOfMemoryException)
        {
            throw new ImageFormatException(path, $"cannot read as DICOM: {e.Message}", e);
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
