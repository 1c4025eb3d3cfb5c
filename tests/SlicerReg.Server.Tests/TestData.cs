using System.Runtime.InteropServices;
using Newtonsoft.Json.Linq;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>An atlas written by nibabel (independent of our NIfTI writer): its voxels and IJK→RAS are the expected values.</summary>
public sealed record NiftiAtlas(string Path, float[] Voxels, GridSize Size, double[] IjkToRasRowMajor);

public static class TestData
{
    /// <summary>An oblique IJK→RAS (rotation about S by 30°, anisotropic spacing, non-zero origin) so the matrix is tested.</summary>
    public static readonly double[] ObliqueAffine =
    {
        1.5 * Math.Cos(Math.PI / 6), -1.2 * Math.Sin(Math.PI / 6), 0, -40.5,
        1.5 * Math.Sin(Math.PI / 6), 1.2 * Math.Cos(Math.PI / 6), 0, 12.25,
        0, 0, 2.0, -80,
        0, 0, 0, 1,
    };

    public static NiftiAtlas MakeAtlas(TempFolder folder, string name, GridSize size, int seed)
    {
        var rng = new Random(seed);
        var voxels = new float[size.VoxelCount];
        for (long n = 0; n < voxels.LongLength; n++) voxels[n] = (float)(rng.NextDouble() * 2000 - 1000);
        string raw = folder.File(name + ".raw"), json = folder.File(name + ".json"), nii = folder.File(name + ".nii");
        File.WriteAllBytes(raw, MemoryMarshal.AsBytes(voxels.AsSpan()).ToArray());
        var affine = new JArray(Enumerable.Range(0, 4).Select(r => new JArray(ObliqueAffine.Skip(4 * r).Take(4))));
        File.WriteAllText(json, new JObject { ["shape"] = new JArray(size.I, size.J, size.K), ["dtype"] = "float32", ["affine"] = affine, ["forms"] = "both" }.ToString());
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "make", nii, raw, json);
        return new NiftiAtlas(nii, voxels, size, ObliqueAffine);
    }

    /// <summary>A label map on the atlas grid written by nibabel (int16, labels 0..3), returned as its voxels.</summary>
    public static short[] MakeLabels(TempFolder folder, string name, GridSize size, int seed)
    {
        var rng = new Random(seed);
        var labels = new short[size.VoxelCount];
        for (long n = 0; n < labels.LongLength; n++) labels[n] = (short)rng.Next(4);
        string raw = folder.File(name + ".raw"), json = folder.File(name + ".json");
        File.WriteAllBytes(raw, MemoryMarshal.AsBytes(labels.AsSpan()).ToArray());
        var affine = new JArray(Enumerable.Range(0, 4).Select(r => new JArray(ObliqueAffine.Skip(4 * r).Take(4))));
        File.WriteAllText(json, new JObject { ["shape"] = new JArray(size.I, size.J, size.K), ["dtype"] = "int16", ["affine"] = affine, ["forms"] = "both" }.ToString());
        ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("nibabel_io.py"), "make", folder.File(name + ".nii"), raw, json);
        return labels;
    }

    /// <summary>A small calibrated view (AP-like: source anterior, detector posterior) of <paramref name="columns"/>×<paramref name="rows"/>.</summary>
    public static CalibratedView View(int columns, int rows, bool lateral = false)
        => lateral
            ? new CalibratedView(new Vec3(-1000, 0, 0), new Vec3(300, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, -1), 0.5, 0.5, columns, rows)
            : new CalibratedView(new Vec3(0, -1000, 0), new Vec3(0, 300, 0), new Vec3(1, 0, 0), new Vec3(0, 0, -1), 0.5, 0.5, columns, rows);

    public static Core.Xray.Radiograph Radiograph(int columns, int rows, bool lateral, int seed)
    {
        var rng = new Random(seed);
        var view = View(columns, rows, lateral);
        var pixels = new float[(long)columns * rows];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)rng.NextDouble();
        return new Core.Xray.Radiograph(new Image2D(columns, rows, view.ColumnSpacingMm, view.RowSpacingMm, pixels), view);
    }

    public static (Core.Xray.Radiograph Ap, Core.Xray.Radiograph Lat) Pair(int columns = 32, int rows = 24, int seed = 1)
        => (Radiograph(columns, rows, false, seed), Radiograph(columns, rows, true, seed + 1));
}
