using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Projection;
using static SlicerReg.Engine.Tests.ProstTestScenes;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>invProST (paper Eq. 3): beam space back to the voxel grid.</summary>
public class ProstInverseTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static readonly Vec3 Centre = new(10, -20, 30);
    static ImageGeometry Grid => ObliqueGrid(new GridSize(48, 40, 36), Centre);
    // About 58 × 47 mm at the volume: the cone cuts through the 53 × 56 × 61 mm volume.
    static CalibratedView View => ViewOf(Centre + new Vec3(3, 2, -1), new Vec3(0.7, -0.2, 0.6), 600, columns: 40, rows: 30, columnSpacing: 2.4, rowSpacing: 2.6);

    enum Where { Inside, Edge, Outside }

    /// <summary>Where voxel (i, j, k)'s centre projects: strictly inside the detector, outside its extent, or on the edge band.</summary>
    static Where Classify(ImageGeometry grid, CalibratedView view, int i, int j, int k)
    {
        var p = view.Project(grid.IndexToRas(new Vec3(i, j, k)));
        if (p is null) return Where.Outside;
        double c = p.Value.Column, r = p.Value.Row;
        if (c < -0.51 || c > view.Columns - 0.49 || r < -0.51 || r > view.Rows - 0.49) return Where.Outside;
        if (c > -0.49 && c < view.Columns - 0.51 && r > -0.49 && r < view.Rows - 0.51) return Where.Inside;
        return Where.Edge;
    }

    [Test]
    public void ProstThenInverseReproducesASmoothVolumeInsideTheConeAndZeroOutside()
    {
        var grid = Grid; var view = View;
        using var prost = new ProjectiveSpatialTransformer(view, grid, 96);
        using var inverse = new InverseProjectiveSpatialTransformer(prost.Beam, grid);
        using var scope = NewDisposeScope();
        var input = Field(grid, x => 0.4 + Gaussian(Centre + new Vec3(4, -3, 2), 14)(x) + 0.3 * Math.Cos(0.11 * x.X - 0.07 * x.Y + 0.05 * x.Z));
        var output = inverse.forward(prost.BeamVolume(input));
        Assert.That(output.shape, Is.EqualTo(input.shape));
        var a = input.contiguous().data<float>().ToArray();
        var b = output.contiguous().data<float>().ToArray();
        var mask = inverse.ConeMask().contiguous().data<float>().ToArray();
        var s = grid.Size;
        double sumErr = 0, sumAbs = 0, maxErr = 0, coreErr = 0, coreAbs = 0, coreMax = 0; int inside = 0, outside = 0;
        for (int k = 0; k < s.K; k++)
            for (int j = 0; j < s.J; j++)
                for (int i = 0; i < s.I; i++)
                {
                    long v = ((long)k * s.J + j) * s.I + i;
                    switch (Classify(grid, view, i, j, k))
                    {
                        case Where.Inside:
                            double e = Math.Abs(b[v] - a[v]);
                            inside++; sumErr += e; sumAbs += Math.Abs(a[v]); maxErr = Math.Max(maxErr, e);
                            // Voxels on the volume's outer layer meet the zero-padding ramp in the beam; report the core apart.
                            if (i > 0 && j > 0 && k > 0 && i < s.I - 1 && j < s.J - 1 && k < s.K - 1)
                            { coreErr += e; coreAbs += Math.Abs(a[v]); coreMax = Math.Max(coreMax, e); }
                            Assert.That(mask[v], Is.EqualTo(1f), $"voxel ({i}, {j}, {k}) projects inside the detector but is masked");
                            break;
                        case Where.Outside:
                            outside++;
                            Assert.That(b[v], Is.EqualTo(0f), $"voxel ({i}, {j}, {k}) is outside the cone but not zero");
                            break;
                    }
                }
        double rel = sumErr / sumAbs, core = coreErr / coreAbs;
        TestContext.Out.WriteLine($"{inside} voxels inside the cone, {outside} outside (all 0); inside: mean |error| / mean |value| = {rel:P3}, max |error| = {maxErr:G3}; " +
                                  $"without the volume's outer voxel layer: {core:P3}, max {coreMax:G3} (values 0.1–1.7)");
        Assert.That(inside, Is.GreaterThan(10000));
        Assert.That(outside, Is.GreaterThan(5000));
        Assert.That(rel, Is.LessThan(0.02));
        Assert.That(core, Is.LessThan(0.01));
    }

    [Test]
    public void LinearBeamFieldsRecoverPinholeCoordinatesAtAnyBeamResolution()
    {
        // Beam tensors holding, per cell centre, its depth ρ, detector column and row are linear in the beam index, so
        // trilinear sampling is exact: invProST must return |x − source| and CalibratedView.Project(x) at every voxel,
        // whatever the beam resolution (here coarser than the view, as a decoder output may be).
        var grid = Grid; var view = View;
        var beam = BeamGeometry.ForVolume(view, grid, 96);
        using var inverse = new InverseProjectiveSpatialTransformer(beam, grid);
        foreach (var (kk, rr, cc) in new[] { (96, 30, 40), (24, 15, 10) })
        {
            using var scope = NewDisposeScope();
            var depth = (arange(kk, ScalarType.Float64) + 0.5) * ((beam.FarMm - beam.NearMm) / kk) + beam.NearMm;
            var col = (arange(cc, ScalarType.Float64) + 0.5) * ((double)view.Columns / cc) - 0.5;
            var row = (arange(rr, ScalarType.Float64) + 0.5) * ((double)view.Rows / rr) - 0.5;
            var fields = stack(new[]
            {
                depth.view(kk, 1, 1).expand(kk, rr, cc),
                col.view(1, 1, cc).expand(kk, rr, cc),
                row.view(1, rr, 1).expand(kk, rr, cc),
            }).unsqueeze(0); // (1, 3, K', rows', columns')
            var back = inverse.forward(fields);
            var s = grid.Size;
            var vals = back.contiguous().data<double>().ToArray();
            long n = s.VoxelCount; int checkedVoxels = 0; double worst = 0;
            for (int k = 0; k < s.K; k++)
                for (int j = 0; j < s.J; j++)
                    for (int i = 0; i < s.I; i++)
                    {
                        var x = grid.IndexToRas(new Vec3(i, j, k));
                        var p = beam.ToBeamIndex(x);
                        if (p is null) continue;
                        // Stay half a coarse cell inside the frustum, where no border clamping applies.
                        double kc = (p.Value.Sample + 0.5) * kk / beam.SamplesPerRay - 0.5;
                        double rc = (p.Value.Row + 0.5) * rr / view.Rows - 0.5, ccol = (p.Value.Column + 0.5) * cc / view.Columns - 0.5;
                        if (kc < 0 || kc > kk - 1 || rc < 0 || rc > rr - 1 || ccol < 0 || ccol > cc - 1) continue;
                        long v = ((long)k * s.J + j) * s.I + i;
                        var proj = view.Project(x)!.Value;
                        double e = Math.Max(Math.Abs(vals[v] - (x - view.Source).Norm),
                                   Math.Max(Math.Abs(vals[n + v] - proj.Column), Math.Abs(vals[2 * n + v] - proj.Row)));
                        worst = Math.Max(worst, e); checkedVoxels++;
                    }
            TestContext.Out.WriteLine($"beam {kk}×{rr}×{cc}: {checkedVoxels} voxels, max |error| in depth (mm) / column / row (pixels) = {worst:G3}");
            Assert.That(checkedVoxels, Is.GreaterThan(10000));
            Assert.That(worst, Is.LessThan(1e-6));
        }
    }

    [Test]
    public void BatchedInputsAreResampledIndependentlyAndGradientsReachTheBeam()
    {
        var grid = ObliqueGrid(new GridSize(20, 18, 16), Centre);
        var view = ViewOf(Centre, new Vec3(0.7, -0.2, 0.6), 600, columns: 16, rows: 12, columnSpacing: 2.4, rowSpacing: 2.6);
        var beam = BeamGeometry.ForVolume(view, grid, 32);
        using var inverse = new InverseProjectiveSpatialTransformer(beam, grid);
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x = rand(new long[] { 2, 3, 32, 12, 16 }).requires_grad_(true);
        var both = inverse.forward(x);
        var alone = inverse.forward(x.detach()[1].unsqueeze(0));
        Assert.That(both.shape, Is.EqualTo(new long[] { 2, 3, 16, 18, 20 }));
        Assert.That((both[1] - alone[0]).abs().max().item<float>(), Is.EqualTo(0f));
        both.sum().backward();
        Assert.That(x.grad!.isfinite().all().item<bool>());
        Assert.That(x.grad!.sum().item<float>(), Is.GreaterThan(0f));
    }

    [Test]
    public void InvalidInputsAreRejectedWithClearMessages()
    {
        var grid = ObliqueGrid(new GridSize(20, 18, 16), Centre);
        var view = ViewOf(Centre, new Vec3(0.7, -0.2, 0.6), 600, columns: 16, rows: 12, columnSpacing: 2.4, rowSpacing: 2.6);
        using var prost = new ProjectiveSpatialTransformer(view, grid, 32);
        using var inverse = new InverseProjectiveSpatialTransformer(prost.Beam, grid);
        using var scope = NewDisposeScope();
        Assert.That(() => prost.forward(zeros(new long[] { 1, 1, 18, 16, 20 })), Throws.ArgumentException.With.Message.Contains("expects (16, 18, 20)"));
        Assert.That(() => prost.forward(zeros(new long[] { 1, 16, 18, 20 })), Throws.ArgumentException.With.Message.Contains("(B, C, K, J, I)"));
        Assert.That(() => prost.forward(zeros(new long[] { 1, 1, 16, 18, 20 }, ScalarType.Int32)), Throws.ArgumentException.With.Message.Contains("floating point"));
        var vol = zeros(new long[] { 2, 1, 16, 18, 20 });
        Assert.That(() => prost.forward(vol, zeros(new long[] { 2, 3, 3 })), Throws.ArgumentException.With.Message.Contains("(B, 4, 4)"));
        Assert.That(() => prost.forward(vol, zeros(new long[] { 3, 4, 4 })), Throws.ArgumentException.With.Message.Contains("batch mismatch"));
        Assert.That(() => prost.forward(vol, zeros(new long[] { 2, 4, 4 }, ScalarType.Float64)), Throws.ArgumentException.With.Message.Contains("Float64"));
        Assert.That(() => inverse.forward(zeros(new long[] { 1, 32, 12, 16 })), Throws.ArgumentException.With.Message.Contains("(B, C, K, rows, columns)"));
        // The source inside the volume, a view that misses the volume, and nonsense sample counts.
        var inside = new CalibratedView(Centre, Centre + new Vec3(0, 0, -1000), new Vec3(1, 0, 0), new Vec3(0, 1, 0), 1, 1, 8, 8);
        Assert.That(() => BeamGeometry.ForVolume(inside, grid, 16), Throws.ArgumentException.With.Message.Contains("inside the volume"));
        var away = new CalibratedView(Centre + new Vec3(500, 0, 0), Centre + new Vec3(1500, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, 1), 1, 1, 8, 8);
        Assert.That(() => BeamGeometry.ForVolume(away, grid, 16), Throws.ArgumentException.With.Message.Contains("meets the volume"));
        Assert.That(() => BeamGeometry.ForVolume(view, grid, 0), Throws.ArgumentException.With.Message.Contains("samples per ray"));
    }
}
