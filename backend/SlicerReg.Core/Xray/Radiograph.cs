using System.Globalization;
using Newtonsoft.Json;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Xray;

/// <summary>
/// A radiograph (or DRR) with the view it was taken with. As a file it is a single-slice float32 volume of
/// columns × rows × 1 whose IJK→RAS puts pixel (c, r) at its 3D detector position — i along ColumnDirection·colMm,
/// j along RowDirection·rowMm, k along the detector normal ColumnDirection × RowDirection (1 mm) — so Slicer shows it
/// where the detector is; the calibration travels in the metadata (<see cref="ViewKey"/>: canonical view JSON on one line,
/// <see cref="SourceKey"/>: "x y z" RAS of the source, for a human reading the header).
/// </summary>
public sealed record Radiograph(Image2D Image, CalibratedView View)
{
    public const string ViewKey = "slicerreg_view";
    public const string SourceKey = "slicerreg_source_ras";

    /// <summary>The detector plane as a one-slice grid: voxel (c, r, 0) at <see cref="CalibratedView.PixelCenter"/>(c, r).</summary>
    public static ImageGeometry DetectorGeometry(CalibratedView view)
        => new(new GridSize(view.Columns, view.Rows, 1), new Vec3(view.ColumnSpacingMm, view.RowSpacingMm, 1),
               view.PixelCenter(0, 0), Mat3.FromColumns(view.ColumnDirection, view.RowDirection, view.ColumnDirection.Cross(view.RowDirection)));

    public Volume ToVolume()
    {
        if (Image.Columns != View.Columns || Image.Rows != View.Rows)
            throw new ArgumentException($"image is {Image.Columns}×{Image.Rows} pixels, its view {View.Columns}×{View.Rows}");
        // Image2D and Volume share the layout (column fastest, then row), so the pixels are the slice as they are.
        var v = Volume.Create(DetectorGeometry(View), (float[])Image.Pixels.Clone());
        v.Metadata[ViewKey] = View.ToJson().ToString(Formatting.None);
        var s = View.Source;
        v.Metadata[SourceKey] = string.Create(CultureInfo.InvariantCulture, $"{s.X:R} {s.Y:R} {s.Z:R}");
        return v;
    }

    /// <summary>
    /// Reads a radiograph volume back: the view from <see cref="ViewKey"/>, checked against the volume's own grid
    /// (a file moved after writing would otherwise carry two different calibrations). <paramref name="origin"/> names the file in errors.
    /// </summary>
    public static Radiograph FromVolume(Volume v, string origin)
    {
        if (!v.Metadata.TryGetValue(ViewKey, out var json))
            throw new ImageFormatException(origin, v.Metadata.ContainsKey(DicomImage.TransferSyntaxKey)
                ? "a DICOM radiograph carries no SlicerReg calibration: give its view with --ap-view/--lat-view, a view file (docs/geometry.md) or " +
                  $"\"{DicomView.Keyword}\" to derive it from the file's C-arm attributes (docs/radiographs.md \"DICOM\"). " + DicomGeometryNote(v.Metadata)
                : $"no X-ray calibration: the metadata key \"{ViewKey}\" is missing (not written by slicerreg drr?)");
        CalibratedView view;
        try { view = CalibratedView.FromJsonString(json, $"metadata \"{ViewKey}\""); }
        catch (FormatException e) { throw new ImageFormatException(origin, e.Message, e); }
        if (v.Size != new GridSize(view.Columns, view.Rows, 1) || v.Components != 1)
            throw new ImageFormatException(origin, $"image is {v.Size}×{v.Components}, its view says {view.Columns}×{view.Rows}×1");
        var expected = DetectorGeometry(view);
        double tol = 1e-3 * Math.Max(1, view.SourceToDetectorDistance);
        for (int corner = 0; corner < 4; corner++)
        {
            var ijk = new Vec3(corner % 2 * (view.Columns - 1), corner / 2 * (view.Rows - 1), 0);
            double err = (v.Geometry.IndexToRas(ijk) - expected.IndexToRas(ijk)).Norm;
            if (err > tol)
                throw new ImageFormatException(origin, $"the image grid disagrees with its \"{ViewKey}\" calibration by {err:G3} mm at pixel ({ijk.X}, {ijk.Y}) (was the volume moved after it was written?)");
        }
        var pixels = new float[(long)view.Columns * view.Rows];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)v.GetElement(n);
        return new Radiograph(new Image2D(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm, pixels), view);
    }

    /// <summary>
    /// Any single-slice image <paramref name="v"/> with the view of a separate view file (<paramref name="viewOrigin"/> names it):
    /// the sizes must agree and, for a DICOM image whose spacing is the detector's (ImagerPixelSpacing), so must the spacings
    /// within 1 % — a calibration measured on another pixel grid would scale the whole projection.
    /// </summary>
    public static Radiograph FromVolume(Volume v, CalibratedView view, string origin, string viewOrigin)
    {
        if (v.Size.K != 1 || v.Components != 1) throw new ImageFormatException(origin, $"a radiograph must be one slice of one component, got {v.Size}×{v.Components}");
        if (v.Size.I != view.Columns || v.Size.J != view.Rows)
            throw new ImageFormatException(origin, $"image is {v.Size.I} columns × {v.Size.J} rows but the view {viewOrigin} says {view.Columns} × {view.Rows}");
        if (v.Metadata.TryGetValue(DicomImage.SpacingSourceKey, out var source) && source.StartsWith("ImagerPixelSpacing", StringComparison.Ordinal))
        {
            var s = v.Geometry.Spacing;
            if (Math.Abs(s.X / view.ColumnSpacingMm - 1) > 0.01 || Math.Abs(s.Y / view.RowSpacingMm - 1) > 0.01)
                throw new ImageFormatException(origin, string.Create(CultureInfo.InvariantCulture,
                    $"its detector pixels ({source}) are {s.X:G6} × {s.Y:G6} mm (column × row) but the view {viewOrigin} says {view.ColumnSpacingMm:G6} × {view.RowSpacingMm:G6} mm: the calibration belongs to another pixel grid (binning?)"));
        }
        var pixels = new float[v.VoxelCount];
        for (long n = 0; n < pixels.LongLength; n++) pixels[n] = (float)v.GetElement(n);
        return new Radiograph(new Image2D(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm, pixels), view);
    }

    /// <summary>Which of the attributes <see cref="DicomView"/> reads a DICOM radiograph has.</summary>
    static string DicomGeometryNote(IReadOnlyDictionary<string, string> metadata)
    {
        var present = DicomView.Keywords.Where(metadata.ContainsKey).Select(k => $"{k} {metadata[k]}").ToList();
        return present.Count == 0 ? "The file has none of those attributes." : $"The file has {string.Join(", ", present)}.";
    }

    public static Radiograph Read(string path) => FromVolume(VolumeFile.Read(path), path);
    public void Write(string path, VolumeWriteOptions? options = null) => VolumeFile.Write(ToVolume(), path, options);
}
