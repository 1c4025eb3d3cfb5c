using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Projection;
using static SlicerReg.Engine.Tests.ProstTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Gradients of ProST with respect to the volume and the per-sample sampling transform.</summary>
public class ProstGradientTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static readonly Vec3 Centre = new(10, -20, 30);

    [Test]
    public void VolumeGradientIsPositiveWhereRaysPassAndZeroWhereNoneDoes()
    {
        var grid = ObliqueGrid(new GridSize(30, 26, 22), Centre);
        // A narrow detector (14 × 10 pixels of ~1 mm at the volume) sees only the middle of the volume.
        var view = ViewOf(Centre, new Vec3(-0.4, 0.6, 0.7), 500, columns: 14, rows: 10, columnSpacing: 2.0, rowSpacing: 2.0);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 64);
        using var scope = NewDisposeScope();
        manual_seed(5);
        var s = grid.Size;
        var volume = rand(new long[] { 1, 1, s.K, s.J, s.I }).requires_grad_(true);
        var weights = rand(new long[] { 1, 1, view.Rows, view.Columns }) + 0.5;
        (prost.forward(volume) * weights).sum().backward();
        var g = volume.grad!.contiguous().data<float>().ToArray();
        Assert.That(g.All(float.IsFinite), "gradient has non-finite values");

        int touched = 0, untouched = 0;
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    float gv = g[((long)k * s.J + j) * s.I + i];
                    var centre = view.Project(grid.IndexToRas(new Vec3(i, j, k)))!.Value;
                    if (centre.Column > 0.5 && centre.Column < view.Columns - 1.5 && centre.Row > 0.5 && centre.Row < view.Rows - 1.5)
                    {
                        touched++;
                        Assert.That(gv, Is.GreaterThan(0f), $"voxel ({i}, {j}, {k}) projects inside the detector but gets no gradient");
                    }
                    else if (SupportOutsideDetector(grid, view, i, j, k))
                    {
                        untouched++;
                        Assert.That(gv, Is.EqualTo(0f), $"voxel ({i}, {j}, {k}) is outside every ray but has a gradient");
                    }
                }
        TestContext.Out.WriteLine($"{touched} voxels seen with gradient > 0, {untouched} voxels outside the cone with gradient 0, of {s.VoxelCount}");
        Assert.That(touched, Is.GreaterThan(500));
        Assert.That(untouched, Is.GreaterThan(5000));
    }

    /// <summary>True when the whole trilinear support of voxel (i, j, k) (index ± 1) lies beyond one detector edge of the cone.</summary>
    static bool SupportOutsideDetector(ImageGeometry grid, CalibratedView view, int i, int j, int k)
    {
        bool left = true, right = true, top = true, bottom = true;
        for (int a = -1; a <= 1; a += 2) for (int b = -1; b <= 1; b += 2) for (int c = -1; c <= 1; c += 2)
        {
            var p = view.Project(grid.IndexToRas(new Vec3(i + a, j + b, k + c)))!.Value;
            left &= p.Column < -0.5; right &= p.Column > view.Columns - 0.5;
            top &= p.Row < -0.5; bottom &= p.Row > view.Rows - 0.5;
        }
        return left || right || top || bottom;
    }

    [Test]
    public void TransformGradientMatchesCentralDifferences()
    {
        var grid = ObliqueGrid(new GridSize(30, 26, 22), Centre);
        var view = ViewOf(Centre, new Vec3(-0.4, 0.6, 0.7), 500, columns: 24, rows: 18, columnSpacing: 2.5, rowSpacing: 2.5);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 64, depthMarginMm: 5);
        using var scope = NewDisposeScope();
        var volume = Field(grid, x => Gaussian(Centre + new Vec3(2, 1, -1), 5)(x) + 0.5 * Gaussian(Centre + new Vec3(-6, 4, 3), 3)(x), ScalarType.Float64);
        manual_seed(7);
        var weights = rand(new long[] { 1, 1, view.Rows, view.Columns }, ScalarType.Float64);
        var t0 = Affine(Rotation(new Vec3(1, -1, 2), 4), new Vec3(1.5, -2, 0.7), ScalarType.Float64);
        double Loss(Tensor t) => (prost.forward(volume, t) * weights).sum().item<double>();

        var t = t0.clone().requires_grad_(true);
        (prost.forward(volume, t) * weights).sum().backward();
        var grad = t.grad!.data<double>().ToArray();
        Assert.That(grad.All(double.IsFinite));
        const double eps = 1e-4;
        foreach (var (r, c) in new[] { (0, 3), (1, 3), (2, 3), (0, 1), (2, 0), (1, 1) })
        {
            var plus = t0.clone(); plus[0, r, c] += eps;
            var minus = t0.clone(); minus[0, r, c] -= eps;
            double fd = (Loss(plus) - Loss(minus)) / (2 * eps), ad = grad[r * 4 + c];
            TestContext.Out.WriteLine($"∂loss/∂T[{r},{c}]: autograd {ad:G6}, central difference {fd:G6}");
            Assert.That(Math.Abs(ad), Is.GreaterThan(1e-3), $"T[{r},{c}] gets no gradient");
            Assert.That(ad, Is.EqualTo(fd).Within(0.01 * Math.Abs(fd) + 1e-6), $"T[{r},{c}]");
        }
        // The bottom row is not part of a rigid/similarity transform and is ignored.
        Assert.That(grad[12..], Is.All.EqualTo(0.0));
    }

    [Test]
    public void GradientsFlowToTheVolumeAndTransformInFloat32()
    {
        var grid = ObliqueGrid(new GridSize(30, 26, 22), Centre);
        var view = ViewOf(Centre, new Vec3(-0.4, 0.6, 0.7), 500, columns: 24, rows: 18, columnSpacing: 2.5, rowSpacing: 2.5);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 48, depthMarginMm: 5);
        using var scope = NewDisposeScope();
        var volume = Field(grid, Gaussian(Centre, 6)).repeat(2, 1, 1, 1, 1).requires_grad_(true);
        var t = cat(new[] { Affine(Mat3.Identity, Vec3.Zero), Affine(Rotation(new Vec3(0, 1, 0), 5), new Vec3(1, 2, 3)) }).requires_grad_(true);
        prost.forward(volume, t).pow(2).sum().backward();
        Assert.That(volume.grad!.isfinite().all().item<bool>());
        Assert.That(t.grad!.isfinite().all().item<bool>());
        Assert.That(volume.grad!.abs().sum().item<float>(), Is.GreaterThan(0f));
        Assert.That(t.grad![1].narrow(0, 0, 3).abs().sum().item<float>(), Is.GreaterThan(0f));
    }

    [Test]
    public void RepeatedTrainingStepsLeaveNoLiveTensorsBehind()
    {
        var grid = ObliqueGrid(new GridSize(20, 18, 16), Centre);
        var view = ViewOf(Centre, new Vec3(-0.4, 0.6, 0.7), 500, columns: 12, rows: 10, columnSpacing: 2.5, rowSpacing: 2.5);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 24, depthMarginMm: 5);
        using var inverse = new InverseProjectiveSpatialTransformer(prost.Beam, grid);
        using var outer = NewDisposeScope();
        manual_seed(9);
        var volume = rand(new long[] { 2, 1, 16, 18, 20 }).requires_grad_(true);
        var t = Affine(Mat3.Identity, new Vec3(1, 0, 0)).repeat(2, 1, 1).requires_grad_(true);
        void Step()
        {
            using var scope = NewDisposeScope();
            var loss = prost.forward(volume, t).sum() + inverse.forward(prost.BeamVolume(volume, t)).sum();
            loss.backward();
        }
        Step(); // creates the geometry caches and the .grad tensors
        // Live in scopes, detached from scopes (e.g. a cache rebuilt every call), and created outside any scope.
        static (long, long, long) Counts()
        {
            var s = TorchSharp.DisposeScopeManager.Statistics;
            return (s.ThreadTotalLiveCount, s.DetachedFromScopeCount, s.CreatedOutsideScopeCount - s.DisposedOutsideScopeCount);
        }
        var before = Counts();
        for (int n = 0; n < 5; n++) Step();
        Assert.That(Counts(), Is.EqualTo(before), "tensors accumulate across training steps (live, detached, outside scopes)");
    }
}
