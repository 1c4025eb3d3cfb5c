using System.Diagnostics;
using SlicerReg.Core.Geometry;
using SlicerReg.Engine.Projection;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Benchmarks;

/// <summary>Timings of one ProST / invProST configuration, in milliseconds (median over the repeats).</summary>
public sealed record ProstBenchmarkResult(
    string Device, int Batch, int VolumeI, int VolumeJ, int VolumeK, int Rows, int Columns, int SamplesPerRay, int Repeats,
    double ProstForwardMs, double ProstBackwardMs, double InverseForwardMs, double InverseBackwardMs,
    double ProstFirstCallMs, double InverseFirstCallMs)
{
    public override string ToString() => FormattableString.Invariant(
        $"ProST on {Device}: batch {Batch}, volume {VolumeI}×{VolumeJ}×{VolumeK} (I×J×K), detector {Rows}×{Columns} (rows×columns), K = {SamplesPerRay}, median of {Repeats}: ProST forward {ProstForwardMs:F1} ms, backward {ProstBackwardMs:F1} ms; invProST forward {InverseForwardMs:F1} ms, backward {InverseBackwardMs:F1} ms; first call (builds the geometry constants) ProST {ProstFirstCallMs:F0} ms, invProST {InverseFirstCallMs:F0} ms");
}

/// <summary>
/// Times ProST forward and backward (gradient to the volume and to a per-sample transform, as in training) and invProST
/// forward and backward on a synthetic smooth volume in a paper-like geometry (source 925 mm from the volume centre,
/// detector 1000 mm from the source). Defaults: 192×128×192 voxels of 1 mm, 160×224 pixels, K = 128.
/// </summary>
public static class ProstBenchmark
{
    public static ProstBenchmarkResult Run(string device = "cpu", int volumeI = 192, int volumeJ = 128, int volumeK = 192,
                                           int rows = 160, int columns = 224, int samplesPerRay = 128, int batch = 1, int repeats = 3)
    {
        if (repeats < 1) throw new ArgumentException($"repeats must be at least 1, got {repeats}");
        if (batch < 1) throw new ArgumentException($"batch must be at least 1, got {batch}");
        var dev = ComputeDevice.Select(device);
        var grid = ImageGeometry.Axial(new GridSize(volumeI, volumeJ, volumeK), new Vec3(1, 1, 1),
                                       new Vec3(-(volumeI - 1) / 2.0, -(volumeJ - 1) / 2.0, -(volumeK - 1) / 2.0));
        // Lateral-ish view along −R with the detector's rows along −S (head up); pixels cover the magnified volume.
        double extent = Math.Max(volumeI, Math.Max(volumeJ, volumeK)) * 1000.0 / 925.0 * 1.05;
        var view = new CalibratedView(new Vec3(925, 0, 0), new Vec3(-75, 0, 0), new Vec3(0, 1, 0), new Vec3(0, 0, -1),
                                      extent / columns, extent / rows * ((double)rows / columns), columns, rows);
        using var prost = new ProjectiveSpatialTransformer(view, grid, samplesPerRay, depthMarginMm: 10);
        using var inverse = new InverseProjectiveSpatialTransformer(prost.Beam, grid);

        using var scope = NewDisposeScope();
        manual_seed(0);
        var volume = rand(new long[] { batch, 1, volumeK, volumeJ, volumeI }, device: dev).requires_grad_(true);
        var transform = eye(4, device: dev).unsqueeze(0).repeat(batch, 1, 1).requires_grad_(true);
        var beamInput = rand(new long[] { batch, 1, samplesPerRay, rows, columns }, device: dev).requires_grad_(true);

        var pf = new List<double>(); var pb = new List<double>(); var ivf = new List<double>(); var ivb = new List<double>();
        double prostFirst = 0, inverseFirst = 0;
        for (int rep = 0; rep <= repeats; rep++) // rep 0 warms up (caches, allocator) and is not counted
        {
            using (var it = NewDisposeScope())
            {
                var t0 = Stopwatch.StartNew();
                var image = prost.forward(volume, transform);
                Sync(dev, image); double f = t0.Elapsed.TotalMilliseconds;
                t0.Restart();
                image.sum().backward();
                Sync(dev, volume.grad!); double b = t0.Elapsed.TotalMilliseconds;
                volume.grad!.zero_(); transform.grad!.zero_();
                if (rep > 0) { pf.Add(f); pb.Add(b); } else prostFirst = f;
            }
            using (var it = NewDisposeScope())
            {
                var t0 = Stopwatch.StartNew();
                var back = inverse.forward(beamInput);
                Sync(dev, back); double f = t0.Elapsed.TotalMilliseconds;
                t0.Restart();
                back.sum().backward();
                Sync(dev, beamInput.grad!); double b = t0.Elapsed.TotalMilliseconds;
                beamInput.grad!.zero_();
                if (rep > 0) { ivf.Add(f); ivb.Add(b); } else inverseFirst = f;
            }
        }
        return new ProstBenchmarkResult(dev.ToString(), batch, volumeI, volumeJ, volumeK, rows, columns, samplesPerRay, repeats,
                                        Median(pf), Median(pb), Median(ivf), Median(ivb), prostFirst, inverseFirst);
    }

    static void Sync(Device dev, Tensor t)
    {
        // CPU kernels are synchronous; CUDA kernels are queued, so wait for them before reading the clock.
        if (dev.type == DeviceType.CUDA) cuda.synchronize(dev);
    }

    static double Median(List<double> v) { var s = v.OrderBy(x => x).ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
}
