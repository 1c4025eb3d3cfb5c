using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Cli.Tests;

/// <summary>`slicerreg simulate` as a user runs it: a dataset folder whose manifest lists every file, each readable.</summary>
public class SimulateCliTests
{
    static JObject Manifest(string dir) => JObject.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")));

    /// <summary>Every file under the folder except the manifest, relative, with '/'.</summary>
    static IEnumerable<string> FilesIn(string dir)
        => Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/')).Where(f => f != "manifest.json");

    static List<string> Listed(JObject m) => m["subjects"]!.SelectMany(s =>
        new[] { (string)s["files"]!["ct"]!, (string)s["files"]!["label"]! }
        .Concat(s["views"]!.SelectMany(v => ((JObject)v["files"]!).Properties().Select(p => (string)p.Value!)))).ToList();

    [TestCase("orthogonal")]
    [TestCase("generalised")]
    public void TinyDatasetListsEveryFileAndEveryFileReadsBack(string mode)
    {
        using var tmp = new TempFolder();
        string dir = tmp.File("ds");
        var (code, text, err) = SlicerRegProcess.Run("simulate", "--out", dir, "--count", "3", "--seed", "4", "--views", mode, "--preset", "tiny", "--split", "0.34,0.33,0.33");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(text, Does.Contain("wrote 3 subjects"));
        Assert.That(err, Is.Empty, "no progress bar when stderr is not a terminal");
        var m = Manifest(dir);
        var listed = Listed(m);
        Assert.That(listed, Is.Unique);
        Assert.That(FilesIn(dir), Is.EquivalentTo(listed), "the manifest lists exactly the files on disk");
        Assert.That(m["subjects"]!.Select(s => (string)s["split"]!), Is.EquivalentTo(new[] { "train", "validation", "test" }));
        Assert.That(m["failed"]!, Is.Empty);

        foreach (var s in m["subjects"]!)
        {
            var ct = VolumeFile.Read(Path.Combine(dir, (string)s["files"]!["ct"]!));
            var label = VolumeFile.Read(Path.Combine(dir, (string)s["files"]!["label"]!));
            Assert.That(ct.VoxelType, Is.EqualTo(VoxelType.Int16));
            Assert.That(label.VoxelType, Is.EqualTo(VoxelType.UInt8));
            Assert.That(ct.Geometry.ApproximatelyEquals(NetworkPreset.Tiny.AtlasGrid, 1e-6), Is.True, "CT on the atlas grid");
            Assert.That(label.As<byte>().Distinct().Order(), Is.EqualTo(new byte[] { 0, 1, 2 }));
            var views = s["views"]!.ToList();
            Assert.That(views.Select(v => (string)v["name"]!), Is.EqualTo(new[] { "ap", "lateral" }));
            for (int n = 0; n < 2; n++)
            {
                var v = views[n]; var f = (JObject)v["files"]!;
                double primary = (double)v["primaryAngle"]!;
                double nominal = n == 0 ? 0 : 90;
                if (mode == "orthogonal") Assert.That(primary, Is.EqualTo(nominal));
                else Assert.That(primary, Is.InRange(nominal - 30, nominal + 30));
                Assert.That((double)v["secondaryAngle"]!, Is.EqualTo(0));
                // The view file, the DRR's own calibration and the manifest agree on the angle.
                var view = ViewFile.Read(Path.Combine(dir, (string)f["view"]!));
                var carm = CArmGeometry.FromView(view);
                Assert.That(carm.PrimaryAngleDeg, Is.EqualTo(primary).Within(1e-9));
                Assert.That(carm.SecondaryAngleDeg, Is.EqualTo(0).Within(1e-9));
                Assert.That((carm.Isocenter - NetworkPreset.AtlasCentre).Norm, Is.LessThan(1e-9));
                Assert.That((view.Columns, view.Rows), Is.EqualTo((160, 224)));
                var drr = Radiograph.Read(Path.Combine(dir, (string)f["drr"]!));
                var masked = Radiograph.Read(Path.Combine(dir, (string)f["maskedDrr"]!));
                var mask = Radiograph.Read(Path.Combine(dir, (string)f["mask"]!));
                Assert.That(drr.View.Source.X, Is.EqualTo(view.Source.X).Within(1e-9));
                Assert.That(mask.Image.Pixels.Distinct().Order(), Is.EqualTo(new[] { 0f, 1f }));
                for (int p = 0; p < drr.Image.Pixels.Length; p++)
                    Assert.That(masked.Image.Pixels[p], Is.EqualTo(drr.Image.Pixels[p] * mask.Image.Pixels[p]));
                // The mask is the femur's projection: compare with projecting the written label independently of the dataset code path.
                var reprojected = LabelProjector.Project(label, view, 1);
                Assert.That(reprojected.Pixels, Is.EqualTo(mask.Image.Pixels));
            }
        }
    }

