using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Projection;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// Registers every subject of a dataset split with a model and scores it against its CT ground truth (paper, "Evaluation
/// metrics"): Dice, Jaccard, ASSD, HD95 and Hausdorff of the femur label (label 1) and SSIM of the masked images (the
/// relative-attenuation volumes the network works on, as the paper compares its masked volumes). Methods:
/// <c>identity</c> (the atlas as it is), <c>affine</c> (atlas warped by the affine module's T), <c>full</c> (by Ψ).
/// </summary>
public static class DatasetEvaluator
{
    public const string Identity = "identity", Affine = "affine", Full = "full";
    public static readonly IReadOnlyList<string> Methods = new[] { Identity, Affine, Full };

    public static IReadOnlyList<EvaluatedCase> Run(DatasetManifest manifest, Registrar registrar, string split = "test",
                                                  IReadOnlyList<string>? methods = null, Action<int, int, string>? progress = null,
                                                  CancellationToken cancel = default)
    {
        methods ??= Methods;
        foreach (var m in methods)
            if (!Methods.Contains(m)) throw new ArgumentException($"unknown method '{m}': expected {string.Join(", ", Methods)}");
        if (!DatasetSplit.Names.Contains(split)) throw new ArgumentException($"unknown split '{split}': expected {string.Join(", ", DatasetSplit.Names)}");
        var subjects = manifest.Split(split);
        if (subjects.Count == 0) throw new ArgumentException($"dataset {manifest.Folder} has no '{split}' subjects");
        var reference = Reference.Of(registrar);
        bool masked = registrar.Config.Input == NetworkConfig.Masked;
        var results = new List<EvaluatedCase>();
        for (int n = 0; n < subjects.Count; n++)
        {
            cancel.ThrowIfCancellationRequested();
            var s = subjects[n];
            var ct = VolumeFile.Read(manifest.PathOf(s.Ct));
            var label = VolumeFile.Read(manifest.PathOf(s.Label));
            var apFiles = s.Views.First(v => v.View.Name == "ap");
            var latFiles = s.Views.First(v => v.View.Name == "lateral");
            var ap = Radiograph.Read(manifest.PathOf(masked ? apFiles.MaskedDrr : apFiles.Drr));
            var lat = Radiograph.Read(manifest.PathOf(masked ? latFiles.MaskedDrr : latFiles.Drr));
            RegistrationResult? r = methods.Any(m => m != Identity) ? registrar.Register(ap, lat, cancel: cancel, withAffineOnly: methods.Contains(Affine)) : null;
            foreach (var (m, metrics) in Score(s.Id, reference, ct, label, r, methods))
                results.Add(new EvaluatedCase(s.Id, m, apFiles.View.CArm.PrimaryAngleDeg, latFiles.View.CArm.PrimaryAngleDeg, metrics));
            progress?.Invoke(n + 1, subjects.Count, s.Id);
        }
        return results;
    }

    /// <summary>What every case is scored against: the unregistered atlas femur and image, and the SSIM settings.</summary>
    public sealed record Reference(Volume AtlasFemur, Volume AtlasImage, SsimOptions Ssim)
    {
        public static Reference Of(Registrar registrar)
        {
            var image = MaskedImage(registrar.AtlasCt, registrar.AtlasLabel);
            // SSIM data range: one value for the whole study (skimage's data_range), the atlas's largest masked value.
            return new Reference(NetworkInputs.FemurLabelMap(registrar.AtlasLabel), image, new SsimOptions(Math.Max(1e-6, image.As<float>().Max())));
        }
    }

    /// <summary>
    /// The metrics of each method for one case with ground truth <paramref name="ct"/> / <paramref name="label"/> and its
    /// registration <paramref name="result"/> (needed unless the only method is identity).
    /// </summary>
    public static IEnumerable<(string Method, CaseMetrics Metrics)> Score(string caseId, Reference reference, Volume ct, Volume label,
                                                                       RegistrationResult? result, IReadOnlyList<string> methods)
    {
        var truthFemur = NetworkInputs.FemurLabelMap(label);
        var truthImage = MaskedImage(ct, label);
        foreach (var m in methods)
        {
            var (labels, image) = m switch
            {
                Identity => (reference.AtlasFemur, reference.AtlasImage),
                Affine => (NetworkInputs.FemurLabelMap(Need(result, m).AffineWarpedLabel
                                                      ?? throw new ArgumentException($"method '{m}' needs a registration made withAffineOnly")),
                           result!.AffineWarpedMaskedAtlas!),
                Full => (NetworkInputs.FemurLabelMap(Need(result, m).WarpedLabel!), result!.WarpedMaskedAtlas!),
                _ => throw new ArgumentException($"unknown method '{m}': expected {string.Join(", ", Methods)}"),
            };
            yield return (m, CaseMetrics.Compute(caseId, truthFemur, labels, truthImage, image, reference.Ssim, label: 1));
        }
    }

    static RegistrationResult Need(RegistrationResult? r, string method)
        => r ?? throw new ArgumentException($"method '{method}' needs a registration result");

    /// <summary>The network's masked relative-attenuation volume as a float32 Volume on the CT's grid.</summary>
    public static Volume MaskedImage(Volume ct, Volume label)
    {
        using var t = NetworkInputs.MaskedVolume(ct, label);
        return TensorVolume.ToVolume(t, ct.Geometry);
    }
}
