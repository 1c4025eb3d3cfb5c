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
using SlicerReg.Engine.Training;
using SlicerReg.Tests.Common;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Input preparation shared by training and inference, the Registrar, and the ITK transform file.</summary>
public class InferenceTests
{
    [OneTimeSetUp] public void Load() => ComputeDevice.EnsureLoaded();

    static string Data => TrainingTestData.Dataset(4, 11, new[] { 0.5, 0.25, 0.25 });

    [Test]
    public void BlockAveragingKeepsTheDetectorGeometryExact()
    {
        var view = DatasetViews.CArm(20).ToView(); // 160 × 224, 1.2 mm
        var image = new Image2D(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm);
        for (int r = 0; r < view.Rows; r++) for (int c = 0; c < view.Columns; c++) image[c, r] = c + 1000 * r;
        var coarse = NetworkInputs.ToNetworkDetector(new Radiograph(image, view), NetworkPreset.Tiny);
        Assert.That((coarse.Image.Columns, coarse.Image.Rows, coarse.View.ColumnSpacingMm, coarse.View.RowSpacingMm), Is.EqualTo((40, 56, 4.8, 4.8)).Within(1e-12));
        // Pixel (c', r') is the mean of the 4 × 4 block, and its centre the mean of the block's centres.
        Assert.That(coarse.Image[3, 5], Is.EqualTo(13.5 + 1000 * 21.5).Within(1e-2));
        var fineCentre = (view.PixelCenter(12, 20) + view.PixelCenter(15, 23)) / 2;
        Assert.That((coarse.View.PixelCenter(3, 5) - fineCentre).Norm, Is.LessThan(1e-9));
        Assert.That(NetworkInputs.ToNetworkDetector(new Radiograph(image, view), NetworkPreset.Paper), Is.Not.Null, "paper size is taken as it is");
        var odd = new CalibratedView(view.Source, view.DetectorCenter, view.ColumnDirection, view.RowDirection, 1, 1, 150, 224);
        var e = Assert.Throws<ArgumentException>(() => NetworkInputs.ToNetworkDetector(new Radiograph(new Image2D(150, 224, 1, 1), odd), NetworkPreset.Tiny, "AP radiograph"));
        Assert.That(e!.Message, Does.Contain("AP radiograph").And.Contain("150 columns").And.Contain("40 × 56"));
    }

    [Test]
    public void VolumesBecomeMaskedAttenuationRelativeToWater()
    {
        var grid = NetworkPreset.Tiny.AtlasGrid;
        var ct = new Volume(grid, VoxelType.Int16); var label = new Volume(grid, VoxelType.UInt8, 1, VolumeKind.LabelMap);
        ct[0, 0, 0] = 1000; label[0, 0, 0] = 1;   // bone in the femur: 2
        ct[1, 0, 0] = -1000; label[1, 0, 0] = 1;  // air in the femur: 0
        ct[2, 0, 0] = 0; label[2, 0, 0] = 1;      // water: 1
        ct[3, 0, 0] = 1000; label[3, 0, 0] = 2;   // pelvis: masked out
        ct[4, 0, 0] = -3000; label[4, 0, 0] = 1;  // below air: clamped to 0
        using var t = NetworkInputs.MaskedVolume(ct, label);
        var v = t[0, 0, 0, 0].data<float>().ToArray();
        Assert.That(v.Take(5), Is.EqualTo(new[] { 2f, 0f, 1f, 0f, 0f }));
        Assert.That(t.sum().item<float>(), Is.EqualTo(3f));
    }

    [Test]
    public void TrainingAndInferenceFeedTheNetworkTheSameTensors()
    {
        var manifest = DatasetManifest.Read(Data);
        var s = manifest.Subjects[0];
        var atlas = VolumeFile.Read(TrainingTestData.Atlas.Ct);
        foreach (var input in new[] { NetworkConfig.Masked, NetworkConfig.Unmasked })
        {
            using var subjects = new DatasetSubjects(manifest, NetworkPreset.Tiny, input, atlas.Geometry);
            var t = subjects.Get(s, out _);
            // What the Registrar does with the files `register` is given (and what `evaluate` picks for this input).
            var file = manifest.PathOf(input == NetworkConfig.Masked ? s.Views[0].MaskedDrr : s.Views[0].Drr);
            var r = NetworkInputs.ToNetworkDetector(Radiograph.Read(file), NetworkPreset.Tiny);
            using var expected = NetworkInputs.Image(r.Image);
            Assert.That((t.Ap - expected).abs().max().item<float>(), Is.EqualTo(0f), $"{input}: AP tensor");
            Assert.That(t.Views.Ap.ToJsonString(), Is.EqualTo(r.View.ToJsonString()), $"{input}: AP view");
        }
        using var both = new DatasetSubjects(manifest, NetworkPreset.Tiny, NetworkConfig.Masked, atlas.Geometry);
        var a = both.Get(manifest.Subjects[0], out _); var b = both.Get(manifest.Subjects[1], out _);
        Assert.That(a.Views, Is.EqualTo(b.Views), "equal calibrations give equal view pairs (the network keeps its projection layers)");
    }

