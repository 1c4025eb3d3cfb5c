using SlicerReg.Client;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Network;

namespace SlicerReg.Cli.Commands;

/// <summary>Inputs the benchmark sections share: synthetic radiographs on the paper's views, untrained model folders.</summary>
public static class BenchmarkInputs
{
    /// <summary>
    /// A radiograph of uniform random pixels on the AP or lateral preset view with <paramref name="columns"/>×<paramref name="rows"/>
    /// pixels on the preset's 160×224 mm detector (timings do not depend on the pixels; a 4096-pixel side at the preset's 1 mm
    /// would be a 4 m detector, which RadiographValidation refuses).
    /// </summary>
    public static Radiograph Image(int columns, int rows, bool lateral)
    {
        var view = ((lateral ? ViewPresets.Lateral : ViewPresets.Ap) with
        {
            Columns = columns, Rows = rows,
            ColumnSpacingMm = ViewPresets.Columns * ViewPresets.PixelSpacingMm / columns, RowSpacingMm = ViewPresets.Rows * ViewPresets.PixelSpacingMm / rows,
        }).ToView();
        var rng = new Random(columns + (lateral ? 1 : 0));
        var pixels = new float[(long)columns * rows];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)rng.NextDouble();
        return new Radiograph(new Image2D(columns, rows, view.ColumnSpacingMm, view.RowSpacingMm, pixels), view);
    }

    /// <summary>
    /// A real network of <paramref name="preset"/>, untrained (seed 1), saved as a model folder under <paramref name="scratch"/>
    /// (network.json + weights.dat, no atlas copy: loading it uses the shipped atlas/&lt;preset&gt;/). Returns the folder.
    /// </summary>
    public static string UntrainedModel(NetworkPreset preset, string scratch)
    {
        string folder = Path.Combine(scratch, "untrained-" + preset.Name);
        if (File.Exists(Path.Combine(folder, RegistrationNetwork.WeightsFileName))) return folder;
        var grid = preset.CentredGrid(NetworkPreset.AtlasCentre);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, ViewPair.Orthogonal(preset, NetworkPreset.AtlasCentre));
        net.Save(folder);
        return folder;
    }
}
