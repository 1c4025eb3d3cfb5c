using System.Text;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>The realistic files of one view of a subject (`simulate --realistic`), relative to the dataset folder.</summary>
public sealed record RealisticViewFiles(string Intensity, string IntensityInverted, string UserMask);

/// <summary>
/// Which radiographs of a dataset the network is given (`train --radiographs`, `evaluate --radiographs`, docs/training.md): <see cref="Drr"/> the
/// clean DRRs (`VIEW_masked_drr.nrrd` or `VIEW_drr.nrrd`), <see cref="Realistic"/> the intensity radiographs of
/// `simulate --realistic` with the user-drawn masks (<see cref="RealisticRadiographs"/>), prepared as `register` prepares a
/// user's, or <see cref="Mixed"/>: per subject one or the other by a coin drawn from the run's seed and the subject id, the
/// same in every epoch and after a resume.
/// </summary>
public static class DatasetRadiographs
{
    public const string Drr = "drr", Realistic = "realistic", Mixed = "mixed";
    public static readonly IReadOnlyList<string> Names = new[] { Drr, Realistic, Mixed };

    /// <summary>Throws unless <paramref name="choice"/> is one of <see cref="Names"/>.</summary>
    public static string Check(string choice)
        => Names.Contains(choice) ? choice : throw new ArgumentException($"radiographs '{choice}': expected {string.Join(", ", Names)}");

    /// <summary>Whether <paramref name="subjectId"/> gets its realistic radiographs under <paramref name="choice"/> and <paramref name="seed"/>.</summary>
    public static bool UsesRealistic(string choice, long seed, string subjectId) => Check(choice) switch
    {
        Drr => false,
        Realistic => true,
        _ => (SeedMixer.Derive(SeedMixer.Derive(unchecked((int)seed), 2_000_000), StableHash(subjectId)) & 1) == 1,
    };

    /// <summary>The realistic files of view <paramref name="view"/> of <paramref name="subject"/> (manifest "source.realistic.views"), or null when it has none.</summary>
    public static RealisticViewFiles? Files(SubjectEntry subject, string view)
    {
        if (subject.Source["realistic"]?["views"]?[view] is not JObject v) return null;
        string? Text(string key) => v[key] is JValue { Type: JTokenType.String } t ? t.Value<string>() : null;
        return Text("intensity") is { } i && Text("intensityInverted") is { } inv && Text("userMask") is { } m ? new RealisticViewFiles(i, inv, m) : null;
    }

    /// <summary>
    /// Throws naming the dataset when <paramref name="choice"/> needs realistic radiographs and a subject of
    /// <paramref name="subjects"/> has none for one of its views (a dataset made without `simulate --realistic`), or naming
    /// the file when one it lists is missing.
    /// </summary>
    public static void Require(string choice, DatasetManifest manifest, IEnumerable<SubjectEntry> subjects)
    {
        if (Check(choice) == Drr) return;
        foreach (var s in subjects)
            foreach (var v in s.Views)
            {
                var files = Files(s, v.View.Name) ?? throw new ImageFormatException(manifest.PathOf(DatasetManifest.FileName),
                    $"--radiographs {choice} needs the realistic radiographs of `slicerreg simulate --realistic`, but dataset {manifest.Folder} has none " +
                    $"(subject {s.Id}, view {v.View.Name}: no \"source.realistic\" files); simulate it again with --realistic, or use --radiographs {Drr}");
                // Checked before a run starts, not when a validation subject is first read at the end of an epoch.
                foreach (var f in new[] { files.Intensity, files.UserMask })
                    if (!File.Exists(manifest.PathOf(f)))
                        throw new ImageFormatException(manifest.PathOf(f), $"listed for subject {s.Id} in {manifest.PathOf(DatasetManifest.FileName)} but not found");
            }
    }

    /// <summary>FNV-1a of the UTF-8 id: a stream number that, unlike string.GetHashCode, is the same in every process.</summary>
    static int StableHash(string id)
    {
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(id)) h = (h ^ b) * 16777619;
        return unchecked((int)h);
    }
}
