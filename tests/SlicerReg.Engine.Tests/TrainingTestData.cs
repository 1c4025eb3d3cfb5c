using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;

namespace SlicerReg.Engine.Tests;

/// <summary>Simulated tiny datasets for the training tests (DatasetSimulator, fixed seeds), made once per test run.</summary>
internal static class TrainingTestData
{
    static readonly Dictionary<string, string> Made = new();
    static readonly object Gate = new();

    /// <summary>A tiny-preset orthogonal dataset of <paramref name="count"/> phantom subjects (folder reused within the run).</summary>
    public static string Dataset(int count, int seed, IReadOnlyList<double> split, ViewMode views = ViewMode.Orthogonal)
    {
        string key = $"{count}-{seed}-{string.Join("_", split)}-{views}";
        lock (Gate)
        {
            if (Made.TryGetValue(key, out var dir)) return dir;
            dir = Path.Combine(Path.GetTempPath(), "slicerreg-train-tests-" + Guid.NewGuid().ToString("N")[..8], key);
            DatasetSimulator.Run(new DatasetOptions
            {
                OutputFolder = dir, Count = count, Seed = seed, Views = views, SplitFractions = split,
                Subjects = new SubjectOptions { Preset = NetworkPreset.Tiny },
            });
            Made[key] = dir;
            return dir;
        }
    }

    public static (string Ct, string Label) Atlas => ShippedAtlas.Find("tiny");

    public static string NewFolder(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "slicerreg-train-tests-" + Guid.NewGuid().ToString("N")[..8], name);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        return dir;
    }
}
