using SlicerReg.Core.IO;

namespace SlicerReg.Plotting;

/// <summary>
/// A rendered figure: its PNG, its size, where its data area lies on it and how data map to pixels there (for an
/// overlay, the image and radiograph pixel units), so that tests and callers can find the data in the picture.
/// </summary>
public sealed record Figure(byte[] Png, int Width, int Height, PixelRect PlotArea, AxisScale X, AxisScale Y)
{
    /// <summary>Writes the PNG atomically (<see cref="AtomicFile"/>): readers never see half a picture.</summary>
    public void Save(string pngPath)
    {
        if (string.IsNullOrWhiteSpace(pngPath)) throw new ArgumentException("PNG path must not be empty", nameof(pngPath));
        AtomicFile.Write(pngPath, s => s.Write(Png));
    }
}
