using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Population;

/// <summary>Settings of a simulated dataset.</summary>
public sealed record DatasetOptions
{
    public required string OutputFolder { get; init; }
    public int Count { get; init; }
    public int Seed { get; init; }
    public ViewMode Views { get; init; } = ViewMode.Orthogonal;
    public SubjectOptions Subjects { get; init; } = new();
    public IReadOnlyList<double> SplitFractions { get; init; } = new[] { 0.8, 0.1, 0.1 };
    /// <summary>Import these CT folders' pairs instead of generating phantom subjects (<see cref="CtImport"/>).</summary>
    public string? FromCtFolder { get; init; }
    /// <summary>For imports: the side of every CT, or null to tell it from the anatomy.</summary>
    public FemurSide? Side { get; init; }
    /// <summary>Also write realistic intensity radiographs, user masks and head clicks (<see cref="RealisticRadiographs"/>); null: not.</summary>
    public RealisticExposureOptions? Realistic { get; init; }
    /// <summary>
    /// Hand out the lateral view of every subject with this calibration error (the DRRs stay those of the true view), or
    /// null for exact views.
    /// </summary>
    public CalibrationError? CalibrationError { get; init; }
    /// <summary>Also write each subject's ground truth on this preset's grid (`--truth-grid paper`), or null for none.</summary>
    public NetworkPreset? TruthGrid { get; init; }
    /// <summary>Recorded in the manifest so the dataset can be rebuilt.</summary>
    public IReadOnlyList<string> Command { get; init; } = Array.Empty<string>();
}

/// <summary>Progress of a run: subjects done (made or failed) of the total, and the one just finished.</summary>
public readonly record struct SimulationProgress(int Done, int Total, string SubjectId, SubjectFailure? Failure);

