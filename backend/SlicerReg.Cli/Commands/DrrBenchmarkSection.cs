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
        var conversion = BenchCommand.Measure(() => mu = AttenuationVolume.FromCt(ct, model), ctx.Runs);
        rows.Add(Row("ours HU→μ conversion (once per CT)", conversion, ctx.Runs, $"{ct.VoxelCount} int16 voxels"));
        var exact = BenchCommand.Measure(() => DrrRenderer.Render(mu, view, new DrrOptions { Mode = DrrMode.Exact }), ctx.Runs);
        rows.Add(Row("ours exact", exact, ctx.Runs, $"{view.Columns}×{view.Rows} px, {Environment.ProcessorCount} threads"));
        var exact1 = BenchCommand.Measure(() => DrrRenderer.Render(mu, view, new DrrOptions { Mode = DrrMode.Exact, Threads = 1 }), ctx.Runs);
        rows.Add(Row("ours exact, 1 thread", exact1, ctx.Runs));
        var exactCt = BenchCommand.Measure(() => DrrRenderer.Render(ct, view, new DrrOptions { Mode = DrrMode.Exact }), ctx.Runs);
        rows.Add(Row("ours exact from HU (conversion + render)", exactCt, ctx.Runs));
        var uniform = BenchCommand.Measure(() => DrrRenderer.Render(mu, view, new DrrOptions { Mode = DrrMode.Uniform }), ctx.Runs);
        rows.Add(Row("ours uniform", uniform, ctx.Runs, $"trilinear, step {0.5 * SyntheticFemurCt.PaperSpacing.X:F3} mm (default: half the smallest spacing)"));
        summary["ct"] = "synthetic femur 192x128x192, 0.664x0.664x1 mm, int16 HU";
        summary["view"] = "ap preset: 160x224 px, 1 mm, SDD 1000, SOD 925";

        if (!ctx.UsePlastimatch) return rows;
        string ctPath = Path.Combine(ctx.ScratchFolder, "ct.nrrd");
        VolumeFile.Write(ct, ctPath, new VolumeWriteOptions { Compress = false, Space = CoordinateSystem.LPS });
        foreach (var mode in new[] { DrrMode.Exact, DrrMode.Uniform })
        {
            var args = PlastimatchDrr.Arguments(view, ct.Geometry, mode, ctPath, Path.Combine(ctx.ScratchFolder, "pm"));
            args.RemoveRange(args.IndexOf("-P"), 2); // plastimatch converts HU itself (its default), as `slicerreg drr` does
            var reported = new List<double>();
            Timing t;
            try { t = BenchCommand.Measure(() => reported.Add(RunPlastimatch(args)), ctx.Runs, warmup: 1); }
            catch (System.ComponentModel.Win32Exception e)
            {
                ctx.Log.WriteLine($"drr: plastimatch not available ({e.Message}); skipping the comparison");
                return rows;
            }
            double own = BenchCommand.Median(reported.Skip(1).ToArray()); // without the warm-up run
            string name = mode == DrrMode.Exact ? "exact" : "uniform";
            rows.Add(Row($"plastimatch {name} (whole process)", t, ctx.Runs, $"its own 'Total time': {own:F1} ms"));
            var ours = mode == DrrMode.Exact ? exact : uniform;
            summary[$"{name}: plastimatch process wall / ours wall"] = Math.Round(t.WallMs / ours.WallMs, 2);
            summary[$"{name}: plastimatch own 'Total time' / ours wall"] = Math.Round(own / ours.WallMs, 2);
            summary[$"{name}: plastimatch process cpu / ours cpu"] = Math.Round(t.CpuMs / ours.CpuMs, 2);
            if (mode == DrrMode.Exact)
                summary["exact: plastimatch own 'Total time' / ours from HU (wall)"] = Math.Round(own / exactCt.WallMs, 2);
        }
        return rows;
    }

    static BenchmarkRow Row(string name, Timing t, int runs, string note = "") => new(name, t.WallMs, runs, note, t.CpuMs);

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
