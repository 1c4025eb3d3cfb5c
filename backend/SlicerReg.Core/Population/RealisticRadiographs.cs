using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Population;

/// <summary>
/// What `simulate --realistic` writes beside each DRR (docs/radiographs.md, "The realistic simulation"): the intensity
/// radiograph (<see cref="RealisticExposure"/>; MONOCHROME2, DX), its inverted copy (MONOCHROME1 with its white level), a
/// "user-drawn" femur mask (<see cref="SimulatedUserMask"/>) and noisy clicks on the femoral-head centre (the true centre
/// projected, plus a uniform error of ±<see cref="ClickErrorPx"/> pixels per coordinate), listed under "realistic" in the
/// subject's manifest entry with the exact head pixels and the `--head` argument. Seeded per subject.
/// </summary>
public static class RealisticRadiographs
{
    public const double ClickErrorPx = 3;

    /// <summary>
    /// The femoral-head centre of a phantom subject in the atlas frame: the point h with anatomy(D(Rᵀh)) at the anatomy's
    /// head centre 0, i.e. q + D(q) = 0 for q = Rᵀh, solved by fixed-point iteration (D is smooth and a few mm, so it
    /// contracts); an imported CT is placed with its head centre on the origin already.
    /// </summary>
    public static Vec3 TrueHead(Subject s, NetworkPreset preset)
    {
        var deformation = SubjectGenerator.Deformation(preset, s.DeformationAmplitudeMm, SeedMixer.Derive(s.Seed, 2));
        var q = Vec3.Zero;
        for (int n = 0; n < 50; n++) q = -deformation.Displacement(q);
        return s.Pose.Rotation * q;
    }

    /// <param name="views">The true views: the radiographs were taken with them, the head appears (and is clicked) where they project it.</param>
    /// <param name="statedViews">The views the files hand out (`simulate --calibration-error`: the perturbed lateral, as the DRRs
    /// beside them), or null for the true ones.</param>
    public static JObject Write(string folder, string id, IReadOnlyList<DatasetView> views, IReadOnlyList<SubjectRadiographs> radiographs, Vec3 head,
                                RealisticExposureOptions options, int seed, IReadOnlyList<CalibratedView>? statedViews = null)
    {
        var rng = new Random(seed);
        var result = new JObject { ["headRas"] = new JArray(head.ToArray()) };
        var perView = new JObject();
        var clicks = new List<string>();
        for (int n = 0; n < views.Count; n++)
        {
            var (name, view, r) = (views[n].Name, views[n].View, radiographs[n]);
            var stated = statedViews?[n] ?? view;
            var exposure = RealisticExposure.Apply(r.Drr.Image, options, rng);
            var intensity = new Radiograph(exposure.Intensity, stated).ToVolume();
            intensity.Metadata[RadiographKinds.KindKey] = "intensity";
            intensity.Metadata[RadiographKinds.ModalityKey] = "DX";
            intensity.Metadata[RadiographKinds.PhotometricKey] = "MONOCHROME2";
            double white = RealisticExposure.WhiteLevel(exposure.Intensity);
            var inverted = intensity.Clone();
            var px = inverted.As<float>();
            Monochrome1.Invert(px, white);
            inverted.Metadata[RadiographKinds.PhotometricKey] = Monochrome1.Name;
            inverted.Metadata[RadiographKinds.WhiteLevelKey] = white.ToString("R", CultureInfo.InvariantCulture);
            var drawn = SimulatedUserMask.Draw(r.Mask.Image, rng);
            var mask = new Radiograph(drawn.Mask, stated).ToVolume().ConvertTo(VoxelType.UInt8, VolumeKind.LabelMap);
            var exact = view.Project(head) ?? throw new InvalidOperationException($"subject {id}: the head centre is behind the {name} source");
            var click = (Column: exact.Column + SeedMixer.Uniform(rng, -ClickErrorPx, ClickErrorPx), Row: exact.Row + SeedMixer.Uniform(rng, -ClickErrorPx, ClickErrorPx));
            string File(string what) => $"{name}_{what}.nrrd";
            VolumeFile.Write(intensity, Path.Combine(folder, File("intensity")));
            VolumeFile.Write(inverted, Path.Combine(folder, File("intensity_inverted")));
            VolumeFile.Write(mask, Path.Combine(folder, File("user_mask")));
            perView[name] = new JObject
            {
                ["intensity"] = $"{id}/{File("intensity")}", ["intensityInverted"] = $"{id}/{File("intensity_inverted")}", ["userMask"] = $"{id}/{File("user_mask")}",
                ["whiteLevel"] = white,
                ["collimation"] = new JArray(exposure.Collimation.Left, exposure.Collimation.Top, exposure.Collimation.Right, exposure.Collimation.Bottom),
                ["userMaskOffsetPx"] = drawn.OffsetPx,
                ["headPixel"] = new JArray(exact.Column, exact.Row), ["headClick"] = new JArray(click.Column, click.Row),
            };
            clicks.Add(string.Create(CultureInfo.InvariantCulture, $"{click.Column:F2},{click.Row:F2}"));
        }
        result["views"] = perView;
        result["headArgument"] = string.Join(":", clicks);
        return result;
    }
}
