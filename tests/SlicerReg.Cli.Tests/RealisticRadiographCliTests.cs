using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// The real-radiograph walkthrough of docs/radiographs.md as a user runs it: `simulate --realistic`, then `register` on the
/// inverted intensity radiographs with the drawn masks and the clicked head — and without masks, the masked model's refusal.
/// </summary>
public class RealisticRadiographCliTests
{
    static string Model => Path.Combine(ExternalTool.RepoRoot, "atlas", "models", "femur-tiny");

    [Test]
    public void InvertedIntensityRadiographsWithDrawnMasksAndClickedHeadRegister()
    {
        string root = Path.Combine(Path.GetTempPath(), "slicerreg-cli-realistic-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string data = Path.Combine(root, "ds"), outDir = Path.Combine(root, "out");
            var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", data, "--count", "1", "--seed", "8", "--views", "orthogonal", "--preset", "tiny",
                                                      "--split", "0,0,1", "--realistic", "--quiet");
            Assert.That(code, Is.EqualTo(0), err);
            var manifest = JObject.Parse(File.ReadAllText(Path.Combine(data, "manifest.json")));
            Assert.That((double)manifest["settings"]!["realistic"]!["photonsPerPixel"]!, Is.EqualTo(1e5));
            var subject = manifest["subjects"]![0]!;
            var realistic = subject["source"]!["realistic"]!;
            string F(string view, string key) => Path.Combine(data, (string)realistic["views"]![view]![key]!);

            string[] Args(params string[] extra) => new[] { "register", "--ap", F("ap", "intensityInverted"), "--lat", F("lateral", "intensityInverted"), "--model", Model }.Concat(extra).ToArray();
            (code, _, err) = SlicerRegProcess.Run(Args("--out", Path.Combine(root, "refused")));
            Assert.That(code, Is.EqualTo(1), "a masked model refuses an unmasked intensity radiograph");
            Assert.That(err, Does.Contain("--ap-mask").And.Contain("Segment Editor"));

            (code, var text, err) = SlicerRegProcess.Run(Args("--ap-mask", F("ap", "userMask"), "--lat-mask", F("lateral", "userMask"),
                "--head", (string)realistic["headArgument"]!, "--output-grid", "model", "--out", outDir));
            Assert.That(code, Is.EqualTo(0), err);
            Assert.That(text, Does.Contain("MONOCHROME1 inverted").And.Contain("triangulated").And.Contain("femur mask applied"));
            var placement = JObject.Parse(File.ReadAllText(Path.Combine(outDir, "placement.json")));
            double rays = (double)placement["head"]!["ray_distance_mm"]!;
            var centre = Vec3.FromArray(placement["head"]!["centre_ras_mm"]!.Select(v => (double)v).ToArray());
            var truthHead = Vec3.FromArray(realistic["headRas"]!.Select(v => (double)v).ToArray());
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"head from ±3 px clicks: {(centre - truthHead).Norm:F2} mm off, rays {rays:F2} mm apart"));
            Assert.That((centre - truthHead).Norm, Is.LessThan(8), "±3 px clicks (1.1 mm/px at the isocentre) place the head within a few mm");

            var truth = VolumeFile.Read(Path.Combine(data, (string)subject["files"]!["label"]!));
            var warped = VolumeFile.Read(Path.Combine(outDir, "warped_labels.nrrd"));
            double dice = Overlap.Compute(GridLabels.LabelAt(truth, truth, 1), GridLabels.LabelAt(truth, warped, 1)).Dice;
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"femur Dice vs the truth {dice:F4}"));
            Assert.That(dice, Is.GreaterThan(0.8));
        }
        finally { try { Directory.Delete(root, true); } catch (IOException) { } }
    }
}
