using SlicerReg.Engine.Network;
using System.Diagnostics;
using System.Globalization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Evaluation;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Refinement;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg demo`: the main job end to end on a synthetic patient. A patient is drawn from the seed (SubjectGenerator, as
/// `simulate` draws its subjects), its AP and lateral radiographs are simulated (SubjectRadiographs), the shipped model
/// registers its atlas to them (Registrar, as `register`), and the result is scored against the patient it was made from
/// (DatasetEvaluator.Score, as `evaluate`).
/// </summary>
public sealed class DemoCommand : ICommand
{
    public const string DefaultOut = "slicerreg-demo", MetricsFile = "metrics.json";
    public const int DefaultSeed = 20260101;

    public string Name => "demo";
    public string Summary => "register the shipped atlas to the simulated radiographs of a synthetic patient and score it (the main job)";
    public string Usage => $"slicerreg demo [--out DIR (default ./{DefaultOut})] [--seed S (default {DefaultSeed})] [--model MODEL (default atlas/models/{ShippedModel.DefaultName})]\n" +
                           "             [--views orthogonal|generalised] [--device cpu|cuda]\n" +
                           $"             {RefineArguments.Usage}   (scores are on the model's grid, files on the output grid)";
    public IReadOnlySet<string> Flags => RefineArguments.Flags;
    public const string Refined = "refined";

    public int Run(Arguments args, TextWriter stdout)
    {
        string outDir = args.Option("out") ?? DefaultOut;
        string? seedText = args.Option("seed"), modelOption = args.Option("model");
        string viewsText = args.Option("views") ?? "orthogonal";
        string device = args.Option("device") ?? "cpu";
        var refine = RefineArguments.Parse(args);
        args.RejectUnknown();
        if (args.Positional.Count != 0) throw new UsageException($"demo takes no positional arguments (got '{args.Positional[0]}')");
        int seed = seedText is null ? DefaultSeed
                   : int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s >= 0 ? s
                   : throw new UsageException($"--seed '{seedText}': expected an integer ≥ 0");
        ViewMode mode;
        try { mode = DatasetViews.ParseMode(viewsText); }
        catch (ArgumentException e) { throw new UsageException($"--views: {e.Message}"); }
        // A folder of an earlier demo is overwritten (each file atomically); any other non-empty folder is left alone.
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !File.Exists(Path.Combine(outDir, MetricsFile)))
            throw new IOException($"output folder {outDir} is not empty and holds no earlier demo ({MetricsFile}); give a new or empty --out folder");

        var clock = Stopwatch.StartNew();
        string model = modelOption ?? ShippedModel.Find();
        using var registrar = Registrar.Load(model, device);
        stdout.WriteLine($"model {registrar.Folder} ({registrar.Preset.Name} preset); synthetic patient seed {seed}, {viewsText} views");

        // The patient: as `slicerreg simulate` makes subject n from its seed (docs/population.md), here from --seed itself.
        var patient = SubjectGenerator.Generate(seed, new SubjectOptions { Preset = registrar.Preset });
        var views = DatasetViews.Draw(mode, new Random(SeedMixer.Derive(seed, 6)));
        var radiographs = SubjectRadiographs.Render(patient.Images, views.Select(v => v.View));
        var (ap, lateral) = (radiographs[0], radiographs[1]);
        bool masked = registrar.Config.Input == NetworkConfig.Masked;
        double simulated = clock.Elapsed.TotalSeconds;

        var result = masked ? registrar.Register(ap.MaskedDrr, lateral.MaskedDrr, withAffineOnly: true) : registrar.Register(ap.Drr, lateral.Drr, withAffineOnly: true);
        double registered = clock.Elapsed.TotalSeconds;
        var reference = DatasetEvaluator.Reference.Of(registrar);
        var scores = DatasetEvaluator.Score($"seed {seed}", reference, patient.Images.Ct, patient.Images.Label, result, DatasetEvaluator.DefaultMethods).ToList();
        var outputGrid = OutputGrid.Resolve(refine.OutputGridChoice);
        RefinementResult? refinement = null;
        var written = result;
        if (refine.Refine)
        {
            (written, refinement) = RefinedRegistration.Run(refine.Grid, refine.Options, ap.MaskedDrr, lateral.MaskedDrr, result, RefineArguments.Printer(stdout), device: device);
            RefineArguments.PrintSummary(stdout, refinement);
            // Scored like the others: the model's atlas warped by the refined Ψ on the model's grid, against the same truth.
            var onModelGrid = new OutputGrid(Refined, registrar.AtlasCt, registrar.AtlasLabel).Apply(written with { AffineWarpedLabel = null });
            scores.Add((Refined, DatasetEvaluator.Score($"seed {seed}", reference, patient.Images.Ct, patient.Images.Label, onModelGrid, new[] { DatasetEvaluator.Full }).Single().Metrics));
        }
        double refined = clock.Elapsed.TotalSeconds;

        Directory.CreateDirectory(outDir);
        var files = new List<(string File, string What)>();
        foreach (var f in RegistrationFiles.Write(outDir, outputGrid.Apply(written), ap.Mask.Image, lateral.Mask.Image)) files.Add((f, Describe(Path.GetFileName(f))));
        if (refinement != null)
            foreach (var f in RefinedRegistration.WriteReport(outDir, refine.Grid, refine.Options, refinement, lateral.MaskedDrr.View)) files.Add((f, Describe(Path.GetFileName(f))));
        void Volume(Core.Imaging.Volume v, string name, string what) { string p = Path.Combine(outDir, name); VolumeFile.Write(v, p); files.Add((p, what)); }
        Volume(patient.Images.Ct, "ground_truth_ct.nrrd", "the synthetic patient's CT (HU), the truth the atlas should match");
        Volume(patient.Images.Label, "ground_truth_label.nrrd", "its label map");
        Volume(ap.DrrVolume(), "ap_radiograph.nrrd", "simulated AP radiograph (DRR line integrals, with its calibration)");
        Volume(lateral.DrrVolume(), "lateral_radiograph.nrrd", "simulated lateral radiograph");
        if (masked)
        {
            Volume(ap.MaskedDrr.ToVolume(), "ap_radiograph_masked.nrrd", "the AP radiograph masked by the projected femur: the network's input");
            Volume(lateral.MaskedDrr.ToVolume(), "lateral_radiograph_masked.nrrd", "the lateral one, masked");
        }
        string metricsPath = Path.Combine(outDir, MetricsFile);
        var json = Metrics(seed, viewsText, registrar, scores, simulated, registered - simulated, clock.Elapsed.TotalSeconds);
        json["output_grid"] = outputGrid.Name;
        json["scored_on"] = $"the model's grid ({registrar.Preset.Name}, {registrar.AtlasCt.Size})";
        if (refinement != null) ((JObject)json["seconds"]!)["refine"] = refined - registered;
        var bytes = System.Text.Encoding.UTF8.GetBytes(json.ToString(Formatting.Indented) + "\n");
        AtomicFile.Write(metricsPath, s => s.Write(bytes));
        files.Add((metricsPath, "Dice, Jaccard, ASSD, HD95, Hausdorff, SSIM of the unregistered atlas, the affine module and the full network"));

        stdout.WriteLine($"wrote to {Path.GetFullPath(outDir)}:");
        foreach (var (f, what) in files) stdout.WriteLine($"  {Path.GetFileName(f),-32} {what}");
        stdout.WriteLine("                 Dice     Jaccard  ASSD mm  HD95 mm  SSIM");
        foreach (var (method, m) in scores)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Label(method),-14} {m.Dice,-8:F4} {m.Jaccard,-8:F4} {m.Assd,-8:F3} {m.Hd95,-8:F3} {m.Ssim:F4}"));
        var full = scores.First(s => s.Method == DatasetEvaluator.Full).Metrics;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"registered in {registered - simulated:F1} s (total {clock.Elapsed.TotalSeconds:F1} s): Dice {full.Dice:F4}, ASSD {full.Assd:F2} mm (full network)"));
        if (scores.FirstOrDefault(s => s.Method == Refined) is { Metrics: { } rm })
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"refined in {refined - registered:F1} s: Dice {rm.Dice:F4}, ASSD {rm.Assd:F2} mm (scored on the model's grid)"));
        stdout.WriteLine("open the .nrrd files in 3D Slicer; displacement_field.nrrd loads as a transform");
        return 0;
    }

    static string Label(string method) => method switch
    {
        DatasetEvaluator.Identity => "identity",
        DatasetEvaluator.Affine => "affine only",
        Refined => "refined",
        _ => "full network",
    };

    static string Describe(string file) => file switch
    {
        RegistrationFiles.WarpedAtlas => "atlas CT warped onto the patient (HU)",
        RegistrationFiles.WarpedLabel => "atlas label map warped onto the patient",
        RegistrationFiles.Displacement => "displacement field Ψ (pull-back, LPS; a grid transform in Slicer)",
        RegistrationFiles.Affine => "the affine module's transform (ITK)",
        RegistrationFiles.OverlayAp => "AP radiograph with the registered (orange) and true (blue) femur outlines",
        RegistrationFiles.OverlayLateral => "lateral radiograph, the same",
        RefinedRegistration.ReportFile => "the refinement: steps, image NCC before/after, seconds, the recovered pose correction",
        RefinedRegistration.CorrectedLateralViewFile => "the lateral view with the recovered pose correction applied",
        _ => "",
    };

    static JObject Metrics(int seed, string views, Registrar registrar, IEnumerable<(string Method, Core.Evaluation.CaseMetrics M)> scores,
                           double simulateSeconds, double registerSeconds, double totalSeconds)
    {
        var methods = new JObject();
        foreach (var (method, m) in scores)
            methods[method] = new JObject
            {
                ["dice"] = m.Dice, ["jaccard"] = m.Jaccard, ["assd_mm"] = m.Assd, ["hd95_mm"] = m.Hd95, ["hausdorff_mm"] = m.Hausdorff, ["ssim"] = m.Ssim,
            };
        return new JObject
        {
            ["format"] = "slicerreg-demo v1",
            ["seed"] = seed,
            ["views"] = views,
            ["model"] = Path.GetFullPath(registrar.Folder),
            ["preset"] = registrar.Preset.Name,
            ["label"] = "femur (label 1); identity = the atlas as it is, affine = warped by the affine module's T, full = warped by Ψ, refined = by Ψ after test-time refinement (--refine)",
            ["methods"] = methods,
            ["seconds"] = new JObject { ["simulate"] = simulateSeconds, ["register"] = registerSeconds, ["total"] = totalSeconds },
        };
    }
}
