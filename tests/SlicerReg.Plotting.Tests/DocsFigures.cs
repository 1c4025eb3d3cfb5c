using SlicerReg.Core.Evaluation;
using SlicerReg.Core.Imaging;
using SlicerReg.Plotting;
using SlicerReg.Tests.Common;

namespace SlicerReg.Plotting.Tests;

/// <summary>
/// The example pictures of docs/plots.md, drawn from synthetic numbers (not results). Explicit: run it by name to
/// regenerate them:  dotnet test tests/SlicerReg.Plotting.Tests -c Release --filter Name=Write_docs_figures
/// (PLOTS_DOCS_DIR overrides the target folder, docs/images).
/// </summary>
public class DocsFigures
{
    [Test, Explicit("writes docs/images; run by name")]
    public void Write_docs_figures()
    {
        string dir = Environment.GetEnvironmentVariable("PLOTS_DOCS_DIR") ?? Path.Combine(ExternalTool.RepoRoot, "docs", "images");
        Directory.CreateDirectory(dir);

        // A training curve: loss falling with noise, validation Dice every fifth epoch.
        var rng = new Random(1);
        var epochs = Enumerable.Range(1, 100).Select(e => (double)e).ToArray();
        var train = epochs.Select(e => 0.9 * Math.Exp(-e / 25) + 0.08 + 0.02 * rng.NextDouble()).ToArray();
        var val = epochs.Select(e => e % 5 == 0 ? 0.95 * Math.Exp(-e / 30) + 0.1 + 0.02 * rng.NextDouble() : double.NaN).ToArray();
        var valLine = epochs.Where((_, n) => double.IsFinite(val[n])).ToArray();
        LineChart.Write(Path.Combine(dir, "plots_line.png"), "Training loss (synthetic)", "epoch", "loss",
            new[] { new Series("train", epochs, train), new Series("validation", valLine, val.Where(double.IsFinite).ToArray()) }, logY: true);

        var cases = EvaluationReportTests.Synthetic(200, generalised: true);
        var methods = new[] { "identity", "affine", "full" };
        BoxPlot.Write(Path.Combine(dir, "plots_box.png"), "Dice per method (synthetic)", "Dice",
            methods.Select(m => (m, (IReadOnlyList<double>)cases.Where(c => c.Method == m).Select(c => c.Metrics.Dice).ToArray())).ToList(), 640, 400);
        EvaluationReport.DiceHeatMap("full", cases.Where(c => c.Method == "full").ToList()).Save(Path.Combine(dir, "plots_heatmap.png"));

        // A blurred disc radiograph with a predicted and a reference outline.
        int cols = 96, rows = 128;
        var x = new Image2D(cols, rows, 1, 1); var pred = new Image2D(cols, rows, 1, 1); var refm = new Image2D(cols, rows, 1, 1);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                double d = Math.Sqrt((c - 48) * (c - 48) / 900.0 + (r - 64) * (r - 64) / 2500.0);
                x[c, r] = (float)(200 * Math.Exp(-d * d * 2) + 10 * rng.NextDouble());
                refm[c, r] = d <= 0.8 ? 1 : 0;
                double dp = Math.Sqrt((c - 51) * (c - 51) / 784.0 + (r - 61) * (r - 61) / 2500.0);
                pred[c, r] = dp <= 0.8 ? 1 : 0;
            }
        RadiographOverlay.Write(Path.Combine(dir, "plots_overlay.png"), x, pred, "case 0 AP (synthetic)", refm);
        TestContext.Out.WriteLine($"wrote docs figures into {dir}");
    }
}
