using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>`simulate --realistic --calibration-error`: the realistic files, like the DRRs beside them, hand out the stated view.</summary>
public class RealisticCalibrationErrorTests
{
    [Test]
    public void Realistic_files_carry_the_stated_view_and_the_head_clicks_stay_where_the_true_view_projects_the_head()
    {
        using var tmp = new TempFolder();
        string dir = tmp.File("ds");
        DatasetSimulator.Run(new DatasetOptions
        {
            OutputFolder = dir, Count = 1, Seed = 3, Subjects = new SubjectOptions { Preset = NetworkPreset.Tiny }, SplitFractions = new[] { 0.0, 0.0, 1.0 },
            Realistic = new RealisticExposureOptions(), CalibrationError = new CalibrationError(5, 2),
        });
        var manifest = DatasetManifest.Read(dir);
        var subject = manifest.Subjects.Single();
        var realistic = (JObject)subject.Source["realistic"]!;
        var head = Vec3.FromArray(realistic["headRas"]!.Values<double>().ToArray());
        foreach (var v in subject.Views)
        {
            var stated = Radiograph.Read(manifest.PathOf(v.Drr)).View;
            var truth = v.TrueViewJson is null ? stated : ViewFile.Read(manifest.PathOf(v.TrueViewJson));
            var files = DatasetRadiographs.Files(subject, v.View.Name)!;
            foreach (var f in new[] { files.Intensity, files.IntensityInverted, files.UserMask })
                Assert.That(Radiograph.Read(manifest.PathOf(f)).View, Is.EqualTo(stated), $"{f}: the view the DRR beside it hands out");
            var pixel = realistic["views"]![v.View.Name]!["headPixel"]!.Values<double>().ToArray();
            var projected = truth.Project(head)!.Value;
            Assert.That(pixel, Is.EqualTo(new[] { projected.Column, projected.Row }).Within(1e-9), $"{v.View.Name}: the head where the image shows it (the true view)");
        }
        var lateral = subject.Views.Single(v => v.View.Name == "lateral");
        Assert.That(lateral.TrueViewJson, Is.Not.Null, "the lateral view carries the error");
        Assert.That(Radiograph.Read(manifest.PathOf(DatasetRadiographs.Files(subject, "lateral")!.Intensity)).View,
                    Is.Not.EqualTo(ViewFile.Read(manifest.PathOf(lateral.TrueViewJson!))), "the stated lateral view is not the true one (the test can fail)");
    }
}
