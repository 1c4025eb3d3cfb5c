using System.Diagnostics;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;
using SlicerReg.Engine.Refinement;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// Test-time refinement (docs/refinement.md) on the tiny grid: a synthetic patient whose start is deliberately wrong (the
/// unregistered atlas), a known calibration error, finite differences, cancellation, repeatability, and the upsampling of Ψ
/// onto a finer atlas.
/// </summary>
public class RefinementTests
{
    static Volume _atlasCt = null!, _atlasLabel = null!;
    static Subject _patient = null!;
    static SubjectRadiographs[] _radiographs = null!;

    [OneTimeSetUp]
    public void Load()
    {
        ComputeDevice.EnsureLoaded();
        var (ct, label) = ShippedAtlas.Find("tiny");
        _atlasCt = VolumeFile.Read(ct); _atlasLabel = VolumeFile.Read(label);
        _patient = SubjectGenerator.Generate(11, new SubjectOptions { Preset = NetworkPreset.Tiny });
        _radiographs = SubjectRadiographs.Render(_patient.Images, DatasetViews.Draw(ViewMode.Orthogonal, new Random(1)).Select(v => v.View)).ToArray();
    }

    static RefinementOptions Quick => new() { Iterations = 45, Levels = new[] { 2, 1 }, Patience = 1000 };

    static double FemurDice(Volume displacement)
    {
        using var scope = NewDisposeScope();
        using var warp = new SpatialTransformer(_atlasCt.Geometry);
        using var labels = TensorVolume.FromVolume(_atlasLabel);
        using var field = TensorVolume.FromVolume(displacement);
        var warped = TensorVolume.ToVolume(warp.WarpLabels(labels.Data.round(), field.Data, 3), _atlasCt.Geometry);
        return Overlap.Compute(_patient.Images.Label, warped, NetworkInputs.FemurLabel).Dice;
    }

    /// <summary>The start is deliberately wrong: the atlas shifted by 8 mm (T a translation) against a synthetic patient.</summary>
    [Test]
    public void RefinementFromAShiftedStartRaisesImageNccAndDice()
    {
        var shift = new Mat4(Mat3.Identity, new Vec3(6, 0, -5));
        using var refiner = new DeformationRefiner(_atlasCt, _atlasLabel, Quick);
        using var unrefined = new DeformationRefiner(_atlasCt, _atlasLabel, Quick with { Iterations = 0 });
        var start = unrefined.Refine(_radiographs[0].MaskedDrr, _radiographs[1].MaskedDrr, shift);
        var r = refiner.Refine(_radiographs[0].MaskedDrr, _radiographs[1].MaskedDrr, shift);
        double before = FemurDice(start.Displacement), after = FemurDice(r.Displacement);
        double atlas = Overlap.Compute(_patient.Images.Label, _atlasLabel, NetworkInputs.FemurLabel).Dice;
        TestContext.Out.WriteLine($"NCC {r.InitialNcc:F4} → {r.FinalNcc:F4}; Dice {before:F4} → {after:F4} (unshifted atlas {atlas:F4}); {r.DeformationSteps} steps in {r.Seconds:F1} s");
        Assert.That(start.FinalNcc, Is.EqualTo(r.InitialNcc).Within(1e-6), "no steps, no change");
        Assert.That(r.FinalNcc, Is.GreaterThan(r.InitialNcc + 0.02), "image NCC");
        Assert.That(after, Is.GreaterThan(before + 0.05), "femur Dice");
    }

    [Test]
    public void SeededRefinementsAreRepeatable()
    {
        var options = Quick with { Iterations = 6, RefinePose = true, PoseIterations = 4, Seed = 5 };
        float[] Run()
        {
            using var refiner = new DeformationRefiner(_atlasCt, _atlasLabel, options);
            return refiner.Refine(_radiographs[0].MaskedDrr, _radiographs[1].MaskedDrr).Displacement.As<float>();
        }
        var a = Run(); var b = Run();
        Assert.That(a.Any(x => x != 0), "the refinement moved the atlas");
        Assert.That(b, Is.EqualTo(a), "two runs with the same seed and options give the same field, bit for bit");
    }

