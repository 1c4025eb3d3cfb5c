using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// DRR timing: the paper's CT grid (synthetic femur, 192×128×192 voxels of 0.664×0.664×1 mm) at the paper's detector
/// (160×224, ap preset): our exact and uniform modes against `plastimatch drr` exact and uniform on the same CT and view.
/// plastimatch is timed as a whole process (reading the CT included, nothing subtracted); its own printed "Total time"
/// is reported beside it. Ours: render from the prepared μ volume, and separately the HU→μ conversion.
/// </summary>
public sealed class DrrBenchmarkSection : IBenchmarkSection
{
    public string Name => "drr";

    public IReadOnlyList<BenchmarkRow> Run(BenchmarkContext ctx, JObject summary)
    {
        var ct = SyntheticFemurCt.Create();
        var view = ViewPresets.Ap.ToView();
        var model = AttenuationModel.FromHounsfield();
        var rows = new List<BenchmarkRow>();
        AttenuationVolume mu = AttenuationVolume.FromCt(ct, model);
        rows.Add(new BenchmarkRow("ours HU→μ conversion (once per CT)", BenchCommand.MedianMs(() => mu = AttenuationVolume.FromCt(ct, model), ctx.Runs), ctx.Runs, $"{ct.VoxelCount} voxels, int16"));
        double exact = BenchCommand.MedianMs(() => DrrRenderer.Render(mu, view, new DrrOptions { Mode = DrrMode.Exact }), ctx.Runs);
        rows.Add(new BenchmarkRow("ours exact", exact, ctx.Runs, $"{view.Columns}×{view.Rows} px, {Environment.ProcessorCount} threads"));
        double step = 0.5 * 0.664;
        double uniform = BenchCommand.MedianMs(() => DrrRenderer.Render(mu, view, new DrrOptions { Mode = DrrMode.Uniform }), ctx.Runs);
        rows.Add(new BenchmarkRow("ours uniform", uniform, ctx.Runs, $"trilinear, step {step:F3} mm"));
        double exact1 = BenchCommand.MedianMs(() => DrrRenderer.Render(mu, view, new DrrOptions { Mode = DrrMode.Exact, Threads = 1 }), ctx.Runs);
        rows.Add(new BenchmarkRow("ours exact, 1 thread", exact1, ctx.Runs));
        summary["ct"] = "synthetic femur 192x128x192, 0.664x0.664x1 mm, int16 HU";
        summary["view"] = "ap preset: 160x224 px, 1 mm, SDD 1000, SOD 925";

        if (!ctx.UsePlastimatch) return rows;
        string ctPath = Path.Combine(ctx.ScratchFolder, "ct.nrrd");
        VolumeFile.Write(ct, ctPath, new VolumeWriteOptions { Compress = false, Space = CoordinateSystem.LPS });
        foreach (var mode in new[] { DrrMode.Exact, DrrMode.Uniform })
        {
            var args = PlastimatchDrr.Arguments(view, ct.Geometry, mode, ctPath, Path.Combine(ctx.ScratchFolder, "pm"));
            args.RemoveRange(args.IndexOf("-P"), 2); // let plastimatch convert HU itself (its default), as ours does
            var reported = new List<double>();
            double ms;
            try { ms = BenchCommand.MedianMs(() => reported.Add(RunPlastimatch(args)), ctx.Runs, warmup: 1); }
            catch (System.ComponentModel.Win32Exception e)
            {
                ctx.Log.WriteLine($"drr: plastimatch not available ({e.Message}); skipping the comparison");
                return rows;
            }
            reported.RemoveAt(0); // the warm-up run
            reported.Sort();
            double own = reported[reported.Count / 2];
            string name = mode == DrrMode.Exact ? "exact" : "uniform";
            rows.Add(new BenchmarkRow($"plastimatch {name} (whole process)", ms, ctx.Runs, $"its own 'Total time' median {own:F1} ms"));
            double ours = mode == DrrMode.Exact ? exact : uniform;
            summary[$"{name}_speedup_vs_plastimatch_process"] = Math.Round(ms / ours, 2);
            summary[$"{name}_speedup_vs_plastimatch_reported"] = Math.Round(own / ours, 2);
        }
        return rows;
    }

    /// <summary>Runs plastimatch once; returns its self-reported "Total time" in ms (NaN when it prints none).</summary>
    static double RunPlastimatch(List<string> args)
    {
        var psi = new ProcessStartInfo("plastimatch") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"plastimatch drr exited {p.ExitCode}: {err.Result}");
        var m = Regex.Match(output + err.Result, @"Total time:\s*([0-9.eE+-]+)\s*sec");
        return m.Success ? 1000 * double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
    }
}