    [Test]
    public void SameSeedSameBytesDifferentSeedDifferent()
    {
        using var tmp = new TempFolder();
        string[] Args(string d, string seed) => new[] { "simulate", "--out", tmp.File(d), "--count", "2", "--seed", seed, "--views", "generalised", "--preset", "tiny", "--quiet" };
        foreach (var (d, seed) in new[] { ("a", "7"), ("b", "7"), ("c", "8") })
        {
            var (code, _, err) = SlicerRegProcess.Run(Args(d, seed));
            Assert.That(code, Is.EqualTo(0), err);
        }
        var files = FilesIn(tmp.File("a")).ToList();
        Assert.That(FilesIn(tmp.File("b")), Is.EquivalentTo(files));
        foreach (var f in files)
            Assert.That(File.ReadAllBytes(Path.Combine(tmp.File("b"), f)), Is.EqualTo(File.ReadAllBytes(Path.Combine(tmp.File("a"), f))), f);
        // Manifests differ only in the recorded command line (the output folder).
        var ma = Manifest(tmp.File("a")); var mb = Manifest(tmp.File("b"));
        ma["settings"]!["command"]!.Parent!.Remove(); mb["settings"]!["command"]!.Parent!.Remove();
        Assert.That(JToken.DeepEquals(ma, mb), Is.True);
        Assert.That(File.ReadAllBytes(tmp.File("c/subject_0000/ct.nrrd")), Is.Not.EqualTo(File.ReadAllBytes(tmp.File("a/subject_0000/ct.nrrd"))));
    }

    [Test]
    public void FromCtImportsPhantomScansMirrorsTheLeftOneAndReportsABadPair()
    {
        using var tmp = new TempFolder();
        string cts = tmp.File("cts"); Directory.CreateDirectory(cts);
        var g = NetworkPreset.Standard.AtlasGrid;
        // Two phantom scans placed elsewhere in the scanner; "lefty" is mirrored through x = shift.X into a left femur.
        var specs = new[] { (Name: "righty", Seed: 3, Shift: new Vec3(-120, 30, 650), Left: false), (Name: "lefty", Seed: 5, Shift: new Vec3(110, -15, 620), Left: true) };
        foreach (var (name, seed, shift, left) in specs)
        {
            var moved = new ImageGeometry(g.Size, g.Spacing, g.Origin + shift, g.Direction);
            var scan = FemurPhantom.Rasterise(FemurParameters.Sample(seed), moved, x => x - shift);
            Volume ct = scan.Ct, label = scan.Label;
            if (left)
            {
                var back = new Mat4(Mat3.Identity, new Vec3(2 * shift.X, 0, 0));
                ct = FemurMirror.Mirror(ct); label = FemurMirror.Mirror(label);
                ct.SetGeometry(ImageGeometry.FromIjkToRas(ct.Size, back * ct.Geometry.IjkToRas));
                label.SetGeometry(ImageGeometry.FromIjkToRas(label.Size, back * label.Geometry.IjkToRas));
            }
            VolumeFile.Write(ct, Path.Combine(cts, name + ".nii.gz"));
            VolumeFile.Write(label, Path.Combine(cts, name + "_label.nii.gz"));
        }
        // A third pair whose label map has no femur: reported with its file, the others still written.
        VolumeFile.Write(new Volume(NetworkPreset.Tiny.AtlasGrid, VoxelType.Int16), Path.Combine(cts, "empty.nrrd"));
        VolumeFile.Write(new Volume(NetworkPreset.Tiny.AtlasGrid, VoxelType.UInt8, kind: VolumeKind.LabelMap), Path.Combine(cts, "empty_label.nrrd"));

        string dir = tmp.File("ds");
        var (code, text, err) = SlicerRegProcess.Run("simulate", "--out", dir, "--from-ct", cts, "--seed", "1", "--views", "orthogonal", "--preset", "tiny");
        Assert.That(code, Is.EqualTo(1), "a failed subject makes the run exit 1");
        Assert.That(err, Does.Contain("empty_label.nrrd").And.Contain("no femur voxels"));
        var m = Manifest(dir);
        Assert.That(m["failed"]!.Select(f => (string)f["id"]!), Is.EqualTo(new[] { "empty" }));
        var subjects = m["subjects"]!.ToDictionary(s => (string)s["id"]!);
        Assert.That(subjects.Keys, Is.EquivalentTo(new[] { "lefty", "righty" }));
        Assert.That(FilesIn(dir), Is.EquivalentTo(Listed(m)));
        foreach (var (name, seed, shift, left) in specs)
        {
            var s = subjects[name];
            Assert.That((string)s["source"]!["side"]!, Is.EqualTo(left ? "left" : "right"));
            Assert.That((bool)s["source"]!["mirrored"]!, Is.EqualTo(left));
            var head = Vec3.FromArray(s["source"]!["headCentreRas"]!.ToObject<double[]>()!);
            Assert.That((head - shift).Norm, Is.LessThan(2), $"{name}: head centre found");
            // In the atlas frame both are right femurs matching the phantom rasterised there directly.
            var label = VolumeFile.Read(Path.Combine(dir, (string)s["files"]!["label"]!));
            var truth = FemurPhantom.Rasterise(FemurParameters.Sample(seed), NetworkPreset.Tiny.AtlasGrid).Label;
            var a = label.As<byte>(); var b = truth.As<byte>();
            int both = 0, na = 0, nb = 0;
            for (int n = 0; n < a.Length; n++) { if (a[n] == 1) na++; if (b[n] == 1) nb++; if (a[n] == 1 && b[n] == 1) both++; }
            Assert.That(2.0 * both / (na + nb), Is.GreaterThan(0.85), $"{name}: Dice with the phantom in the atlas frame (tiny grid, 2.7–4 mm voxels)");
            foreach (var v in s["views"]!) Assert.That(File.Exists(Path.Combine(dir, (string)v["files"]!["drr"]!)));
        }
    }

