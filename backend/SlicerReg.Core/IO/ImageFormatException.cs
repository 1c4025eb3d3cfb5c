namespace SlicerReg.Core.IO;

/// <summary>A file could not be read or written as an image; the message names the file and the problem.</summary>
public sealed class ImageFormatException : IOException
{
    public string FilePath { get; }
    public string Problem { get; }
    public ImageFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner) { FilePath = path; Problem = problem; }
}