/// <summary>
/// Simulates a DRR dataset as the paper's ("Generating DRR", docs/population.md): for each subject a CT (int16 HU NRRD) and
/// its label map in the atlas frame and grid, and for each view the DRR (line integrals, a <see cref="Radiograph"/> NRRD
/// that carries its view), the projected femur mask (label 1 only; uint8), the masked DRR (DRR × mask) and the view JSON.
/// Subjects are phantom subjects (<see cref="SubjectGenerator"/>; subject n has seed SeedMixer.Derive(seed, n)) or imported
/// CTs (<see cref="CtImport"/>). Each subject is written into a hidden temporary folder and renamed into place when complete,
/// so a subject folder is either whole or absent. A failing subject is reported (its file and the problem), listed under
/// "failed" in the manifest, and the run goes on. The output folder must be new or empty.
/// </summary>
public static class DatasetSimulator
{
    public static DatasetManifest Run(DatasetOptions o, Action<SimulationProgress>? progress = null)
    {
        o.Subjects.Validate();
        o.CalibrationError?.Validate();
        if (o.TruthGrid is not null && o.TruthGrid != NetworkPreset.Paper) throw new ArgumentException($"the ground truth is written on the paper grid only (the finest), not '{o.TruthGrid.Name}'");
        if (o.SplitFractions.Count != 3 || Math.Abs(o.SplitFractions.Sum() - 1) > 1e-6 || o.SplitFractions.Any(f => f < 0))
            throw new ArgumentException("the split needs three non-negative fractions adding up to 1");
        var pairs = o.FromCtFolder is null ? null : CtImport.FindPairs(o.FromCtFolder);
        int count = pairs?.Count ?? o.Count;
        if (pairs is null && count < 1) throw new ArgumentException($"subject count must be at least 1, got {o.Count}");
        if (Directory.Exists(o.OutputFolder) && Directory.EnumerateFileSystemEntries(o.OutputFolder).Any())
            throw new IOException($"output folder {o.OutputFolder} is not empty (a dataset is written into a new or empty folder)");
        Directory.CreateDirectory(o.OutputFolder);
        var preset = o.Subjects.Preset;
        var splits = DatasetSplit.Assign(count, o.SplitFractions, SeedMixer.Derive(o.Seed, int.MaxValue));
        var manifest = new DatasetManifest { Settings = Settings(o, count) };
        for (int n = 0; n < count; n++)
        {
            string id = pairs is null ? $"subject_{n:D4}" : pairs[n].Name;
            string inputFile = pairs is null ? $"(generated, seed {SeedMixer.Derive(o.Seed, n)})" : pairs[n].CtPath;
            SubjectFailure? failure = null;
            try
            {
                int subjectSeed = SeedMixer.Derive(o.Seed, n);
                PhantomImages images; JObject source; Vec3 head = Vec3.Zero;
                Func<NetworkPreset, PhantomImages> onGrid;
                if (pairs is null)
                {
                    var s = SubjectGenerator.Generate(subjectSeed, o.Subjects);
                    images = s.Images; source = Describe(s);
                    if (o.Realistic != null) head = RealisticRadiographs.TrueHead(s, preset);
                    onGrid = g => SubjectGenerator.RasteriseOn(s, g);
                }
                else
                {
                    var imp = CtImport.Import(pairs[n], preset, o.Side);
                    images = imp.Images;
                    onGrid = g => CtImport.Import(imp.Pair, g, imp.Side).Images;
                    source = new JObject
                    {
                        ["kind"] = "ct", ["ct"] = Path.GetFullPath(imp.Pair.CtPath), ["label"] = Path.GetFullPath(imp.Pair.LabelPath),
                        ["side"] = imp.Side.ToString().ToLowerInvariant(), ["mirrored"] = imp.Side == FemurSide.Left,
                        ["headCentreRas"] = new JArray(imp.Head.Centre.ToArray()), ["headRadiusMm"] = imp.Head.RadiusMm,
                        ["viewSeed"] = subjectSeed,
                    };
                }
                var views = DatasetViews.Draw(o.Views, new Random(SeedMixer.Derive(subjectSeed, 6)));
                (RealisticExposureOptions, Vec3, int)? realistic = o.Realistic is null ? null : (o.Realistic, head, SeedMixer.Derive(subjectSeed, 7));
                var errors = views.Select(v => o.CalibrationError is { } e && v.Name == CalibrationError.View ? e.Draw(v.Name, v.View, subjectSeed) : null).ToList();
                var truth = o.TruthGrid is { } tg && tg != preset ? onGrid(tg) : null;
                manifest.Subjects.Add(WriteSubject(o.OutputFolder, id, splits[n], images, views, errors, truth, o.TruthGrid, source, realistic));
            }
            catch (Exception e) when (e is ImageFormatException or IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
            {
                failure = e is ImageFormatException f ? new SubjectFailure(id, f.FilePath, f.Problem) : new SubjectFailure(id, inputFile, e.Message);
                manifest.Failures.Add(failure);
            }
            progress?.Invoke(new SimulationProgress(n + 1, count, id, failure));
        }
        manifest.Write(o.OutputFolder);
        return manifest;
    }

    static SubjectEntry WriteSubject(string root, string id, string split, PhantomImages images, IReadOnlyList<DatasetView> views,
                                     IReadOnlyList<ViewPerturbation?> errors, PhantomImages? truth, NetworkPreset? truthGrid, JObject source,
                                     (RealisticExposureOptions Options, Vec3 Head, int Seed)? realistic = null)
    {
        string final = Path.Combine(root, id), tmp = Path.Combine(root, $".{id}.tmp");
        if (Directory.Exists(final)) throw new IOException($"subject folder {final} already exists (two inputs named {id}?)");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        try
        {
            VolumeFile.Write(images.Ct, Path.Combine(tmp, "ct.nrrd"));
            VolumeFile.Write(images.Label, Path.Combine(tmp, "label.nrrd"));
            string? paperCt = null, paperLabel = null;
            if (truth is not null)
            {
                VolumeFile.Write(truth.Ct, Path.Combine(tmp, "ct_paper.nrrd"));
                VolumeFile.Write(truth.Label, Path.Combine(tmp, "label_paper.nrrd"));
                (paperCt, paperLabel) = ($"{id}/ct_paper.nrrd", $"{id}/label_paper.nrrd");
            }
            else if (truthGrid is not null) (paperCt, paperLabel) = ($"{id}/ct.nrrd", $"{id}/label.nrrd"); // the subject's own grid is the paper grid
            var files = new List<ViewFiles>();
            var radiographs = SubjectRadiographs.Render(images, views.Select(v => v.View));
            for (int n = 0; n < views.Count; n++)
            {
                var (v, images2d, error) = (views[n], radiographs[n], errors[n]);
                // The DRRs are of the true view; with a calibration error every file of the view hands out the stated one.
                var view = error?.Apply(v.View) ?? v.View;
                if (error is not null) images2d = images2d.WithView(view);
                string Name(string what) => $"{v.Name}_{what}";
                VolumeFile.Write(images2d.DrrVolume(), Path.Combine(tmp, Name("drr.nrrd")));
                VolumeFile.Write(images2d.MaskVolume(), Path.Combine(tmp, Name("mask.nrrd")));
                VolumeFile.Write(images2d.MaskedDrr.ToVolume(), Path.Combine(tmp, Name("masked_drr.nrrd")));
                ViewFile.Save(view, Path.Combine(tmp, Name("view.json")));
                if (error is not null) ViewFile.Save(v.View, Path.Combine(tmp, Name("true_view.json")));
                string Rel(string what) => $"{id}/{Name(what)}";
                files.Add(new ViewFiles(v, Rel("drr.nrrd"), Rel("mask.nrrd"), Rel("masked_drr.nrrd"), Rel("view.json"),
                                        error is null ? null : Rel("true_view.json"), error));
            }
            // With a calibration error the realistic files hand out the stated view too, as the DRRs beside them do.
            if (realistic is { } x) source["realistic"] = RealisticRadiographs.Write(tmp, id, views, radiographs, x.Head, x.Options, x.Seed,
                                                                                     files.Select(f => f.CalibrationError?.Apply(f.View.View) ?? f.View.View).ToList());
            Directory.Move(tmp, final);
            return new SubjectEntry(id, split, $"{id}/ct.nrrd", $"{id}/label.nrrd", files, source, paperCt, paperLabel);
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            throw;
        }
    }

    static JObject Describe(Subject s) => new()
    {
        ["kind"] = "phantom",
        ["seed"] = s.Seed,
        ["side"] = s.GeneratedSide.ToString().ToLowerInvariant(),
        ["mirrored"] = s.GeneratedSide == FemurSide.Left,
        ["pose"] = new JObject { ["flexionDeg"] = s.Pose.FlexionDeg, ["adductionDeg"] = s.Pose.AdductionDeg, ["internalRotationDeg"] = s.Pose.InternalRotationDeg },
        ["deformationAmplitudeMm"] = s.DeformationAmplitudeMm,
        ["deformationControlSpacingMm"] = SmoothDeformation.ControlSpacingMm,
        ["intensity"] = new JObject { ["scale"] = s.Intensity.Scale, ["offsetHU"] = s.Intensity.OffsetHU, ["noiseSigmaHU"] = s.Intensity.NoiseSigmaHU },
        ["parameters"] = JObject.FromObject(s.Parameters.ToValues()),
    };

    static JObject Settings(DatasetOptions o, int count)
    {
        var settings = BaseSettings(o, count);
        if (o.Realistic != null) settings["realistic"] = o.Realistic.ToJson();
        return settings;
    }

    static JObject BaseSettings(DatasetOptions o, int count)
    {
        var g = o.Subjects.Preset.AtlasGrid;
        var settings = new JObject
        {
            ["command"] = new JArray(o.Command),
            ["program"] = typeof(DatasetSimulator).Assembly.GetName().Version?.ToString(),
            ["seed"] = o.Seed,
            ["count"] = count,
            ["source"] = o.FromCtFolder is null ? "phantom" : "ct",
            ["views"] = DatasetViews.Name(o.Views),
            ["split"] = new JArray(o.SplitFractions),
            ["grid"] = new JObject
            {
                ["preset"] = o.Subjects.Preset.Name, ["size"] = new JArray(g.Size.ToArray()), ["spacing"] = new JArray(g.Spacing.ToArray()),
                ["ijkToRas"] = new JArray(g.IjkToRas.ToRowMajor()),
            },
            ["detector"] = new JObject
            {
                ["size"] = new JArray(DatasetViews.Columns, DatasetViews.Rows), ["pixelSpacing"] = new JArray(DatasetViews.PixelSpacingMm, DatasetViews.PixelSpacingMm),
                ["sourceToDetectorDistance"] = CArmGeometry.DefaultSourceToDetectorMm, ["sourceToIsocenterDistance"] = CArmGeometry.DefaultSourceToIsocenterMm,
                ["isocenter"] = new JArray(NetworkPreset.AtlasCentre.ToArray()),
            },
            ["subjects"] = o.FromCtFolder is null ? new JObject
            {
                ["deformationAmplitudeMm"] = o.Subjects.DeformationAmplitudeMm, ["poseRangeDeg"] = o.Subjects.PoseRangeDeg,
                ["leftFraction"] = o.Subjects.LeftFraction, ["intensityVariation"] = o.Subjects.IntensityVariation,
            } : new JObject { ["side"] = o.Side?.ToString().ToLowerInvariant() ?? "auto" },
            ["drr"] = "exact (Siddon) line integrals of mu = 0.02/mm x (1 + HU/1000); mask = rays crossing label 1; maskedDrr = drr x mask",
        };
        if (o.TruthGrid is { } tg)
        {
            var fine = tg.AtlasGrid;
            settings["truthGrid"] = new JObject
            {
                ["preset"] = tg.Name, ["size"] = new JArray(fine.Size.ToArray()), ["spacing"] = new JArray(fine.Spacing.ToArray()),
                ["files"] = "paperCt, paperLabel: the same subject rasterised at this grid's voxel centres (not resampled)",
            };
        }
        if (o.CalibrationError is { } e)
            settings["calibrationError"] = new JObject
            {
                ["angleDeg"] = e.AngleDeg, ["translationMm"] = e.TranslationMm, ["views"] = new JArray(CalibrationError.View), ["stream"] = CalibrationError.Stream,
                ["meaning"] = "the lateral view's files carry the true view rotated by angleDeg about a random axis through the isocentre and shifted by translationMm in a random direction; the DRR pixels are of the true view (trueView); per view: calibrationError",
            };
        return settings;
    }
}
