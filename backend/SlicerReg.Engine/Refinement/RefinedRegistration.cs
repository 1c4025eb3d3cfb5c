using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;

namespace SlicerReg.Engine.Refinement;

/// <summary>
/// The refinement step of `register --refine` and `demo --refine`: refines a network registration (or the identity when
/// there is no model) on the shipped atlas of the refine grid and turns the refined Ψ into a <see cref="RegistrationResult"/>
/// on that grid — the lateral radiograph carrying its corrected view when the pose was refined, so the overlays and the
/// projected labels use it. Writes refinement.json next to the other files.
/// </summary>
public static class RefinedRegistration
{
    public const string ReportFile = "refinement.json", CorrectedLateralViewFile = "lateral_view_refined.json";
    public static readonly IReadOnlyList<string> Grids = new[] { "standard", "paper", "tiny" };

    /// <summary>The shipped atlas (CT, label) of refine grid <paramref name="grid"/> (standard, paper or tiny).</summary>
    public static (Volume Ct, Volume Label) Atlas(string grid)
    {
        if (!Grids.Contains(grid)) throw new ArgumentException($"unknown refine grid '{grid}': expected {string.Join(", ", Grids)}");
        var (ct, label) = ShippedAtlas.Find(grid);
        return (VolumeFile.Read(ct), VolumeFile.Read(label));
    }

    /// <summary>
    /// Refines <paramref name="start"/> (a network result, or null: start from the identity) to the masked radiographs
    /// <paramref name="ap"/> and <paramref name="lateral"/>; returns the refined result on the refine grid and the refinement.
    /// </summary>
    public static (RegistrationResult Result, RefinementResult Refinement) Run(string grid, RefinementOptions options, Radiograph ap, Radiograph lateral,
        RegistrationResult? start, Action<RefinementProgress>? progress = null, CancellationToken cancel = default, string device = "cpu")
    {
        var (ct, label) = Atlas(grid);
        using var refiner = new DeformationRefiner(ct, label, options, device);
        var refinement = refiner.Refine(ap, lateral, start?.AffinePatientToAtlas, start?.Velocity, progress, cancel);
        var lateralView = refinement.Poses.Count == 2 ? refinement.Poses[1].Apply(lateral.View) : lateral.View;
        var basis = start ?? Identity(ct, label, ap, lateral);
        var result = new OutputGrid(grid, ct, label).Apply(basis with
        {
            Displacement = refinement.Displacement, Velocity = refinement.Velocity,
            Lateral = new Radiograph(basis.Lateral.Image, lateralView),
        });
        return (result, refinement);
    }

    /// <summary>The unregistered atlas as a result (T = identity, Ψ = 0), the start of `--model none --refine`.</summary>
    static RegistrationResult Identity(Volume ct, Volume label, Radiograph ap, Radiograph lateral)
    {
        var femur = NetworkInputs.FemurLabelMap(label);
        return new RegistrationResult
        {
            WarpedAtlas = ct, WarpedLabel = label, WarpedMaskedAtlas = NetworkInputs.MaskedImage(ct, label),
            Displacement = new Volume(ct.Geometry, VoxelType.Float32, 3, VolumeKind.DisplacementField), AffinePatientToAtlas = Mat4.Identity,
            Ap = ap, Lateral = lateral, ApProjectedLabel = LabelProjector.Project(femur, ap.View, 1), LateralProjectedLabel = LabelProjector.Project(femur, lateral.View, 1),
        };
    }

    /// <summary>refinement.json (and the corrected lateral view when the pose was refined) in <paramref name="folder"/>; returns the paths.</summary>
    public static IReadOnlyList<string> WriteReport(string folder, string grid, RefinementOptions options, RefinementResult r, CalibratedView lateralView)
    {
        var files = new List<string>();
        var (report, correctedView) = ReportJson(grid, options, r, lateralView);
        if (correctedView != null)
        {
            string viewPath = Path.Combine(folder, CorrectedLateralViewFile);
            var viewBytes = System.Text.Encoding.UTF8.GetBytes(correctedView);
            AtomicFile.Write(viewPath, s => s.Write(viewBytes));
            files.Add(viewPath);
        }
        string path = Path.Combine(folder, ReportFile);
        var bytes = System.Text.Encoding.UTF8.GetBytes(report);
        AtomicFile.Write(path, s => s.Write(bytes));
        files.Add(path);
        return files;
    }

    /// <summary>The texts of refinement.json and of the corrected lateral view (null without pose refinement), as written and as the daemon sends them.</summary>
    public static (string Report, string? CorrectedLateralView) ReportJson(string grid, RefinementOptions options, RefinementResult r, CalibratedView lateralView)
    {
        string? correctedView = null;
        var report = new JObject
        {
            ["format"] = "slicerreg-refinement v1",
            ["refine_grid"] = grid,
            ["iterations"] = options.Iterations, ["pose_iterations"] = options.RefinePose ? options.PoseIterations : 0,
            ["steps"] = new JObject { ["pose"] = r.PoseSteps, ["deformation"] = r.DeformationSteps },
            ["image_ncc"] = new JObject { ["before"] = r.InitialNcc, ["after"] = r.FinalNcc },
            ["seconds"] = r.Seconds,
            ["seed"] = options.Seed,
        };
        if (r.Poses.Count == 2)
        {
            var p = r.Poses[1];
            report["lateral_pose_correction"] = new JObject
            {
                ["rotation_deg"] = p.AngleDeg, ["rotation_vector_rad"] = new JArray(p.RotationVector.ToArray()),
                ["translation_mm"] = new JArray(p.TranslationMm.ToArray()), ["centre_ras_mm"] = new JArray(p.Centre.ToArray()),
                ["matrix_ras"] = new JArray(p.Matrix.ToRowMajor()), ["text"] = p.ToString(),
            };
            correctedView = p.Apply(lateralView).ToJsonString() + "\n";
        }
        return (report.ToString(Newtonsoft.Json.Formatting.Indented) + "\n", correctedView);
    }
}