    /// <summary>An untrained network (affine head ≈ identity, velocity ≈ 0) saved with the tiny atlas as a model folder.</summary>
    internal static string UntrainedModel()
    {
        string folder = TrainingTestData.NewFolder("untrained");
        Directory.CreateDirectory(folder);
        var ct = VolumeFile.Read(TrainingTestData.Atlas.Ct); var label = VolumeFile.Read(TrainingTestData.Atlas.Label);
        using var net = new RegistrationNetwork(NetworkConfig.For(NetworkPreset.Tiny), ct.Geometry, ViewPair.Orthogonal(NetworkPreset.Tiny, NetworkPreset.AtlasCentre));
        net.Save(folder);
        ModelFolder.WriteAtlas(folder, ct, label);
        return folder;
    }

    [Test]
    public void UntrainedNetworkReturnsTheAtlas()
    {
        var manifest = DatasetManifest.Read(Data);
        var s = manifest.Subjects[0];
        using var registrar = Registrar.Load(UntrainedModel());
        var stages = new List<string>();
        var r = registrar.Register(Radiograph.Read(manifest.PathOf(s.Views[0].MaskedDrr)), Radiograph.Read(manifest.PathOf(s.Views[1].MaskedDrr)), p => stages.Add(p.Stage));
        Assert.That(stages, Does.Contain("running network").And.Contain("done"));
        Assert.That(r.AffinePatientToAtlas.ApproximatelyEquals(Mat4.Identity, 1e-2), $"affine ≈ identity, got {r.AffinePatientToAtlas}");
        double maxField = 0;
        var f = r.Displacement.As<float>();
        for (long n = 0; n < f.LongLength; n++) maxField = Math.Max(maxField, Math.Abs(f[n]));
        Assert.That(maxField, Is.LessThan(0.1), "Ψ ≈ 0 mm");
        Assert.That(r.Displacement.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(Overlap.Compute(registrar.AtlasLabel, r.WarpedLabel!, 1).Dice, Is.GreaterThan(0.999));
        Assert.That(Overlap.Compute(registrar.AtlasLabel, r.WarpedLabel!, 2).Dice, Is.GreaterThan(0.999), "every label is warped (pelvis too)");
        var a = registrar.AtlasCt; double err = 0;
        for (long n = 0; n < a.VoxelCount; n++) err = Math.Max(err, Math.Abs(a.GetElement(n) - r.WarpedAtlas.GetElement(n)));
        Assert.That(err, Is.LessThan(5), "warped atlas ≈ atlas (HU)");
        Assert.That(r.ApProjectedLabel!.Columns, Is.EqualTo(160), "projected label on the input radiograph's own detector");
        var truthMask = VolumeFile.Read(manifest.PathOf(s.Views[0].Mask));
        Assert.That(r.ApProjectedLabel!.Pixels.Count(p => p > 0.5), Is.GreaterThan(1000));

        string outDir = TrainingTestData.NewFolder("registered");
        var files = RegistrationFiles.Write(outDir, r);
        Assert.That(files.Select(Path.GetFileName), Is.SupersetOf(new[] { "warped_atlas.nrrd", "warped_labels.nrrd", "displacement_field.nrrd", "affine.tfm" }));
        var field = VolumeFile.Read(Path.Combine(outDir, "displacement_field.nrrd"));
        Assert.That(field.Kind, Is.EqualTo(VolumeKind.DisplacementField));
        Assert.That(ItkTransformFile.Read(Path.Combine(outDir, "affine.tfm")).ApproximatelyEquals(r.AffinePatientToAtlas, 1e-9));
    }

    [Test]
    public void RegistrarRefusesRadiographsItCannotUse()
    {
        var manifest = DatasetManifest.Read(Data);
        var s = manifest.Subjects[0];
        using var registrar = Registrar.Load(UntrainedModel());
        var ap = Radiograph.Read(manifest.PathOf(s.Views[0].MaskedDrr));
        var e = Assert.Throws<ArgumentException>(() => registrar.Register(ap, ap));
        Assert.That(e!.Message, Does.Contain("same direction"));
        var small = new Radiograph(new Image2D(30, 56, 1, 1), new CalibratedView(ap.View.Source, ap.View.DetectorCenter, ap.View.ColumnDirection, ap.View.RowDirection, 1, 1, 30, 56));
        e = Assert.Throws<ArgumentException>(() => registrar.Register(small, ap));
        Assert.That(e!.Message, Does.Contain("AP radiograph").And.Contain("30 columns"));
        string empty = TrainingTestData.NewFolder("empty");
        Directory.CreateDirectory(empty);
        var missing = Assert.Throws<ImageFormatException>(() => Registrar.Load(empty));
        Assert.That(missing!.Message, Does.Contain("network.json"));
    }

    /// <summary>
    /// affine.tfm read by plastimatch (ITK) moves the atlas as our own warp with T does: `plastimatch warp --input atlas
    /// --xf affine.tfm` against SpatialTransformer with the affine displacement, on a rotation + translation + scale.
    /// </summary>
    [Test]
    public void ItkTransformFileMovesTheAtlasInPlastimatchAsOurWarpDoes()
    {
        string dir = TrainingTestData.NewFolder("tfm");
        Directory.CreateDirectory(dir);
        var atlas = VolumeFile.Read(TrainingTestData.Atlas.Ct).ConvertTo(VoxelType.Float32);
        var grid = atlas.Geometry;
        double a = 8 * Math.PI / 180;
        var rot = new Mat3(new[] { Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a), 0, 0, 0, 1 }) * Mat3.Diagonal(1.05, 1.05, 1.05);
        var centre = NetworkPreset.AtlasCentre;
        var t = new Mat4(rot, centre - rot * centre + new Vec3(6, -4, 9)); // RAS pull-back: patient point → atlas point
        string tfm = Path.Combine(dir, "affine.tfm"), input = Path.Combine(dir, "atlas.nrrd"), output = Path.Combine(dir, "warped.nrrd");
        ItkTransformFile.Write(tfm, t);
        Assert.That(File.ReadAllText(tfm), Does.StartWith("#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_3_3\n"));
        VolumeFile.Write(atlas, input);
        ExternalTool.Check("plastimatch", "warp", "--input", input, "--xf", tfm, "--output-img", output, "--output-type", "float", "--default-value", "-1000");
        var theirs = VolumeFile.Read(output);
        Assert.That(NetworkInputs.SameGrid(theirs.Geometry, grid), "plastimatch keeps the atlas grid");

        using var warp = new SpatialTransformer(grid);
        using var scope = NewDisposeScope();
        var tt = tensor(t.ToRowMajor(), new long[] { 1, 4, 4 }, ScalarType.Float32);
        using var tv = TensorVolume.FromVolume(atlas);
        var ours = TensorVolume.ToVolume(warp.forward(tv.Data + 1000, warp.AffineDisplacement(tt)) - 1000, grid);
        // Compare where both sample inside the atlas (2 voxels from the faces) — padding conventions differ at the edge.
        double sum = 0, max = 0; long n = 0; var s = grid.Size;
        for (int k = 2; k < s.K - 2; k++) for (int j = 2; j < s.J - 2; j++) for (int i = 2; i < s.I - 2; i++)
        {
            var p = t.TransformPoint(grid.IndexToRas(new Vec3(i, j, k)));
            var q = grid.RasToIndex(p);
            if (q.X < 1 || q.Y < 1 || q.Z < 1 || q.X > s.I - 2 || q.Y > s.J - 2 || q.Z > s.K - 2) continue;
            double d = Math.Abs(ours[i, j, k] - theirs[i, j, k]);
            sum += d; max = Math.Max(max, d); n++;
        }
        double moved = 0; for (long m = 0; m < atlas.VoxelCount; m++) moved += Math.Abs(atlas.GetElement(m) - ours.GetElement(m));
        TestContext.Out.WriteLine($"{n} voxels: mean |ours − plastimatch| {sum / n:F3} HU, max {max:F1} HU; mean change by the warp {moved / atlas.VoxelCount:F1} HU");
        Assert.That(n, Is.GreaterThan(s.VoxelCount / 3));
        Assert.That(moved / atlas.VoxelCount, Is.GreaterThan(20), "the transform moves the atlas visibly (the check can fail)");
        Assert.That(sum / n, Is.LessThan(1.0), "same resampling within interpolation rounding");
    }
}