    [Test]
    public void CancelEndsARefinementWithinOneSecond()
    {
        using var refiner = new DeformationRefiner(_atlasCt, _atlasLabel, Quick with { Iterations = 100000 });
        using var cancel = new CancellationTokenSource();
        var cancelled = new Stopwatch();
        int steps = 0;
        void Progress(RefinementProgress p) { if (++steps == 3) { cancel.Cancel(); cancelled.Start(); } }
        Assert.Throws<OperationCanceledException>(() => refiner.Refine(_radiographs[0].MaskedDrr, _radiographs[1].MaskedDrr, progress: Progress, cancel: cancel.Token));
        TestContext.Out.WriteLine($"ended {cancelled.Elapsed.TotalMilliseconds:F0} ms after cancel");
        Assert.That(cancelled.Elapsed.TotalSeconds, Is.LessThan(1.0));
    }

    /// <summary>The stated lateral view is the true one turned 5° about the femur: pose refinement must undo it.</summary>
    [Test]
    public void PoseRefinementRecoversAFiveDegreeCalibrationError()
    {
        var atlasImages = new PhantomImages(_atlasCt, _atlasLabel);
        var views = DatasetViews.Draw(ViewMode.Orthogonal, new Random(1)).Select(v => v.View).ToArray();
        var drrs = SubjectRadiographs.Render(atlasImages, views);
        using var refiner = new DeformationRefiner(_atlasCt, _atlasLabel, new RefinementOptions { RefinePose = true, Iterations = 0 });
        var error = new PoseCorrection("error", new Vec3(1, -2, 1.5) / new Vec3(1, -2, 1.5).Norm * (5 * Math.PI / 180), Vec3.Zero, refiner.FemurCentre);
        var stated = error.Apply(views[1]);
        var r = refiner.Refine(drrs[0].MaskedDrr, new Radiograph(drrs[1].MaskedDrr.Image, stated));
        // The recovered M composed with the error must be the identity rotation: M undoes the view's rotation.
        var residual = r.Poses[1].Matrix.Linear * error.Matrix.Linear;
        double residualDeg = Math.Acos(Math.Clamp((residual[0, 0] + residual[1, 1] + residual[2, 2] - 1) / 2, -1, 1)) * 180 / Math.PI;
        TestContext.Out.WriteLine($"{r.Poses[1]}; {r.Poses[0]}; residual {residualDeg:F2}°; NCC {r.InitialNcc:F4} → {r.FinalNcc:F4}");
        Assert.That(residualDeg, Is.LessThan(1.0), "lateral rotation recovered within 1°");
        Assert.That(r.Poses[0].Matrix.ApproximatelyEquals(Mat4.Identity, 1e-12), "the AP view defines the frame");
    }

    /// <summary>d loss / d (ω, t) by autograd through Rodrigues, ProST and the similarity, against central differences (float64).</summary>
    [Test]
    public void PoseGradientAgreesWithFiniteDifferences()
    {
        var view = NetworkInputs.ToNetworkDetector(_radiographs[1].MaskedDrr, NetworkPreset.Tiny);
        using var prost = new ProjectiveSpatialTransformer(view.View, _atlasCt.Geometry, 32, 40);
        using var scope = NewDisposeScope();
        var volume = NetworkInputs.MaskedVolume(_atlasCt, _atlasLabel).to(ScalarType.Float64);
        var target = NetworkInputs.Image(view.Image).to(ScalarType.Float64);
        var centre = new Vec3(10, -4, -50);
        var start = new double[] { 0.02, -0.03, 0.01, 1.5, -0.5, 2.0 };
        double Loss(double[] p, bool grad, out double[] g)
        {
            var w = tensor(p[..3], new long[] { 1, 3 }, ScalarType.Float64).requires_grad_(grad);
            var t = tensor(p[3..], new long[] { 1, 3 }, ScalarType.Float64).requires_grad_(grad);
            var loss = -ProjectionSimilarity.Compute(prost.forward(volume, PoseCorrection.Matrices(w, t, centre)), target, 0.5);
            g = Array.Empty<double>();
            if (grad) { loss.backward(); g = w.grad!.data<double>().Concat(t.grad!.data<double>()).ToArray(); }
            return loss.item<double>();
        }
        Loss(start, true, out var analytic);
        for (int n = 0; n < 6; n++)
        {
            double h = n < 3 ? 1e-5 : 1e-3;
            var plus = (double[])start.Clone(); plus[n] += h;
            var minus = (double[])start.Clone(); minus[n] -= h;
            double numeric = (Loss(plus, false, out _) - Loss(minus, false, out _)) / (2 * h);
            TestContext.Out.WriteLine($"parameter {n}: autograd {analytic[n]:E4}, finite differences {numeric:E4}");
            // 1%: trilinear sampling is piecewise linear, so central differences straddle kinks.
            Assert.That(analytic[n], Is.EqualTo(numeric).Within(1e-2 * Math.Abs(numeric) + 1e-6), $"parameter {n}");
        }
        Assert.That(analytic.Max(Math.Abs), Is.GreaterThan(1e-4), "the pose moves the loss");
    }

