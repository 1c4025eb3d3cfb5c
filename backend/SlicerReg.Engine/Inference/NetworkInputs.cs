using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// How images become the network's input tensors — the one place training and inference share, so they cannot disagree.
/// <list type="bullet">
/// <item>Volumes (atlas and ground-truth CT): HU → attenuation relative to water, μ/μ_water = max(0, 1 + HU/1000) (air 0,
///   water 1, cortical bone ≈ 2; the DRRs are line integrals of 0.02/mm × the same quantity, docs/population.md), then
///   masked by the femur label (label 1), as the paper masks its volumes before they enter the network ("Semi-supervised
///   learning"); outside the femur 0, which is also what the warp pads with.</item>
/// <item>Radiographs: the DRR line integral (or a real radiograph given as an attenuation image, bone bright), masked or
///   not as the model's <see cref="NetworkConfig.Input"/> says (paper: masked, "Datasets"), block-averaged onto the
///   preset's detector (<see cref="ToNetworkDetector"/>). No intensity scaling here: the network min–max normalises
///   each projection/radiograph pair itself (<see cref="ProjectionGeometry.ProjectionPair"/>).</item>
/// </list>
/// </summary>
public static class NetworkInputs
{
    public const byte FemurLabel = FemurPhantom.FemurLabel;

    /// <summary>μ/μ_water of a CT value in HU, clamped at 0 (air).</summary>
    public static float RelativeAttenuation(double hu) => (float)Math.Max(0, 1 + hu / 1000);

    /// <summary>The masked volume (1, 1, K, J, I) float32: relative attenuation inside label <see cref="FemurLabel"/>, 0 elsewhere.</summary>
    public static Tensor MaskedVolume(Volume ct, Volume label, string what = "CT")
    {
        CheckPair(ct, label, what);
        var data = new float[ct.VoxelCount];
        for (long n = 0; n < data.LongLength; n++)
            data[n] = label.GetElement(n) == FemurLabel ? RelativeAttenuation(ct.GetElement(n)) : 0f;
        var s = ct.Size;
        return tensor(data, new long[] { 1, 1, s.K, s.J, s.I });
    }

    /// <summary><see cref="MaskedVolume"/> as a float32 Volume on the CT's grid (what the evaluation's SSIM compares).</summary>
    public static Volume MaskedImage(Volume ct, Volume label)
    {
        using var t = MaskedVolume(ct, label);
        return TensorVolume.ToVolume(t, ct.Geometry);
    }

    /// <summary>The femur indicator (1, 1, K, J, I) float32 (1 where label = <see cref="FemurLabel"/>).</summary>
    public static Tensor FemurMask(Volume label)
    {
        if (label.Components != 1) throw new ArgumentException($"label map has {label.Components} components, expected 1");
        var data = new float[label.VoxelCount];
        for (long n = 0; n < data.LongLength; n++) data[n] = label.GetElement(n) == FemurLabel ? 1f : 0f;
        var s = label.Size;
        return tensor(data, new long[] { 1, 1, s.K, s.J, s.I });
    }

    /// <summary>The femur of <paramref name="label"/> as a 0/1 uint8 label map on its grid (what the metrics compare).</summary>
    public static Volume FemurLabelMap(Volume label)
    {
        var v = new Volume(label.Geometry, VoxelType.UInt8, 1, VolumeKind.LabelMap);
        var d = v.As<byte>();
        for (long n = 0; n < d.LongLength; n++) d[n] = label.GetElement(n) == FemurLabel ? (byte)1 : (byte)0;
        return v;
    }

    /// <summary>A radiograph (1, 1, rows, columns) float32, row 0 at the top.</summary>
    public static Tensor Image(Image2D image) => tensor((float[])image.Pixels.Clone(), new long[] { 1, 1, image.Rows, image.Columns });

    /// <summary>
    /// <paramref name="radiograph"/> on the preset's detector (rows × columns): each network pixel is the mean of an
    /// f_c × f_r block of input pixels, and the view keeps its source, detector centre and directions with the pixel spacing
    /// multiplied by f (block centres are the coarse pixel centres, so the geometry is exact). The paper resamples its
    /// 422 × 640 DRRs to 160 × 224 the same way in spirit. Sizes that are not integer multiples of the preset's are refused
    /// with a precise error rather than resampled with a fractional kernel (which would blur unevenly and move edges by
    /// sub-pixel amounts the calibration does not describe).
    /// </summary>
    public static Radiograph ToNetworkDetector(Radiograph radiograph, NetworkPreset preset, string what = "radiograph")
    {
        var (image, view) = (radiograph.Image, radiograph.View);
        int columns = preset.RadiographColumns, rows = preset.RadiographRows;
        if (image.Columns != view.Columns || image.Rows != view.Rows)
            throw new ArgumentException($"{what}: image is {image.Columns}×{image.Rows} pixels but its view says {view.Columns}×{view.Rows}");
        if (image.Columns % columns != 0 || image.Rows % rows != 0)
            throw new ArgumentException($"{what}: {image.Columns} columns × {image.Rows} rows cannot be block-averaged onto the '{preset.Name}' network's " +
                                        $"{columns} × {rows} detector (each must be a whole multiple); resample it to a multiple of {columns} × {rows} first");
        int fc = image.Columns / columns, fr = image.Rows / rows;
        if (fc == 1 && fr == 1) return radiograph;
        var pixels = new float[(long)columns * rows];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                double sum = 0;
                for (int dr = 0; dr < fr; dr++)
                    for (int dc = 0; dc < fc; dc++) sum += image[c * fc + dc, r * fr + dr];
                pixels[(long)r * columns + c] = (float)(sum / (fc * fr));
            }
        var coarse = new CalibratedView(view.Source, view.DetectorCenter, view.ColumnDirection, view.RowDirection,
                                        view.ColumnSpacingMm * fc, view.RowSpacingMm * fr, columns, rows);
        return new Radiograph(new Image2D(columns, rows, coarse.ColumnSpacingMm, coarse.RowSpacingMm, pixels), coarse);
    }

    /// <summary>Throws unless <paramref name="ct"/> and <paramref name="label"/> are one-component volumes on the same grid.</summary>
    public static void CheckPair(Volume ct, Volume label, string what)
    {
        ArgumentNullException.ThrowIfNull(ct); ArgumentNullException.ThrowIfNull(label);
        if (ct.Components != 1 || label.Components != 1) throw new ArgumentException($"{what} and its label map must have one component each");
        if (ct.Size != label.Size) throw new ArgumentException($"{what} is {ct.Size} but its label map is {label.Size}");
        if (!SameGrid(ct.Geometry, label.Geometry)) throw new ArgumentException($"{what} and its label map lie on different grids ({ct.Geometry} vs {label.Geometry})");
    }

    /// <summary>Same size and voxel centres within 1% of a voxel at the corners.</summary>
    public static bool SameGrid(ImageGeometry a, ImageGeometry b)
    {
        if (a.Size != b.Size) return false;
        var s = a.Size;
        double tol = 0.01 * Math.Min(a.Spacing.X, Math.Min(a.Spacing.Y, a.Spacing.Z));
        for (int corner = 0; corner < 8; corner++)
        {
            var ijk = new Vec3(corner % 2 * (s.I - 1), corner / 2 % 2 * (s.J - 1), corner / 4 * (s.K - 1));
            if ((a.IndexToRas(ijk) - b.IndexToRas(ijk)).Norm > tol) return false;
        }
        return true;
    }
}