    [Test]
    public void CalibrationErrorMovesTheStatedLateralViewByExactlyTheSizeAndKeepsTheDrrs()
    {
        using var tmp = new TempFolder();
        string[] Args(string d, params string[] extra) => new[] { "simulate", "--out", tmp.File(d), "--count", "2", "--seed", "12", "--views", "generalised", "--preset", "tiny", "--quiet" }.Concat(extra).ToArray();
        foreach (var (d, extra) in new[] { ("exact", Array.Empty<string>()), ("error", new[] { "--calibration-error", "5,2" }), ("again", new[] { "--calibration-error", "5,2" }) })
        {
            var (code, _, err) = SlicerRegProcess.Run(Args(d, extra));
            Assert.That(code, Is.EqualTo(0), err);
        }
        string exact = tmp.File("exact"), error = tmp.File("error");
        // Seeded: the same command line gives the same files.
        foreach (var f in FilesIn(error))
            Assert.That(File.ReadAllBytes(Path.Combine(tmp.File("again"), f)), Is.EqualTo(File.ReadAllBytes(Path.Combine(error, f))), f);
        var m = Manifest(error);
        Assert.That(FilesIn(error), Is.EquivalentTo(Listed(m)), "the manifest lists the true-view files too");
        Assert.That((double)m["settings"]!["calibrationError"]!["angleDeg"]!, Is.EqualTo(5));
        var isocentre = Vec3.FromArray(m["settings"]!["detector"]!["isocenter"]!.ToObject<double[]>()!);
        var axes = new List<Vec3>();
        foreach (var s in m["subjects"]!)
        {
            string id = (string)s["id"]!;
            foreach (var what in new[] { "drr", "mask", "masked_drr" })
                foreach (var view in new[] { "ap", "lateral" })
                {
                    var withError = Radiograph.Read(Path.Combine(error, id, $"{view}_{what}.nrrd"));
                    var without = Radiograph.Read(Path.Combine(exact, id, $"{view}_{what}.nrrd"));
                    Assert.That(withError.Image.Pixels, Is.EqualTo(without.Image.Pixels), $"{id} {view} {what}: the pixels are those of the true view");
                    Assert.That(withError.View == without.View, Is.EqualTo(view == "ap"), $"{id} {view} {what}: only the lateral view is stated wrongly");
                }
            Assert.That(File.ReadAllBytes(Path.Combine(error, id, "ap_view.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(exact, id, "ap_view.json"))));
            Assert.That(File.ReadAllBytes(Path.Combine(error, id, "lateral_true_view.json")), Is.EqualTo(File.ReadAllBytes(Path.Combine(exact, id, "lateral_view.json"))));

            // The stated view against the true one, from the files alone: the rotation between the detector frames and the
            // translation left after rotating the true source about the isocentre.
            var truth = ViewFile.Read(Path.Combine(exact, id, "lateral_view.json"));
            var stated = ViewFile.Read(Path.Combine(error, id, "lateral_view.json"));
            var ft = Mat3.FromColumns(truth.ColumnDirection, truth.RowDirection, truth.Normal);
            var fs = Mat3.FromColumns(stated.ColumnDirection, stated.RowDirection, stated.Normal);
            var r = fs * ft.Transpose();
            double angle = Math.Acos(Math.Clamp((r[0, 0] + r[1, 1] + r[2, 2] - 1) / 2, -1, 1)) * 180 / Math.PI;
            Assert.That(angle, Is.EqualTo(5).Within(1e-9), $"{id}: rotation of the stated lateral view");
            var shift = stated.Source - isocentre - r * (truth.Source - isocentre);
            Assert.That(shift.Norm, Is.EqualTo(2).Within(1e-9), $"{id}: translation of the stated lateral view");
            Assert.That((stated.DetectorCenter - isocentre - r * (truth.DetectorCenter - isocentre) - shift).Norm, Is.LessThan(1e-9), "one rigid motion");

            // The manifest records it: the recorded axis is the rotation's axis, the recorded translation this shift.
            var lateral = s["views"]!.Single(v => (string)v["name"]! == "lateral");
            Assert.That(s["views"]!.Single(v => (string)v["name"]! == "ap")["calibrationError"], Is.Null);
            var record = lateral["calibrationError"]!;
            var axis = Vec3.FromArray(record["axis"]!.ToObject<double[]>()!);
            Assert.That(((double)record["angleDeg"]!, axis.Norm), Is.EqualTo((5.0, 1.0)).Within(1e-12));
            Assert.That((r * axis - axis).Norm, Is.LessThan(1e-9), $"{id}: the recorded axis is the rotation's axis");
            Assert.That((Vec3.FromArray(record["translationMm"]!.ToObject<double[]>()!) - shift).Norm, Is.LessThan(1e-9));
            Assert.That((int)record["seed"]!, Is.EqualTo(SeedMixer.Derive((int)s["source"]!["seed"]!, CalibrationError.Stream)));
            axes.Add(axis);
        }
        Assert.That((axes[0] - axes[1]).Norm, Is.GreaterThan(0.01), "each subject draws its own axis");
    }

    [Test]
    public void PaperGridTruthAgreesWithTheModelGridTruth()
    {
        using var tmp = new TempFolder();
        string dir = tmp.File("ds");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", dir, "--count", "1", "--seed", "9", "--views", "orthogonal", "--preset", "tiny", "--truth-grid", "paper", "--quiet");
        Assert.That(code, Is.EqualTo(0), err);
        var s = Manifest(dir)["subjects"]![0]!;
        var coarse = VolumeFile.Read(Path.Combine(dir, (string)s["files"]!["label"]!));
        var fine = VolumeFile.Read(Path.Combine(dir, (string)s["files"]!["paperLabel"]!));
        var fineCt = VolumeFile.Read(Path.Combine(dir, (string)s["files"]!["paperCt"]!));
        Assert.That(fine.Geometry.ApproximatelyEquals(NetworkPreset.Paper.AtlasGrid, 1e-6) && fineCt.Geometry.ApproximatelyEquals(NetworkPreset.Paper.AtlasGrid, 1e-6), Is.True, "on the paper grid");
        // Every tiny voxel is a 4×4×4 block of paper voxels with the same centre: the fine femur's fraction in each block,
        // thresholded at one half, is the fine truth brought onto the coarse grid.
        var c = coarse.As<byte>(); var f = fine.As<byte>();
        var (cs, fs) = (coarse.Size, fine.Size);
        Assert.That((fs.I, fs.J, fs.K), Is.EqualTo((4 * cs.I, 4 * cs.J, 4 * cs.K)));
        int both = 0, nc = 0, nf = 0, fineVoxels = 0;
        for (int k = 0; k < cs.K; k++)
            for (int j = 0; j < cs.J; j++)
                for (int i = 0; i < cs.I; i++)
                {
                    int inside = 0;
                    for (int dk = 0; dk < 4; dk++) for (int dj = 0; dj < 4; dj++) for (int di = 0; di < 4; di++)
                        if (f[((4 * k + dk) * fs.J + 4 * j + dj) * fs.I + 4 * i + di] == 1) inside++;
                    fineVoxels += inside;
                    bool a = c[(k * cs.J + j) * cs.I + i] == 1, b = inside > 32;
                    if (a) nc++; if (b) nf++; if (a && b) both++;
                }
        double dice = 2.0 * both / (nc + nf);
        Assert.That(dice, Is.GreaterThan(0.95), "the fine truth is the same subject");
        Assert.That(fineVoxels / 64.0, Is.EqualTo(nc).Within(0.05 * nc), "femur volume agrees within 5%");
        Assert.That(f.Count(v => v == 2), Is.GreaterThan(0), "the other labels are there too");
    }

    [Test]
    public void BadCommandLinesExitTwoAndANonEmptyFolderExitsOne()
    {
        using var tmp = new TempFolder();
        Assert.That(SlicerRegProcess.Run("simulate", "--out", tmp.File("x"), "--count", "2", "--seed", "1").Code, Is.EqualTo(2), "--views missing");
        Assert.That(SlicerRegProcess.Run("simulate", "--out", tmp.File("x"), "--count", "2", "--seed", "1", "--views", "oblique").Code, Is.EqualTo(2));
        Assert.That(SlicerRegProcess.Run("simulate", "--out", tmp.File("x"), "--count", "2", "--seed", "1", "--views", "orthogonal", "--split", "0.5,0.5").Code, Is.EqualTo(2));
        foreach (var (option, value) in new[] { ("--calibration-error", "50"), ("--calibration-error", "5,x"), ("--truth-grid", "fine") })
        {
            var (c, _, e) = SlicerRegProcess.Run("simulate", "--out", tmp.File("x"), "--count", "1", "--seed", "1", "--views", "orthogonal", option, value);
            Assert.That(c, Is.EqualTo(2), $"{option} {value}: {e}");
            Assert.That(e, Does.Contain(value));
        }
        File.WriteAllText(tmp.File("keep.txt"), "user data");
        var (code, _, err) = SlicerRegProcess.Run("simulate", "--out", tmp.Path, "--count", "1", "--seed", "1", "--views", "orthogonal", "--preset", "tiny");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("not empty"));
        Assert.That(File.ReadAllText(tmp.File("keep.txt")), Is.EqualTo("user data"));
    }

    [Test]
    public void ProgressBarAppearsOnATerminalAndNotWithQuiet()
    {
        // util-linux `script` gives the program a pseudo-terminal, as an interactive shell would.
        if (!File.Exists("/usr/bin/script")) Assert.Ignore("/usr/bin/script (util-linux) not installed");
        string dir = typeof(SlicerRegProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().First(a => a.Key == "CliOutputDir").Value!;
        using var tmp = new TempFolder();
        string Line(string outDir, string extra) => $"dotnet '{Path.Combine(dir, "slicerreg.dll")}' simulate --out '{tmp.File(outDir)}' --count 2 --seed 1 --views orthogonal --preset tiny {extra}";
        var (code, text, _) = ExternalTool.Run("/usr/bin/script", new[] { "-qec", Line("a", ""), "/dev/null" });
        Assert.That(code, Is.EqualTo(0), text);
        Assert.That(text, Does.Contain("\r[").And.Contain("2/2 subjects").And.Contain("ETA"));
        var (code2, quiet, _) = ExternalTool.Run("/usr/bin/script", new[] { "-qec", Line("b", "--quiet"), "/dev/null" });
        Assert.That(code2, Is.EqualTo(0), quiet);
        Assert.That(quiet, Does.Not.Contain("ETA"));
        Assert.That(quiet, Does.Contain("wrote 2 subjects"));
    }

    [Test]
    public void ProgressLineShowsCountElapsedAndEta()
    {
        string line = ProgressBar.Format(10, 40, TimeSpan.FromSeconds(20), "subjects");
        Assert.That(line, Does.Contain("10/40 subjects").And.Contain("elapsed 00:20").And.Contain("ETA 01:00"));
        Assert.That(ProgressBar.Format(0, 40, TimeSpan.Zero, "subjects"), Does.Contain("ETA --:--"));
        var sw = new StringWriter();
        var bar = new ProgressBar("subjects", quiet: false, sw, enabled: true);
        bar.Report(1, 2); bar.Report(2, 2);
        Assert.That(sw.ToString(), Does.StartWith("\r[").And.Contain("2/2 subjects"));
        var silent = new StringWriter();
        new ProgressBar("subjects", quiet: true, silent).Report(1, 2);
        Assert.That(silent.ToString(), Is.Empty);
    }
}
