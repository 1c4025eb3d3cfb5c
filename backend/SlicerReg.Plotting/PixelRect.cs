namespace SlicerReg.Plotting;

/// <summary>A rectangle of pixels: columns Left..Right−1, rows Top..Bottom−1 (row 0 at the top).</summary>
public readonly record struct PixelRect(int Left, int Top, int Width, int Height)
{
    public int Right => Left + Width;
    public int Bottom => Top + Height;
}
