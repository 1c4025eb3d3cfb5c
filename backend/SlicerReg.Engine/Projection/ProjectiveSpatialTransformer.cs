using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace SlicerReg.Engine.Projection;

/// <summary>
/// Projective spatial transformer, ProST (Van Houtte et al. 2022, Eq. 1–2; Gao et al. 2020): a differentiable cone-beam
/// projection of a volume for one calibrated view.
/// Eq. 1: the volume is trilinearly sampled at the beam grid G of <see cref="Beam"/> (rays from the source through every
///   pixel centre × K samples per ray), giving the beam-space volume V_beam (B, C, K, rows, columns) — <see cref="BeamVolume"/>.
/// Eq. 2: V_beam is integrated along each ray with the step length in mm as weight, so the output (B, C, rows, columns)
///   is the line integral of the input (a volume of μ in 1/mm gives the dimensionless ∫μ dl of a DRR).
/// Interpolation: grid_sample, trilinear, align_corners = false, zero padding. Voxel centres sit at integer indices, the
/// normalised coordinate is x = (2i + 1)/I − 1 (the volume's outer faces at ±1), and the half-voxel zero-padding ramp
/// outside each face keeps the integral of a constant volume equal to the chord through its voxel boxes.
/// The optional per-sample transform T (B, 4, 4), RAS → RAS, is the resampling ("from parent", pull-back) map of the
/// volume: a beam point p reads the input at T·p. A rigid/similarity T therefore projects the input moved by T⁻¹; only
/// the top 3×4 block of T is used. Gradients flow to the volume and to T. The depth range stays the one fitted to the
/// untransformed grid: give a depth margin (constructor) at least as large as the displacement T may cause.
/// Everything runs on the input's device and dtype.
/// </summary>
public sealed class ProjectiveSpatialTransformer : Module<Tensor, Tensor, Tensor>
{
    /// <summary>grid_sample's align_corners, fixed: the index mapping above depends on it.</summary>
    public const bool AlignCorners = false;

    public BeamGeometry Beam { get; }
    /// <summary>The grid the input volume tensor lives on (its IJK→RAS).</summary>
    public ImageGeometry VolumeGrid { get; }

    // [0] ray directions (rows·columns, 3) RAS; [1] sample depths (K) mm; [2] linear part (3, 3) and [3] offset (3) of
    // RAS → normalised grid coordinates; [4] source (3) RAS.
    readonly DeviceTensorCache _constants;
    // The sampling grid without a transform (the network's case: ProST of the atlas and of the affine-warped atlas), one
    // per (device, dtype): it depends on the view and the grid only, so it is built at the first call and kept.
    readonly Dictionary<(DeviceType, int, ScalarType), Tensor> _untransformedGrids = new();

    public ProjectiveSpatialTransformer(BeamGeometry beam, ImageGeometry volumeGrid) : base(nameof(ProjectiveSpatialTransformer))
    {
        Beam = beam ?? throw new ArgumentNullException(nameof(beam));
        VolumeGrid = volumeGrid ?? throw new ArgumentNullException(nameof(volumeGrid));
        _constants = new DeviceTensorCache(MakeConstants, "ProST");
        RegisterComponents();
    }

    /// <summary>ProST for <paramref name="view"/> with its depth range fitted to <paramref name="volumeGrid"/> (<see cref="BeamGeometry.ForVolume"/>).</summary>
    public ProjectiveSpatialTransformer(CalibratedView view, ImageGeometry volumeGrid, int samplesPerRay, double depthMarginMm = 0)
        : this(BeamGeometry.ForVolume(view, volumeGrid, samplesPerRay, depthMarginMm), volumeGrid) { }

