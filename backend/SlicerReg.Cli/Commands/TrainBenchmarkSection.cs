using System.Diagnostics;
using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Population;
using SlicerReg.Core;
using SlicerReg.Engine;
using SlicerReg.Engine.Network;
using static TorchSharp.torch;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// Training cost per preset: one training step (forward, Eq. 4 loss, backward, Adam; batch 1, as `slicerreg train`), one
/// inference, the cost of changing the view pair between samples (generalised datasets do it every step), and the
/// process peak working set (VmHWM, reset before each preset by <see cref="ProcessMemory.ResetPeak"/> where Linux allows;
/// presets run smallest first, so where it does not, each peak is still that preset's: the peak only grows). The paper preset is timed for inference only unless SLICERREG_BENCH_PAPER_TRAINING=1: its training step
/// needs about the 18.7 GB the paper reports.
/// </summary>
public sealed class TrainBenchmarkSection : IBenchmarkSection
{
    public string Name => "train";

    public IReadOnlyList<BenchmarkRow> Run(BenchmarkContext ctx, JObject summary)
    {
        int repeats = Math.Max(1, Math.Min(ctx.Runs, 3));
        bool paperTraining = Environment.GetEnvironmentVariable("SLICERREG_BENCH_PAPER_TRAINING") == "1";
        var rows = new List<BenchmarkRow>();
        foreach (var preset in ctx.Presets)
        {
            bool training = preset != NetworkPreset.Paper || paperTraining;
            ctx.Log.WriteLine($"train    {preset.Name}: {(training ? "training step and inference" : "inference only")} …");
            ProcessMemory.ResetPeak();
            EngineProfile.Reset();
            var r = NetworkBenchmark.Run(preset.Name, "cpu", 1, repeats, training);
            if (EngineProfile.Enabled && training) ctx.Log.WriteLine($"profile, {preset.Name} training step, per step (CPU ms):\n{EngineProfile.Report(repeats)}");
            double viewChange = ViewChangeMs(preset, repeats);
            string peak = string.Create(CultureInfo.InvariantCulture, $"process peak {r.PeakWorkingSetMiB:F0} MiB (before {r.WorkingSetBeforeMiB:F0})");
            if (training)
                rows.Add(new BenchmarkRow($"{preset.Name}: training step", r.ForwardMs + r.BackwardMs + r.OptimiserMs, repeats,
                    string.Create(CultureInfo.InvariantCulture, $"forward+loss {r.ForwardMs:F0}, backward {r.BackwardMs:F0}, Adam {r.OptimiserMs:F0} ms; {r.Weights} weights; {peak}")));
            rows.Add(new BenchmarkRow($"{preset.Name}: inference", r.InferenceMs, repeats, training ? "eval, no grad" : $"eval, no grad; training not run; {peak}"));
            rows.Add(new BenchmarkRow($"{preset.Name}: view pair change", viewChange, repeats, "set Views to another pair (new ProST/invProST constants), extra time of the next inference"));
            summary[preset.Name] = new JObject
            {
                ["trainingStepMs"] = training ? r.ForwardMs + r.BackwardMs + r.OptimiserMs : null,
                ["inferenceMs"] = r.InferenceMs, ["viewChangeMs"] = viewChange, ["peakWorkingSetMiB"] = r.PeakWorkingSetMiB, ["weights"] = r.Weights,
            };
        }
        return rows;
    }

    /// <summary>Median extra time of an inference right after switching between two generalised view pairs, over a plain inference.</summary>
    static double ViewChangeMs(NetworkPreset preset, int repeats)
    {
        var grid = preset.CentredGrid(NetworkPreset.AtlasCentre);
        ViewPair Pair(double apDeg, double latDeg)
        {
            CalibratedView V(double deg) { var v = DatasetViews.CArm(deg).ToView(); return new CalibratedView(v.Source, v.DetectorCenter, v.ColumnDirection, v.RowDirection, v.ColumnSpacingMm * 160 / preset.RadiographColumns, v.RowSpacingMm * 224 / preset.RadiographRows, preset.RadiographColumns, preset.RadiographRows); }
            return new ViewPair(V(apDeg), V(latDeg));
        }
        var a = Pair(-10, 85); var b = Pair(12, 100);
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, a);
        net.eval();
        using var scope = NewDisposeScope();
        var atlas = zeros(new long[] { 1, 1, preset.VolumeSize.K, preset.VolumeSize.J, preset.VolumeSize.I });
        var ap = rand(1, 1, preset.RadiographRows, preset.RadiographColumns); var lat = rand(1, 1, preset.RadiographRows, preset.RadiographColumns);
        double Infer() { using var s = NewDisposeScope(); using var g = no_grad(); var sw = Stopwatch.StartNew(); using var o = net.forward(atlas, ap, lat); return sw.Elapsed.TotalMilliseconds; }
        Infer();
        var plain = new double[repeats]; var switched = new double[repeats];
        for (int n = 0; n < repeats; n++)
        {
            plain[n] = Infer();
            var sw = Stopwatch.StartNew();
            net.Views = n % 2 == 0 ? b : a;
            double set = sw.Elapsed.TotalMilliseconds;
            switched[n] = set + Infer();
        }
        return Math.Max(0, BenchCommand.Median(switched) - BenchCommand.Median(plain));
    }
}
