namespace SlicerReg.Plotting;

/// <summary>
/// Okabe &amp; Ito's colour-blind-safe qualitative palette (Color Universal Design, 2008), black left out (it draws the
/// axes) and yellow last (weak on white). Series and groups take colours in this order, cycling.
/// </summary>
public static class Palette
{
    public static readonly IReadOnlyList<Rgb> Qualitative = new Rgb[]
    {
        new(0, 114, 178),    // blue
        new(213, 94, 0),     // vermillion
        new(0, 158, 115),    // bluish green
        new(230, 159, 0),    // orange
        new(204, 121, 167),  // reddish purple
        new(86, 180, 233),   // sky blue
        new(240, 228, 66),   // yellow
    };

    public static Rgb Colour(int index) => Qualitative[((index % Qualitative.Count) + Qualitative.Count) % Qualitative.Count];
}
