using SlicerReg.Core.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Projection;

/// <summary>
/// Inverse projective spatial transformer, invProST (Van Houtte et al. 2022, Eq. 3): resamples beam-space feature volumes
/// (B, C, K', rows', columns') onto a patient-space voxel grid (B, C, D, H, W) = (…, K, J, I) of <see cref="TargetGrid"/>.
/// For each voxel centre x, G⁻¹(x) is its beam index: (column, row) where the ray source → x meets the detector (pinhole
/// projection, <see cref="CalibratedView.Project"/>) and the depth index from the distance |x − source|
/// (<see cref="BeamGeometry.ToBeamIndex"/>); the beam tensor is then sampled trilinearly (grid_sample, align_corners = false).
/// The beam tensor is read as cells covering the beam's frustum — the detector's full extent (pixel edges) × the depth
/// range [Near, Far] — so any resolution (K', rows', columns') of that frustum is accepted, e.g. a decoder output at a
/// different size than the ProST beam. Voxels outside the frustum (outside the cone or the depth range, or behind the
/// source) are exactly 0; inside, values between the outermost cell centres and the frustum's edge are the edge cells'
/// (border padding), so ProST followed by invProST reproduces the input inside the cone (paper, Sect. invProST).
/// Everything runs on the input's device and dtype.
/// </summary>
public sealed class InverseProjectiveSpatialTransformer : Module<Tensor, Tensor>
{
    public const bool AlignCorners = false;

    public BeamGeometry Beam { get; }
    /// <summary>The patient-space voxel grid of the output.</summary>
    public ImageGeometry TargetGrid { get; }

    // [0] grid (1, K, J, I, 3) of normalised beam coordinates (x, y, z) = (column, row, depth); [1] frustum mask (1, 1, K, J, I).
    readonly DeviceTensorCache _constants;

    public InverseProjectiveSpatialTransformer(BeamGeometry beam, ImageGeometry targetGrid) : base(nameof(InverseProjectiveSpatialTransformer))
    {
        Beam = beam ?? throw new ArgumentNullException(nameof(beam));
        TargetGrid = targetGrid ?? throw new ArgumentNullException(nameof(targetGrid));
        _constants = new DeviceTensorCache(MakeConstants, "invProST");
        RegisterComponents();
    }

    /// <summary>Resamples beam features (B, C, K', rows', columns') onto <see cref="TargetGrid"/>: (B, C, K, J, I).</summary>
    public override Tensor forward(Tensor beamVolume)
    {
        ArgumentNullException.ThrowIfNull(beamVolume);
        if (beamVolume.dim() != 5) throw new ArgumentException($"invProST input must be a beam volume (B, C, K, rows, columns), got ({string.Join(", ", beamVolume.shape)})");
        if (!beamVolume.is_floating_point()) throw new ArgumentException($"invProST input must be floating point, got {beamVolume.dtype}");
        if (beamVolume.shape[2] < 1 || beamVolume.shape[3] < 1 || beamVolume.shape[4] < 1) throw new ArgumentException("invProST input has an empty beam dimension");
        using var region = EngineProfile.Time("invProST");
        using var scope = NewDisposeScope();
        var c = _constants.Get(beamVolume.device, beamVolume.dtype);
        long batch = beamVolume.shape[0];
        var grid = c[0].expand(batch, -1, -1, -1, -1);
        var sampled = F.grid_sample(beamVolume, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, AlignCorners);
        return sampled.mul(c[1]).MoveToOuterDisposeScope();
    }

    /// <summary>The frustum mask (1, 1, K, J, I) on the CPU: 1 where a voxel centre lies in the beam, else 0.</summary>
    public Tensor ConeMask() => _constants.Get(CPU, ScalarType.Float32)[1].clone();

    Tensor[] MakeConstants()
    {
        var s = TargetGrid.Size;
        long n = s.VoxelCount;
        var grid = new double[n * 3];
        var mask = new double[n];
        var view = Beam.View;
        double depthRange = Beam.FarMm - Beam.NearMm;
        Parallel.For(0, s.K, k =>
        {
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    long v = ((long)k * s.J + j) * s.I + i;
                    var x = TargetGrid.IndexToRas(new Vec3(i, j, k));
                    // The one pinhole projection (pixel centres at integer column, row); behind the source: outside the beam,
                    // grid stays 0 (finite), mask 0.
                    if (view.Project(x) is not var (col, row)) continue;
                    // Normalised for align_corners = false over the frustum: pixel edges −½ and n−½ → ±1; depth Near, Far → ±1.
                    double gx = (2 * col + 1) / view.Columns - 1;
                    double gy = (2 * row + 1) / view.Rows - 1;
                    double gz = 2 * ((x - view.Source).Norm - Beam.NearMm) / depthRange - 1;
                    if (Math.Abs(gx) > 1 || Math.Abs(gy) > 1 || Math.Abs(gz) > 1) continue;
                    grid[3 * v] = gx; grid[3 * v + 1] = gy; grid[3 * v + 2] = gz;
                    mask[v] = 1;
                }
        });
        return new[]
        {
            tensor(grid, new long[] { 1, s.K, s.J, s.I, 3 }, ScalarType.Float64),
            tensor(mask, new long[] { 1, 1, s.K, s.J, s.I }, ScalarType.Float64),
        };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _constants.Dispose();
        base.Dispose(disposing);
    }
}
