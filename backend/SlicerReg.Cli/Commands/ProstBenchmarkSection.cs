using Newtonsoft.Json.Linq;
using SlicerReg.Engine.Benchmarks;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// ProST / invProST layer timing (paper Eq. 1–3) on the paper's sizes: a 192×128×192 volume, 160×224 detector, K = 128
/// samples per ray, batch 1; backward computes gradients to the volume and to the per-sample transform, as in training.
/// </summary>
public sealed class ProstBenchmarkSection : IBenchmarkSection
{
    public string Name => "prost";

    public IReadOnlyList<BenchmarkRow> Run(BenchmarkContext ctx, JObject summary)
    {
        int repeats = Math.Max(1, Math.Min(ctx.Runs, 5)); // each repeat is a full forward+backward of both layers
        var r = ProstBenchmark.Run(device: "cpu", repeats: repeats);
        summary["setting"] = $"volume {r.VolumeI}x{r.VolumeJ}x{r.VolumeK}, detector {r.Rows}x{r.Columns}, K={r.SamplesPerRay}, batch {r.Batch}, {r.Device}";
        summary["firstCallMs"] = new JObject { ["prost"] = r.ProstFirstCallMs, ["invprost"] = r.InverseFirstCallMs };
        return new[]
        {
            new BenchmarkRow("ProST forward", r.ProstForwardMs, r.Repeats, $"{r.Columns}×{r.Rows} px, K = {r.SamplesPerRay}"),
            new BenchmarkRow("ProST backward", r.ProstBackwardMs, r.Repeats, "grad to volume and transform"),
            new BenchmarkRow("invProST forward", r.InverseForwardMs, r.Repeats, $"beam → {r.VolumeI}×{r.VolumeJ}×{r.VolumeK} grid"),
            new BenchmarkRow("invProST backward", r.InverseBackwardMs, r.Repeats, "grad to beam features"),
        };
    }
}
