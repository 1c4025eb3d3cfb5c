using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Geometry;

/// <summary>
/// Where the atlas frame lies on the patient, and which side (docs/radiographs.md, "Placement and side"). The atlas frame
/// (docs/phantom.md) has its origin at the atlas's femoral-head centre and holds a right femur. P, an isometry from patient
/// RAS to the atlas frame, maps
/// <list type="bullet">
/// <item>right femur, head H clicked: x ↦ x − H (the atlas head centre on the clicked head);</item>
/// <item>left femur, head H clicked: x ↦ M(x − H), M = diag(−1, 1, 1) (the patient's left femur seen as the mirrored right one);</item>
/// <item>right femur, no head: the identity (the atlas frame where the radiographs' frame puts it, as before placement existed:
///   the atlas box must then lie in both beams, as it does for views centred on it);</item>
/// <item>left femur, no head: x ↦ M(x − c) + c, the reflection through the sagittal plane through the views' isocentre c (the
///   midpoint of the central rays' closest points).</item>
/// </list>
/// The registration runs in the atlas frame on the radiographs moved by P (<see cref="ToAtlas(Radiograph)"/>: the views
/// moved; a mirrored view has a left-handed detector, so its columns are reversed to give a right-handed view that sees the
/// same image — no pixel is resampled), and its results are moved back by P⁻¹.
/// </summary>
public sealed record AtlasPlacement(Mat4 PatientToAtlas, bool Mirrored, string Description)
{
    public static readonly Mat3 Reflection = Mat3.Diagonal(-1, 1, 1);

    public static AtlasPlacement Identity { get; } = new(Mat4.Identity, false, "atlas frame as the radiographs' frame places it (no head point given)");

    /// <summary>The placement for <paramref name="head"/> (patient RAS; null: none clicked) and side (<paramref name="left"/>).</summary>
    public static AtlasPlacement Create(Vec3? head, bool left, CalibratedView ap, CalibratedView lateral)
    {
        if (head is { } h)
            return left
                ? new AtlasPlacement(new Mat4(Reflection, -(Reflection * h)), true, $"left femur: the mirrored right atlas, its head centre on {h}")
                : new AtlasPlacement(new Mat4(Mat3.Identity, -h), false, $"atlas head centre on {h}");
        if (!left) return Identity;
        var c = Isocentre(ap, lateral);
        return new AtlasPlacement(new Mat4(Reflection, c - Reflection * c), true,
            $"left femur: the mirrored right atlas, reflected through the sagittal plane through the views' isocentre {c} (no head point given)");
    }

    /// <summary>The views' isocentre: the midpoint of the closest points of the two central rays (through the detector centres).</summary>
    public static Vec3 Isocentre(CalibratedView ap, CalibratedView lateral)
        => RayTriangulation.Triangulate(ap, ((ap.Columns - 1) / 2.0, (ap.Rows - 1) / 2.0), lateral, ((lateral.Columns - 1) / 2.0, (lateral.Rows - 1) / 2.0)).Point;

    public AtlasPlacement Inverse() => new(PatientToAtlas.Inverse(), Mirrored, $"inverse of: {Description}");

    /// <summary><paramref name="view"/> moved by P; when mirrored, its column direction reversed (see the summary).</summary>
    public CalibratedView ToAtlas(CalibratedView view)
    {
        var m = PatientToAtlas;
        var column = m.TransformVector(view.ColumnDirection);
        return new CalibratedView(m.TransformPoint(view.Source), m.TransformPoint(view.DetectorCenter), Mirrored ? -column : column,
            m.TransformVector(view.RowDirection), view.ColumnSpacingMm, view.RowSpacingMm, view.Columns, view.Rows);
    }

    /// <summary>The radiograph in the atlas frame: the view moved, the columns reversed when mirrored.</summary>
    public Radiograph ToAtlas(Radiograph r) => new(ToAtlas(r.Image), ToAtlas(r.View));

    /// <summary>A per-pixel image (a radiograph, a mask, a projected label) reordered as <see cref="ToAtlas(CalibratedView)"/> orders the pixels.</summary>
    public Image2D ToAtlas(Image2D image) => Mirrored ? ReverseColumns(image) : image;

    /// <summary>
    /// A volume lying in the frame P maps to, moved back by P⁻¹ onto the patient: the grid moved, and when mirrored the i
    /// axis re-indexed so the grid stays right-handed (voxel values are not interpolated). A displacement field Ψ (pull-back,
    /// atlas frame → atlas) becomes the patient's pull-back straight to the atlas as stored: D(p) = P(p) + Ψ(P(p)) − p, so
    /// the atlas warped by D is the registered femur on the patient.
    /// </summary>
    public Volume ToPatient(Volume v)
    {
        var back = PatientToAtlas.Inverse();
        var moved = Mirrored ? ReverseI(v) : v.Clone();
        var ijkToAtlas = moved.Geometry.IjkToRas;
        moved.SetGeometry(ImageGeometry.FromIjkToRas(moved.Size, back * ijkToAtlas));
        if (v.Kind == VolumeKind.DisplacementField)
        {
            if (v.Components != 3) throw new ArgumentException($"a displacement field has 3 components, got {v.Components}");
            var g = moved.Geometry; long n = 0;
            for (int k = 0; k < g.Size.K; k++)
                for (int j = 0; j < g.Size.J; j++)
                    for (int i = 0; i < g.Size.I; i++, n++)
                    {
                        var atlasPoint = ijkToAtlas.TransformPoint(new Vec3(i, j, k));
                        var d = new Vec3(moved.GetElement(3 * n), moved.GetElement(3 * n + 1), moved.GetElement(3 * n + 2));
                        var total = atlasPoint + d - back.TransformPoint(atlasPoint);
                        moved.SetElement(3 * n, total.X); moved.SetElement(3 * n + 1, total.Y); moved.SetElement(3 * n + 2, total.Z);
                    }
        }
        return moved;
    }

    /// <summary>A pull-back affine T (atlas frame → atlas) as the patient's: T∘P.</summary>
    public Mat4 ToPatient(Mat4 pullBack) => pullBack * PatientToAtlas;

    static Image2D ReverseColumns(Image2D image)
    {
        var px = new float[image.Pixels.Length];
        for (int r = 0; r < image.Rows; r++)
            for (int c = 0; c < image.Columns; c++) px[(long)r * image.Columns + c] = image[image.Columns - 1 - c, r];
        return new Image2D(image.Columns, image.Rows, image.ColumnSpacingMm, image.RowSpacingMm, px);
    }

    /// <summary>Voxel i of the result is voxel I−1−i of <paramref name="v"/>, on the grid that keeps every voxel where it was.</summary>
    static Volume ReverseI(Volume v)
        => Population.FemurMirror.ReverseI(v, ImageGeometry.FromIjkToRas(v.Size, v.Geometry.IjkToRas * new Mat4(Mat3.Diagonal(-1, 1, 1), new Vec3(v.Size.I - 1, 0, 0))));
}