    /// <summary>
    /// Projection image (B, C, rows, columns) = Σ_k V_beam[:, :, k] · step (mm).
    /// <paramref name="volume"/>: (B, C, K, J, I) on <see cref="VolumeGrid"/>; <paramref name="samplingTransform"/>: null or
    /// (B, 4, 4) RAS pull-back transform (either batch may be 1 and is then shared).
    /// </summary>
    public override Tensor forward(Tensor volume, Tensor? samplingTransform)
    {
        using var region = EngineProfile.Time("ProST");
        using var scope = NewDisposeScope();
        var beam = BeamVolume(volume, samplingTransform);
        return beam.sum(2).mul(Beam.StepMm).MoveToOuterDisposeScope();
    }

    /// <summary>Projection image (B, C, rows, columns) of <paramref name="volume"/> (B, C, K, J, I) without a transform.</summary>
    public Tensor forward(Tensor volume) => forward(volume, null);

    /// <summary>
    /// The beam-space volume V_beam (B, C, K, rows, columns) of Eq. 1, before integration: element [b, c, k, r, col] is the
    /// input at beam sample (k, r, col) (see <see cref="BeamGeometry"/>), mapped through T when given.
    /// </summary>
    public Tensor BeamVolume(Tensor volume, Tensor? samplingTransform = null)
    {
        long batch = CheckInputs(volume, samplingTransform);
        using var region = EngineProfile.Time("ProST");
        using var scope = NewDisposeScope();
        var grid = SamplingGrid(samplingTransform, batch, volume.device, volume.dtype);
        var input = volume.shape[0] == batch ? volume : volume.expand(batch, -1, -1, -1, -1);
        var beam = F.grid_sample(input, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, AlignCorners);
        return beam.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// grid_sample grid (batch, K, rows, columns, 3) of normalised (x, y, z) = (i, j, k) input coordinates of every beam
    /// sample: x_norm = N · RasToIjk · T · (Source + ρ_k û). Built as origin + ρ_k · direction per sample so it is exact and cheap.
    /// </summary>
    public Tensor SamplingGrid(Tensor? samplingTransform, long batch, Device device, ScalarType dtype)
    {
        if (samplingTransform is not null) return BuildGrid(samplingTransform, batch, device, dtype);
        Tensor kept;
        lock (_untransformedGrids)
            if (!_untransformedGrids.TryGetValue((device.type, device.index, dtype), out kept!))
            {
                using var noGrad = no_grad();
                kept = BuildGrid(null, 1, device, dtype);
                kept.DetachFromDisposeScope();
                _untransformedGrids[(device.type, device.index, dtype)] = kept;
            }
        return kept.expand(batch, -1, -1, -1, -1); // a view: the caller may dispose it, the kept grid stays
    }

    Tensor BuildGrid(Tensor? samplingTransform, long batch, Device device, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var c = _constants.Get(device, dtype);
        Tensor dirs = c[0], depths = c[1], normLinear = c[2], normOffset = c[3], source = c[4];
        Tensor linear, origin; // per sample: RAS direction → normalised, and the source in normalised coordinates
        if (samplingTransform is null)
        {
            linear = normLinear.unsqueeze(0);                                              // (1, 3, 3)
            origin = (normLinear.matmul(source) + normOffset).unsqueeze(0);                // (1, 3)
        }
        else
        {
            var top = samplingTransform.narrow(1, 0, 3);                                   // (B', 3, 4): rows of T used
            var tLinear = top.narrow(2, 0, 3);
            var mappedSource = tLinear.matmul(source) + top.narrow(2, 3, 1).squeeze(2);    // (B', 3) = T·source
            linear = normLinear.matmul(tLinear);                                           // (B', 3, 3)
            origin = mappedSource.matmul(normLinear.t()) + normOffset;                      // (B', 3)
        }
        long b = linear.shape[0];
        var direction = dirs.matmul(linear.transpose(1, 2));               // (B', P, 3)
        int k = Beam.SamplesPerRay, rows = Beam.Rows, cols = Beam.Columns;
        var grid = origin.view(b, 1, 1, 1, 3) + depths.view(1, k, 1, 1, 1) * direction.view(b, 1, rows, cols, 3);
        if (b != batch) grid = grid.expand(batch, -1, -1, -1, -1);
        return grid.MoveToOuterDisposeScope();
    }

    Tensor[] MakeConstants()
    {
        var s = VolumeGrid.Size;
        // Index → normalised for align_corners = false: x = (2i + 1)/n − 1.
        var norm = new Mat4(Mat3.Diagonal(2.0 / s.I, 2.0 / s.J, 2.0 / s.K), new Vec3(1.0 / s.I - 1, 1.0 / s.J - 1, 1.0 / s.K - 1));
        var rasToNorm = norm * VolumeGrid.RasToIjk;
        var src = Beam.View.Source;
        return new[]
        {
            tensor(Beam.RayDirections(), new long[] { (long)Beam.Rows * Beam.Columns, 3 }, ScalarType.Float64),
            tensor(Beam.SampleDepths(), new long[] { Beam.SamplesPerRay }, ScalarType.Float64),
            tensor(rasToNorm.Linear.ToRowMajor(), new long[] { 3, 3 }, ScalarType.Float64),
            tensor(rasToNorm.Translation.ToArray(), new long[] { 3 }, ScalarType.Float64),
            tensor(src.ToArray(), new long[] { 3 }, ScalarType.Float64),
        };
    }

    /// <summary>Validates the inputs and returns the batch size of the output.</summary>
    long CheckInputs(Tensor volume, Tensor? samplingTransform)
    {
        ArgumentNullException.ThrowIfNull(volume);
        TensorVolume.CheckShape(volume, VolumeGrid, "ProST input volume", allowBatch: true);
        long batch = volume.shape[0];
        if (samplingTransform is null) return batch;
        if (samplingTransform.dim() != 3 || samplingTransform.shape[1] != 4 || samplingTransform.shape[2] != 4)
            throw new ArgumentException($"ProST sampling transform must have shape (B, 4, 4), got ({string.Join(", ", samplingTransform.shape)})");
        if (samplingTransform.dtype != volume.dtype)
            throw new ArgumentException($"ProST sampling transform is {samplingTransform.dtype} but the volume is {volume.dtype}");
        if (samplingTransform.device_type != volume.device_type || samplingTransform.device_index != volume.device_index)
            throw new ArgumentException($"ProST sampling transform is on {samplingTransform.device} but the volume is on {volume.device}");
        long tb = samplingTransform.shape[0];
        if (tb != batch && tb != 1 && batch != 1)
            throw new ArgumentException($"ProST batch mismatch: volume batch {batch}, transform batch {tb} (they must be equal or one of them 1)");
        return Math.Max(batch, tb);
    }

    /// <summary>
    /// The line-integral image of a scalar <paramref name="volume"/> (values per mm, e.g. μ in 1/mm) seen by
    /// <paramref name="view"/>: pixel (c, r) = ∫ volume dl along the ray through its centre (float32, no gradients).
    /// </summary>
    public static Image2D LineIntegralImage(Volume volume, CalibratedView view, int samplesPerRay = 256, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(volume); ArgumentNullException.ThrowIfNull(view);
        if (volume.Components != 1) throw new ArgumentException($"line integrals need a scalar volume, this one has {volume.Components} components");
        using var prost = new ProjectiveSpatialTransformer(view, volume.Geometry, samplesPerRay);
        using var input = TensorVolume.FromVolume(volume, device);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var image = prost.forward(input.Data)[0, 0].contiguous().cpu(); // (rows, columns), column fastest like Image2D
        return new Image2D(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm, image.data<float>().ToArray());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _constants.Dispose();
            lock (_untransformedGrids) { foreach (var g in _untransformedGrids.Values) g.Dispose(); _untransformedGrids.Clear(); }
        }
        base.Dispose(disposing);
    }
}
