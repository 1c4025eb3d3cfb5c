namespace SlicerReg.Core.Xray;

/// <summary>
/// Which pixels of an intensity radiograph lie inside the collimated field. Behind the collimator blades the detector gets
/// no primary beam, and CR/DX systems shutter (blank) that region electronically; either way it is far darker than any
/// exposed pixel. The rule: a pixel is outside the field when its intensity is at most <see cref="DarkFraction"/>·I₀
/// (a line integral above −ln 0.002 ≈ 6.2, more than 30 cm of water) and it is connected (4-neighbours) through such
/// pixels to the image border. Connection to the border keeps a dark object inside the field (a metal implant, a lead
/// marker) in the field; the threshold leaves every exposed pixel of a hip radiograph in it (the thickest paths through
/// the pelvis and thigh stay below p ≈ 5). The field found is then eroded by one pixel: the blades' penumbra and the
/// detector's blur darken the pixels along its edge, whose line integrals would read too high. A field that reaches every
/// border has no outside pixels.
/// </summary>
public static class Collimation
{
    public const double DarkFraction = 0.002;

    /// <summary>True for the pixels inside the field (row-major, column fastest) of a columns × rows intensity image.</summary>
    public static bool[] InsideField(float[] intensity, int columns, int rows, double i0)
    {
        if (intensity.Length != columns * rows) throw new ArgumentException($"{intensity.Length} pixels do not fill {columns}×{rows}");
        double dark = DarkFraction * i0;
        var outside = new bool[intensity.Length];
        var stack = new Stack<int>();
        void Visit(int n) { if (!outside[n] && !(intensity[n] > dark)) { outside[n] = true; stack.Push(n); } }
        for (int c = 0; c < columns; c++) { Visit(c); Visit((rows - 1) * columns + c); }
        for (int r = 0; r < rows; r++) { Visit(r * columns); Visit(r * columns + columns - 1); }
        while (stack.Count > 0)
        {
            int n = stack.Pop(), c = n % columns, r = n / columns;
            if (c > 0) Visit(n - 1);
            if (c < columns - 1) Visit(n + 1);
            if (r > 0) Visit(n - columns);
            if (r < rows - 1) Visit(n + columns);
        }
        var inside = new bool[outside.Length];
        for (int n = 0; n < inside.Length; n++)
        {
            int c = n % columns, r = n / columns;
            inside[n] = !outside[n] && !(c > 0 && outside[n - 1]) && !(c < columns - 1 && outside[n + 1])
                        && !(r > 0 && outside[n - columns]) && !(r < rows - 1 && outside[n + columns]);
        }
        return inside;
    }
}
