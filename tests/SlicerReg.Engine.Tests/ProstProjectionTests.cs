using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Engine.Projection;
using static SlicerReg.Engine.Tests.ProstTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>ProST forward projection against analytic line integrals and CalibratedView's pinhole projection.</summary>
public class ProstProjectionTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static readonly GridSize BallGridSize = new(56, 48, 40);
    static ImageGeometry BallGrid => ObliqueGrid(BallGridSize);
    static Vec3 BallCentre => new Vec3(10, -20, 30) + new Vec3(2, -3, 1.5);
    const double BallRadius = 22, Mu = 0.02;
    static CalibratedView BallView => ViewOf(BallCentre, new Vec3(-0.6, 0.7, 0.4), 700, columns: 56, rows: 48, columnSpacing: 1.5, rowSpacing: 1.7);

    /// <summary>Σ|P − ∫μ| / Σ∫μ over all pixels, and the largest relative error on central rays (chord > 1.5 R).</summary>
    static (double Relative, double CentralMax, double Signed) BallErrors(int samplesPerRay)
    {
        using var scope = NewDisposeScope();
        var view = BallView;
        using var prost = new ProjectiveSpatialTransformer(view, BallGrid, samplesPerRay);
        var img = ToImage(prost.forward(Ball(BallGrid, BallCentre, BallRadius, Mu)));
        double sumErr = 0, sumRef = 0, centralMax = 0, signed = 0;
        for (int r = 0; r < view.Rows; r++)
            for (int c = 0; c < view.Columns; c++)
            {
                double chord = ChordThroughBall(view.Source, (view.PixelCenter(c, r) - view.Source).Normalized(), BallCentre, BallRadius);
                double expected = Mu * chord;
                sumErr += Math.Abs(img[r, c] - expected); sumRef += expected; signed += img[r, c] - expected;
                if (chord > 1.5 * BallRadius) centralMax = Math.Max(centralMax, Math.Abs(img[r, c] - expected) / expected);
            }
        return (sumErr / sumRef, centralMax, signed / sumRef);
    }

    [Test]
    public void UniformBallGivesTheAnalyticPathLengthForAnObliqueViewAndGrid()
    {
        foreach (int k in new[] { 64, 128, 256 })
        {
            var (rel, central, signed) = BallErrors(k);
            using var prost = new ProjectiveSpatialTransformer(BallView, BallGrid, k);
            TestContext.Out.WriteLine($"K = {k} ({prost.Beam}): Σ|error|/Σ∫μ = {rel:P2}, max relative error on rays with chord > 1.5 R = {central:P2}, signed Σ(error)/Σ∫μ = {signed:P3}");
            // The error does not shrink with K: it is the partial-volume voxelisation of the ball (voxels up to 1.7 mm),
            // smoothed by trilinear interpolation, not the integration — see the Gaussian test for the integrator alone.
            Assert.That(rel, Is.LessThan(0.025), $"K = {k}: mean line-integral error");
            Assert.That(Math.Abs(signed), Is.LessThan(0.005), $"K = {k}: line-integral bias");
            Assert.That(central, Is.LessThan(0.02), $"K = {k}: central-ray line-integral error");
        }
    }

    /// <summary>
    /// The untransformed sampling grid is kept between calls: what the caller receives is a view it may dispose, and the
    /// kept grid equals the one built with the identity transform, for a batch of one and of two.
    /// </summary>
    [Test]
    public void TheKeptSamplingGridIsTheIdentityTransformsGridAndSurvivesItsCallers()
    {
        using var prost = new ProjectiveSpatialTransformer(BallView, BallGrid, 32);
        using var scope = NewDisposeScope();
        var identity = eye(4).unsqueeze(0);
        var built = prost.SamplingGrid(identity, 1, CPU, ScalarType.Float32);
        prost.SamplingGrid(null, 1, CPU, ScalarType.Float32).Dispose();
        var kept = prost.SamplingGrid(null, 2, CPU, ScalarType.Float32);
        Assert.That(kept.shape, Is.EqualTo(new long[] { 2, 32, BallView.Rows, BallView.Columns, 3 }));
        Assert.That((kept - built).abs().max().item<float>(), Is.LessThan(1e-5f));
        var volume = Ball(BallGrid, BallCentre, BallRadius, Mu);
        Assert.That((prost.forward(volume) - prost.forward(volume, identity)).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void SmoothBlobGivesItsAnalyticLineIntegral()
    {
        // ∫ exp(−|x − c|²/2σ²) dl along a line at distance h from c = √(2π) σ exp(−h²/2σ²): isolates sampling and
        // step weighting from voxelisation error (σ = 6 mm ≫ voxels of 1.1–1.7 mm).
        const double sigma = 6;
        var view = BallView;
        using var scope = NewDisposeScope();
        var blob = Field(BallGrid, Gaussian(BallCentre, sigma));
        foreach (int k in new[] { 64, 128 })
        {
            using var prost = new ProjectiveSpatialTransformer(view, BallGrid, k);
            var img = ToImage(prost.forward(blob));
            double peak = Math.Sqrt(2 * Math.PI) * sigma, worst = 0, sumErr = 0, sumRef = 0;
            for (int r = 0; r < view.Rows; r++)
                for (int c = 0; c < view.Columns; c++)
                {
                    var u = (view.PixelCenter(c, r) - view.Source).Normalized();
                    var w = BallCentre - view.Source;
                    double h2 = w.Dot(w) - Math.Pow(w.Dot(u), 2);
                    double expected = peak * Math.Exp(-h2 / (2 * sigma * sigma));
                    sumErr += Math.Abs(img[r, c] - expected); sumRef += expected;
                    worst = Math.Max(worst, Math.Abs(img[r, c] - expected) / peak);
                }
            TestContext.Out.WriteLine($"Gaussian σ = {sigma} mm, K = {k}: Σ|error|/Σ∫ = {sumErr / sumRef:P3}, max |error| / peak = {worst:P3}");
            Assert.That(sumErr / sumRef, Is.LessThan(0.01));
            Assert.That(worst, Is.LessThan(0.01));
        }
    }

    [Test]
    public void ConstantVolumeGivesTheChordThroughItsVoxelBoxes()
    {
        // A volume of ones integrates to the length of each ray inside the union of voxel boxes (index range [−½, n−½]),
        // computed here by clipping the ray against the six face planes of the parallelepiped.
        var grid = ObliqueGrid(new GridSize(20, 16, 12));
        var view = ViewOf(new Vec3(10, -20, 30), new Vec3(0.3, -0.8, 0.5), 500, columns: 30, rows: 24, columnSpacing: 2.2, rowSpacing: 2.0);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 256);
        using var scope = NewDisposeScope();
        var s = grid.Size;
        var img = ToImage(prost.forward(ones(new long[] { 1, 1, s.K, s.J, s.I })));
        double sumErr = 0, sumRef = 0;
        for (int r = 0; r < view.Rows; r++)
            for (int c = 0; c < view.Columns; c++)
            {
                var u = (view.PixelCenter(c, r) - view.Source).Normalized();
                double tIn = 0, tOut = 1e9;
                for (int a = 0; a < 3; a++)
                {
                    // Along the ray, index a = o + t·(row a of RAS→IJK)·u; the faces are index a = −½ and n_a − ½.
                    double o = grid.RasToIndex(view.Source)[a], d = grid.RasToIjk.Linear.Row(a).Dot(u);
                    double t1 = (-0.5 - o) / d, t2 = (s[a] - 0.5 - o) / d;
                    tIn = Math.Max(tIn, Math.Min(t1, t2)); tOut = Math.Min(tOut, Math.Max(t1, t2));
                }
                double chord = Math.Max(0, tOut - tIn);
                sumErr += Math.Abs(img[r, c] - chord); sumRef += chord;
            }
        TestContext.Out.WriteLine($"constant volume: Σ|error|/Σchord = {sumErr / sumRef:P2} at K = 256");
        Assert.That(sumRef, Is.GreaterThan(0));
        Assert.That(sumErr / sumRef, Is.LessThan(0.02));
    }

    [Test]
    public void BeadOnANonSquareDetectorPeaksWherePinholeProjectionPutsIt()
    {
        var grid = ObliqueGrid(new GridSize(40, 36, 30));
        // 12 rows × 20 columns: a rows/columns swap cannot go unnoticed.
        var view = ViewOf(new Vec3(10, -20, 30), new Vec3(0.5, 0.8, -0.3), 600, columns: 20, rows: 12, columnSpacing: 2.4, rowSpacing: 2.0);
        var target = (Column: 14.3, Row: 3.6);
        var bead = view.Source + 600 * (view.PixelCenter(target.Column, target.Row) - view.Source).Normalized();
        var predicted = view.Project(bead)!.Value;
        using var prost = new ProjectiveSpatialTransformer(view, grid, 96);
        using var scope = NewDisposeScope();
        var projection = prost.forward(Field(grid, Gaussian(bead, 2.0)));
        Assert.That(projection.shape, Is.EqualTo(new long[] { 1, 1, 12, 20 }));
        var peak = Peak(ToImage(projection), window: 8);
        TestContext.Out.WriteLine($"bead predicted at (c, r) = ({predicted.Column:F3}, {predicted.Row:F3}), peak pixel ({peak.Column}, {peak.Row}), centroid ({peak.CentroidColumn:F3}, {peak.CentroidRow:F3})");
        Assert.That((peak.Column, peak.Row), Is.EqualTo(((int)Math.Round(predicted.Column), (int)Math.Round(predicted.Row))));
        Assert.That(peak.CentroidColumn, Is.EqualTo(predicted.Column).Within(0.15));
        Assert.That(peak.CentroidRow, Is.EqualTo(predicted.Row).Within(0.15));
    }

    [Test]
    public void SamplingTransformReadsTheVolumeAtTheMappedPoint()
    {
        // T = translation by t maps beam point p to p + t, so a bead at b appears where the view sees b − t.
        var grid = ObliqueGrid(new GridSize(40, 36, 30));
        var view = ViewOf(new Vec3(10, -20, 30), new Vec3(0.5, 0.8, -0.3), 600, columns: 28, rows: 20, columnSpacing: 2.0, rowSpacing: 2.0);
        var bead = new Vec3(13, -22, 27);
        var t = new Vec3(4, -3, 5);
        var predicted = view.Project(bead - t)!.Value;
        using var prost = new ProjectiveSpatialTransformer(view, grid, 96, depthMarginMm: 10);
        using var scope = NewDisposeScope();
        var peak = Peak(ToImage(prost.forward(Field(grid, Gaussian(bead, 2.0)), Affine(Mat3.Identity, t))), window: 8);
        TestContext.Out.WriteLine($"moved bead predicted at ({predicted.Column:F3}, {predicted.Row:F3}), centroid ({peak.CentroidColumn:F3}, {peak.CentroidRow:F3})");
        Assert.That(peak.CentroidColumn, Is.EqualTo(predicted.Column).Within(0.15));
        Assert.That(peak.CentroidRow, Is.EqualTo(predicted.Row).Within(0.15));
    }

    [Test]
    public void ProjectionOfASampleDoesNotDependOnTheRestOfTheBatch()
    {
        var grid = BallGrid;
        using var prost = new ProjectiveSpatialTransformer(BallView, grid, 64, depthMarginMm: 5);
        using var scope = NewDisposeScope();
        manual_seed(3);
        var v0 = Ball(grid, BallCentre, BallRadius, Mu);
        var v1 = rand_like(v0) * 5; // a very different neighbour
        var t0 = Affine(Rotation(new Vec3(0, 0, 1), 3), new Vec3(1, 2, -1));
        var t1 = Affine(Rotation(new Vec3(1, 0, 0), -20), new Vec3(-30, 15, 40));
        var alone = prost.forward(v0, t0);
        var batched = prost.forward(cat(new[] { v0, v1 }), cat(new[] { t0, t1 }));
        var beamAlone = prost.BeamVolume(v0);
        var beamBatched = prost.BeamVolume(cat(new[] { v0, v1 }));
        double diff = (batched[0] - alone[0]).abs().max().item<float>();
        double beamDiff = (beamBatched[0] - beamAlone[0]).abs().max().item<float>();
        // One volume shared by a batch of transforms (the atlas under several poses).
        var shared = prost.forward(v0, cat(new[] { t1, t0 }));
        double sharedDiff = (shared[1] - alone[0]).abs().max().item<float>();
        TestContext.Out.WriteLine($"max |batched − alone| = {diff:G3} (image), {beamDiff:G3} (beam volume), {sharedDiff:G3} (shared volume)");
        Assert.That(sharedDiff, Is.EqualTo(0.0));
        Assert.That(diff, Is.EqualTo(0.0));
        Assert.That(beamDiff, Is.EqualTo(0.0));
        Assert.That(alone.abs().max().item<float>(), Is.GreaterThan(0.1f));
    }

    [Test]
    public void LineIntegralImageOfAVolumeMatchesTheLayer()
    {
        var grid = BallGrid;
        var view = BallView;
        using var scope = NewDisposeScope();
        var ball = Ball(grid, BallCentre, BallRadius, Mu);
        var volume = TensorVolume.ToVolume(ball, grid);
        var image = ProjectiveSpatialTransformer.LineIntegralImage(volume, view, 128);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 128);
        var expected = ToImage(prost.forward(ball));
        Assert.That((image.Columns, image.Rows), Is.EqualTo((view.Columns, view.Rows)));
        for (int r = 0; r < view.Rows; r += 5)
            for (int c = 0; c < view.Columns; c += 7)
                Assert.That(image[c, r], Is.EqualTo(expected[r, c]).Within(1e-6));
    }
}
