using System.Globalization;
using System.Text.Json.Nodes;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>
/// `register --ap X.dcm --lat Y.dcm`: a simulated subject's realistic MONOCHROME1 radiographs written as DICOM DX images by
/// pydicom (tests/tools/pydicom_io.py) register to the same files, byte for byte, as the same pixels and view in NRRD;
/// `--ap-view dicom` takes the views from the files' C-arm attributes; without a view, the error says how to give one.
/// </summary>
public class DicomRadiographCliTests
{
    static string Model => Path.Combine(ExternalTool.RepoRoot, "atlas", "models", "femur-tiny");

    [Test]
    public void RegisterOnADicomPairWritesTheSameFilesAsOnTheNrrdPair()
    {
        using var tmp = new TempFolder();
        string data = tmp.File("ds");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", data, "--count", "1", "--seed", "8", "--views", "orthogonal", "--preset", "tiny",
                                                  "--split", "0,0,1", "--realistic", "--dose", "1e4", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        var realistic = JObject.Parse(File.ReadAllText(Path.Combine(data, "manifest.json")))["subjects"]![0]!["source"]!["realistic"]!;
        string F(string view, string key) => Path.Combine(data, (string)realistic["views"]![view]![key]!);

        // A detector stores integers: both pairs hold the simulated W − I rounded, with the same view and the same DICOM
        // attributes (Modality, PhotometricInterpretation, BitsStored), so register must not tell them apart.
        var files = new Dictionary<string, (string Nrrd, string Dicom, string View)>();
        foreach (var (view, syntax) in new[] { ("ap", DicomTransferSyntax.ExplicitVrLittleEndian), ("lateral", DicomTransferSyntax.ImplicitVrLittleEndian) })
        {
            var v = VolumeFile.Read(F(view, "intensityInverted"));
            double white = double.Parse(v.Metadata[RadiographKinds.WhiteLevelKey], CultureInfo.InvariantCulture);
            int bits = (int)Math.Round(Math.Log2(white + 1));
            Assert.That(Math.Pow(2, bits) - 1, Is.EqualTo(white), "the simulation's white level is 2^k − 1");
            Assert.That(bits, Is.LessThanOrEqualTo(16), "--dose 1e4 keeps the counts in 16 bits");
            var cells = new ushort[v.VoxelCount];
            for (long n = 0; n < cells.LongLength; n++) cells[n] = (ushort)Math.Round(Math.Clamp(v.GetElement(n), 0, white));
            string viewJson = v.Metadata[Radiograph.ViewKey];
            var calibration = Radiograph.FromVolume(v, F(view, "intensityInverted")).View;

            var nrrd = Volume.Create(v.Geometry, cells.Select(c => (float)c).ToArray());
            nrrd.Metadata[Radiograph.ViewKey] = viewJson;
            nrrd.Metadata[RadiographKinds.ModalityKey] = "DX";
            nrrd.Metadata[RadiographKinds.PhotometricKey] = "MONOCHROME1";
            nrrd.Metadata[RadiographKinds.BitsStoredKey] = bits.ToString(CultureInfo.InvariantCulture);
            string nrrdPath = tmp.File($"{view}.nrrd"), viewPath = tmp.File($"{view}_view.json"), dicomPath = tmp.File($"{view}.dcm");
            VolumeFile.Write(nrrd, nrrdPath);
            File.WriteAllText(viewPath, viewJson);

            var spec = new JsonObject
            {
                ["rows"] = calibration.Rows, ["columns"] = calibration.Columns, ["bits_allocated"] = 16, ["bits_stored"] = bits, ["pixel_representation"] = 0,
                ["photometric"] = "MONOCHROME1", ["transfer_syntax"] = syntax, ["modality"] = "DX", ["presentation_intent"] = "FOR PROCESSING",
                ["imager_pixel_spacing"] = new JsonArray(calibration.RowSpacingMm, calibration.ColumnSpacingMm),
                // C-arm attributes for `--ap-view dicom` below (a view file, when given, decides)
                ["attributes"] = new JsonObject { ["DistanceSourceToDetector"] = "1000", ["DistanceSourceToPatient"] = "925", ["ViewPosition"] = view == "ap" ? "AP" : "RL" },
            };
            File.WriteAllBytes(tmp.File($"{view}_cells.raw"), cells.SelectMany(BitConverter.GetBytes).ToArray());
            File.WriteAllText(tmp.File($"{view}_spec.json"), spec.ToJsonString());
            ExternalTool.Check(ExternalTool.Python, ExternalTool.ToolScript("pydicom_io.py"), "make", dicomPath, tmp.File($"{view}_cells.raw"), tmp.File($"{view}_spec.json"));
            files[view] = (nrrdPath, dicomPath, viewPath);
        }

        string[] Common(string outDir) => new[] { "--ap-mask", F("ap", "userMask"), "--lat-mask", F("lateral", "userMask"), "--head", (string)realistic["headArgument"]!,
                                                  "--output-grid", "model", "--model", Model, "--out", outDir };
        (code, var nrrdText, err) = SlicerRegProcess.Run(new[] { "register", "--ap", files["ap"].Nrrd, "--lat", files["lateral"].Nrrd }.Concat(Common(tmp.File("out_nrrd"))).ToArray());
        Assert.That(code, Is.EqualTo(0), err);
        (code, var dicomText, err) = SlicerRegProcess.Run(new[] { "register", "--ap", files["ap"].Dicom, "--ap-view", files["ap"].View,
                                                                  "--lat", files["lateral"].Dicom, "--lat-view", files["lateral"].View }.Concat(Common(tmp.File("out_dicom"))).ToArray());
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(dicomText, Does.Contain("AP radiograph: intensity (Modality=DX), MONOCHROME1 inverted"));
        Assert.That(dicomText.Split('\n').Where(l => l.Contains("radiograph:")), Is.EqualTo(nrrdText.Split('\n').Where(l => l.Contains("radiograph:"))));

        var names = Directory.GetFiles(tmp.File("out_nrrd")).Select(Path.GetFileName).Order().ToArray();
        Assert.That(names, Does.Contain("warped_labels.nrrd").And.Contain("placement.json"));
        Assert.That(Directory.GetFiles(tmp.File("out_dicom")).Select(Path.GetFileName).Order(), Is.EqualTo(names));
        foreach (var name in names)
            Assert.That(File.ReadAllBytes(Path.Combine(tmp.File("out_dicom"), name!)), Is.EqualTo(File.ReadAllBytes(Path.Combine(tmp.File("out_nrrd"), name!))), $"{name} differs");

        // --ap-view/--lat-view dicom: the views of the files' C-arm attributes (the paper's AP and lateral poses about the
        // RAS origin, not this subject's jittered views: only the plumbing is checked here; DicomViewTests check the geometry).
        (code, var derivedText, err) = SlicerRegProcess.Run(new[] { "register", "--ap", files["ap"].Dicom, "--ap-view", "dicom",
                                                                    "--lat", files["lateral"].Dicom, "--lat-view", "dicom" }.Concat(Common(tmp.File("out_derived"))).ToArray());
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(derivedText, Does.Contain("AP view from the DICOM attributes: ViewPosition AP → C-arm primary 0°")
                                     .And.Contain("lateral view from the DICOM attributes: ViewPosition RL → C-arm primary 90°")
                                     .And.Contain("principal point at the detector centre"));

        // Without a view file a DICOM radiograph has no calibration: register says so and which option gives it.
        (code, _, err) = SlicerRegProcess.Run(new[] { "register", "--ap", files["ap"].Dicom, "--lat", files["lateral"].Dicom }.Concat(Common(tmp.File("out_none"))).ToArray());
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain(files["ap"].Dicom).And.Contain("--ap-view/--lat-view"));
    }
}
