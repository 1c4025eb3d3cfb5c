namespace SlicerReg.Plotting;

/// <summary>A rendered chart: its canvas and where the data area lies on it (inside the axis frame; for an overlay, the image).</summary>
public sealed record Figure(Canvas Canvas, PixelRect PlotArea)
{
    public void Save(string pngPath) => Canvas.Save(pngPath);
}
