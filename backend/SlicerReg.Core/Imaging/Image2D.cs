namespace SlicerReg.Core.Imaging;

/// <summary>
/// A 2D radiograph or DRR: float pixels, row-major with the column index fastest (pixel (c, r) at r·Columns + c).
/// Row 0 is the top row as displayed. Spacing is measured at the detector, in millimetres.
/// Its placement in 3D belongs to the calibrated view it was taken with, not to this type.
/// </summary>
public sealed class Image2D
{
    public int Columns { get; }
    public int Rows { get; }
    public double ColumnSpacingMm { get; }
    public double RowSpacingMm { get; }
    public float[] Pixels { get; }

    public Image2D(int columns, int rows, double columnSpacingMm, double rowSpacingMm, float[]? pixels = null)
    {
        if (columns < 1 || rows < 1) throw new ArgumentException($"image size must be positive, got {columns}×{rows}");
        if (!(columnSpacingMm > 0) || !(rowSpacingMm > 0)) throw new ArgumentException($"pixel spacing must be positive, got {columnSpacingMm}×{rowSpacingMm}");
        pixels ??= new float[(long)columns * rows];
        if (pixels.LongLength != (long)columns * rows) throw new ArgumentException($"{pixels.Length} pixels do not fill {columns}×{rows}");
        Columns = columns; Rows = rows; ColumnSpacingMm = columnSpacingMm; RowSpacingMm = rowSpacingMm; Pixels = pixels;
    }

    public float this[int column, int row]
    {
        get => Pixels[(long)row * Columns + column];
        set => Pixels[(long)row * Columns + column] = value;
    }
}
