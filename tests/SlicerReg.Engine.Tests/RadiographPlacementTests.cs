using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Tests.Common;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// Real-radiograph doors of the engine (docs/radiographs.md): a left femur registered through the placement with the
/// shipped tiny model lands on the left, and a masked model refuses an unmasked radiograph with a message that says how
/// to make a mask.
/// </summary>
public class RadiographPlacementTests
{
    static readonly Vec3 LeftHip = new(-95, 12, 30);

    static CalibratedView View(double primary, Vec3 iso) => (DatasetViews.CArm(primary) with { Isocenter = iso }).ToView();

    [Test]
    public void A_left_femur_registered_as_the_mirrored_right_atlas_lands_on_the_left()
    {
        var right = SubjectGenerator.Generate(31, new SubjectOptions { Preset = NetworkPreset.Tiny, LeftFraction = 0 }).Images;
        var truth = AtlasPlacement.Create(LeftHip, left: true, View(0, Vec3.Zero), View(90, Vec3.Zero));
        var leftLabel = truth.ToPatient(right.Label);
        var left = new PhantomImages(truth.ToPatient(right.Ct), leftLabel);
        var iso = LeftHip + AtlasPlacement.Reflection * NetworkPreset.AtlasCentre;
        var ap = View(0, iso); var lat = View(-90, iso);
        var rendered = SubjectRadiographs.Render(left, new[] { ap, lat });
        var (apMasked, latMasked) = (rendered[0].MaskedDrr, rendered[1].MaskedDrr);
        var head = RayTriangulation.Triangulate(ap, ap.Project(LeftHip)!.Value, lat, lat.Project(LeftHip)!.Value).Point;

        using var registrar = Registrar.Load(ShippedModel.Find("femur-tiny"));
        double Dice(bool leftSide)
        {
            var placement = AtlasPlacement.Create(head, leftSide, ap, lat);
            var r = registrar.Register(placement.ToAtlas(apMasked), placement.ToAtlas(latMasked));
            var onPatient = PlacedRegistration.ToPatient(r, placement, apMasked, latMasked);
            var femur = PopulationTestSupportEngine.Femur(onPatient.WarpedLabel);
            TestContext.Out.WriteLine($"side {(leftSide ? "left" : "right")}: femur centroid {femur}, head {head}");
            if (leftSide)
            {
                Assert.That(onPatient.WarpedLabel.Geometry.ApproximatelyEquals(leftLabel.Geometry, 1e-6), "mirrored back onto the left femur's grid");
                Assert.That(femur.X, Is.LessThan(LeftHip.X), "the registered shaft lies lateral (−x) of the left hip");
            }
            return Overlap.Compute(GridLabels.LabelAt(leftLabel, leftLabel, NetworkInputs.FemurLabel), GridLabels.LabelAt(leftLabel, onPatient.WarpedLabel, NetworkInputs.FemurLabel)).Dice;
        }
        double asLeft = Dice(true), asRight = Dice(false);
        TestContext.Out.WriteLine($"Dice registered as left {asLeft:F4}, as right (wrong side) {asRight:F4}");
        Assert.That(asLeft, Is.GreaterThan(0.8));
        Assert.That(asLeft, Is.GreaterThan(asRight + 0.1), "the side matters: a left femur taken as a right one registers far worse");
    }

    [Test]
    public void A_masked_model_refuses_an_unmasked_radiograph_and_says_how_to_make_a_mask()
    {
        var config = NetworkConfig.Load(Path.Combine(ShippedModel.Find("femur-tiny"), RegistrationNetwork.ConfigFileName));
        Assert.That(config.Input, Is.EqualTo(NetworkConfig.Masked));
        var subject = SubjectGenerator.Generate(32, new SubjectOptions { Preset = NetworkPreset.Tiny });
        var view = DatasetViews.CArm(0).ToView();
        var r = SubjectRadiographs.Render(subject.Images, new[] { view })[0];
        var exposure = RealisticExposure.Apply(r.Drr.Image, new RealisticExposureOptions(), new Random(1));
        var intensity = new Radiograph(exposure.Intensity, view);
        var kind = new Dictionary<string, string> { [RadiographKinds.KindKey] = "intensity" };
        var unmasked = RadiographPreparation.Prepare(intensity, kind, null, new(), "ap.nrrd");
        var e = Assert.Throws<ArgumentException>(() => MaskedInputCheck.Require(config, "femur-tiny", unmasked, "AP radiograph", "--ap-mask"))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain("--ap-mask").And.Contain("Segment Editor").And.Contain("femur-tiny"));
        var mask = r.Mask.Image.Pixels.Select(p => p > 0).ToArray();
        Assert.DoesNotThrow(() => MaskedInputCheck.Require(config, "femur-tiny", RadiographPreparation.Prepare(intensity, kind, mask, new(), "ap.nrrd"), "AP radiograph", "--ap-mask"));
        // A masked DRR (as `simulate` writes it) is already masked; an unmasked model takes anything.
        var maskedDrr = RadiographPreparation.Prepare(r.MaskedDrr, new Dictionary<string, string>(), null, new(), "ap_masked_drr.nrrd");
        Assert.DoesNotThrow(() => MaskedInputCheck.Require(config, "femur-tiny", maskedDrr, "AP radiograph", "--ap-mask"));
        Assert.DoesNotThrow(() => MaskedInputCheck.Require(config with { Input = NetworkConfig.Unmasked }, "m", unmasked, "AP radiograph", "--ap-mask"));
    }
}

internal static class PopulationTestSupportEngine
{
    public static Vec3 Femur(Core.Imaging.Volume label)
    {
        var g = label.Geometry; var sum = Vec3.Zero; long count = 0, n = 0;
        for (int k = 0; k < g.Size.K; k++)
            for (int j = 0; j < g.Size.J; j++)
                for (int i = 0; i < g.Size.I; i++, n++)
                    if (label.GetElement(n) == NetworkInputs.FemurLabel) { sum += g.IndexToRas(new Vec3(i, j, k)); count++; }
        return sum / count;
    }
}
