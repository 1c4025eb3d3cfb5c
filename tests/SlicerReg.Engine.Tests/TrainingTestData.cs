using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Population;
using SlicerReg.Engine.Network;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Tests;

/// <summary>Simulated tiny datasets for the training tests (DatasetSimulator, fixed seeds), made once per test run.</summary>
internal static class TrainingTestData
{
    static readonly Dictionary<string, string> Made = new();
    static readonly object Gate = new();

    /// <summary>
    /// A tiny-preset dataset of <paramref name="count"/> phantom subjects (folder reused within the run); with
    /// <paramref name="realistic"/> also their realistic radiographs, as `simulate --realistic` writes them.
    /// </summary>
    public static string Dataset(int count, int seed, IReadOnlyList<double> split, ViewMode views = ViewMode.Orthogonal, bool realistic = false)
    {
        string key = $"{count}-{seed}-{string.Join("_", split)}-{views}{(realistic ? "-realistic" : "")}";
        lock (Gate)
        {
            if (Made.TryGetValue(key, out var dir)) return dir;
            dir = Path.Combine(Path.GetTempPath(), "slicerreg-train-tests-" + Guid.NewGuid().ToString("N")[..8], key);
            DatasetSimulator.Run(new DatasetOptions
            {
                OutputFolder = dir, Count = count, Seed = seed, Views = views, SplitFractions = split,
                Subjects = new SubjectOptions { Preset = NetworkPreset.Tiny },
                Realistic = realistic ? new Core.Xray.RealisticExposureOptions() : null,
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

    /// <summary>Largest absolute difference over all weights and buffers of two saved networks.</summary>
    public static double WeightDifference(string a, string b)
    {
        var grid = NetworkPreset.Tiny.CentredGrid();
        var views = ViewPair.Orthogonal(NetworkPreset.Tiny, Core.Geometry.Vec3.Zero);
        using var x = RegistrationNetwork.Load(a, grid, views);
        using var y = RegistrationNetwork.Load(b, grid, views);
        var sx = x.state_dict(); var sy = y.state_dict();
        Assert.That(sy.Keys, Is.EquivalentTo(sx.Keys));
        double max = 0;
        foreach (var (k, t) in sx) max = Math.Max(max, (t.to(ScalarType.Float64) - sy[k].to(ScalarType.Float64)).abs().max().item<double>());
        return max;
    }
}
