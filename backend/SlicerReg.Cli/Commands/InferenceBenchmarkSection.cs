using SlicerReg.Core;
using System.Diagnostics;
using System.Globalization;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Xray;
using SlicerReg.Engine;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// Inference per preset through the <see cref="Registrar"/> — what `slicerreg register` and the daemon's network engine run:
/// block-averaging a 160×224 pair onto the network's detector, one forward pass (eval, no gradients), warping the atlas CT
/// and labels by Ψ and T, and projecting the warped femur through both views. Weights are untrained (a seeded real network;
/// the time does not depend on them), the atlas is the shipped atlas/&lt;preset&gt;/. Memory is the process's peak resident
/// set while loading and registering (VmHWM, reset before each preset), with the resident size before loading.
/// The paper preset runs only when enough memory is available (<see cref="PaperMinimumGiB"/>).
/// </summary>
public sealed class InferenceBenchmarkSection : IBenchmarkSection
{
    /// <summary>MemAvailable needed to try the paper preset (its inference peaked near 3.9 GiB here; margin for the machine's other work).</summary>
    public const double PaperMinimumGiB = 8;

    public string Name => "inference";

    public IReadOnlyList<BenchmarkRow> Run(BenchmarkContext ctx, JObject summary)
    {
        int runs = Math.Max(1, Math.Min(ctx.Runs, 5));
        var ap = BenchmarkInputs.Image(160, 224, lateral: false); var lat = BenchmarkInputs.Image(160, 224, lateral: true);
        var apRadiograph = new Radiograph(ap.Image, ap.View); var latRadiograph = new Radiograph(lat.Image, lat.View);
        var rows = new List<BenchmarkRow>();
        bool peakPerPreset = true;
        foreach (var preset in ctx.Presets)
        {
            double available = ProcessMemory.AvailableGiB();
            if (preset == NetworkPreset.Paper && available < PaperMinimumGiB)
            {
                string why = string.Create(CultureInfo.InvariantCulture, $"skipped: {available:F1} GiB available, {PaperMinimumGiB} GiB wanted");
                rows.Add(new BenchmarkRow($"{preset.Name}: register (Registrar)", double.NaN, 0, why));
                summary[preset.Name] = new JObject { ["skipped"] = why };
                continue;
            }
            ctx.Log.WriteLine($"inference {preset.Name}: untrained network, Registrar …");
            string model = BenchmarkInputs.UntrainedModel(preset, ctx.ScratchFolder);
            var (ct, label) = ShippedAtlas.Find(preset.Name);
            peakPerPreset &= ProcessMemory.ResetPeak();
            double before = ProcessMemory.ResidentMiB();
            EngineProfile.Reset();
            var sw = Stopwatch.StartNew();
            using var registrar = Registrar.Load(model, "cpu", ct, label);
            double loadMs = sw.Elapsed.TotalMilliseconds;
            sw.Restart();
            registrar.Register(apRadiograph, latRadiograph);
            double firstMs = sw.Elapsed.TotalMilliseconds;
            if (EngineProfile.Enabled) { ctx.Log.WriteLine($"profile, {preset.Name} first call (CPU ms):\n{EngineProfile.Report()}"); EngineProfile.Reset(); }
            // Stage times of the last run (Registrar's progress stages, each timed to the next).
            var stages = new List<(string Stage, double AtMs)>();
            var t = BenchCommand.Measure(() =>
            {
                stages.Clear();
                var clock = Stopwatch.StartNew();
                registrar.Register(apRadiograph, latRadiograph, s => stages.Add((s.Stage, clock.Elapsed.TotalMilliseconds)));
            }, runs, warmup: 0);
            if (EngineProfile.Enabled) ctx.Log.WriteLine($"profile, {preset.Name} register, per run (CPU ms):\n{EngineProfile.Report(runs)}");
            double peak = ProcessMemory.PeakMiB();
            var stageMs = new JObject();
            for (int n = 0; n + 1 < stages.Count; n++) stageMs[stages[n].Stage] = Math.Round(stages[n + 1].AtMs - stages[n].AtMs, 1);
            string stageText = string.Join(", ", stageMs.Properties().Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name} {(double)p.Value:F0}")));
            rows.Add(new BenchmarkRow($"{preset.Name}: register (Registrar)", t.WallMs, runs, string.Create(CultureInfo.InvariantCulture,
                $"peak RSS {peak:F0} MiB (before load {before:F0}); load {loadMs:F0} ms, first call {firstMs:F0} ms (builds the network); stages ms: {stageText}"), t.CpuMs));
            summary[preset.Name] = new JObject
            {
                ["registerMs"] = Math.Round(t.WallMs, 2), ["registerCpuMs"] = Math.Round(t.CpuMs, 2), ["loadMs"] = Math.Round(loadMs, 1),
                ["firstCallMs"] = Math.Round(firstMs, 1), ["stageMs"] = stageMs, ["peakRssMiB"] = Math.Round(peak, 1), ["rssBeforeLoadMiB"] = Math.Round(before, 1),
                ["volume"] = preset.VolumeSize.ToString(), ["detector"] = $"{preset.RadiographColumns}x{preset.RadiographRows}",
            };
        }
        summary["note"] = peakPerPreset
            ? "peak RSS = VmHWM reset before each preset (so it is that preset's, in this process with the runtime and earlier sections' leftovers: see 'before load')"
            : "peak RSS = VmHWM, which could not be reset here: it is the largest so far (presets run smallest first)";
        return rows;
    }
}