    /// <summary>
    /// Ψ of the tiny grid upsampled onto the standard atlas (half the spacing) and applied there agrees with the tiny warp:
    /// the same femur, its centroid moved by the same amount.
    /// </summary>
    [Test]
    public void AnUpsampledFieldOnTheFineAtlasAgreesWithTheCoarseWarp()
    {
        var grid = _atlasCt.Geometry;
        var field = new Volume(grid, VoxelType.Float32, 3, VolumeKind.DisplacementField);
        var f = field.As<float>();
        var s = grid.Size;
        for (int k = 0; k < s.K; k++) for (int j = 0; j < s.J; j++) for (int i = 0; i < s.I; i++)
        {
            var x = grid.IndexToRas(new Vec3(i, j, k));
            long v = 3 * (((long)k * s.J + j) * s.I + i);
            f[v] = (float)(4 + 3 * Math.Sin(x.Z / 40)); f[v + 1] = (float)(-2 + 0.05 * x.X); f[v + 2] = (float)(6 * Math.Cos(x.X / 50));
        }
        var (fineCt, fineLabel) = ShippedAtlas.Find("standard");
        var fine = OutputGrid.Resolve(fineCt).Warp(field).Label;
        var coarse = new OutputGrid("tiny", _atlasCt, _atlasLabel).Warp(field).Label;
        Assert.That(fine.Size, Is.EqualTo(NetworkPreset.Standard.VolumeSize));
        Vec3 Centroid(Volume label)
        {
            var sum = Vec3.Zero; long n = 0;
            for (int k = 0; k < label.Size.K; k++) for (int j = 0; j < label.Size.J; j++) for (int i = 0; i < label.Size.I; i++)
                if (label[i, j, k] == NetworkInputs.FemurLabel) { sum += label.Geometry.IndexToRas(new Vec3(i, j, k)); n++; }
            return sum / n;
        }
        var moved = Centroid(coarse) - Centroid(_atlasLabel);
        var movedFine = Centroid(fine) - Centroid(VolumeFile.Read(fineLabel));
        // Where the grids overlap: the fine femur brought back onto the tiny grid (indicator averaged, thresholded at ½).
        var indicator = NetworkInputs.FemurLabelMap(fine).ConvertTo(VoxelType.Float32, VolumeKind.Scalar);
        var back = FieldResampler.Resample(indicator, grid);
        var backLabel = new Volume(grid, VoxelType.UInt8, 1, VolumeKind.LabelMap);
        for (long n = 0; n < back.VoxelCount; n++) backLabel.SetElement(n, back.GetElement(n) >= 0.5 ? 1 : 0);
        double dice = Overlap.Compute(NetworkInputs.FemurLabelMap(coarse), backLabel, 1).Dice;
        double unwarped = Overlap.Compute(NetworkInputs.FemurLabelMap(_atlasLabel), backLabel, 1).Dice;
        TestContext.Out.WriteLine($"femur centroid moved {moved} on the tiny grid, {movedFine} on the standard grid; Dice with the coarse warp {dice:F4} (with the unwarped atlas {unwarped:F4})");
        Assert.That(moved.Norm, Is.GreaterThan(3), "the field moves the femur");
        Assert.That((moved - movedFine).Norm, Is.LessThan(0.5), "same motion on both grids");
        Assert.That(dice, Is.GreaterThan(0.95), "the same femur where the grids overlap");
        Assert.That(dice, Is.GreaterThan(unwarped + 0.05), "and not merely the atlas");
    }
}
