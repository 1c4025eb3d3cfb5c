using SlicerReg.Core.Anatomy;
using System.Diagnostics;
using SlicerReg.Core.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Network;

/// <summary>Timings (median over the repeats, ms) and memory of one training step of the registration network.</summary>
public sealed record NetworkBenchmarkResult(
    string Preset, string Device, int Batch, int Repeats, long Weights, double BuildMs, double ForwardMs, double BackwardMs,
    double OptimiserMs, double InferenceMs, double PeakWorkingSetMiB, double WorkingSetBeforeMiB)
{
    public override string ToString()
        => FormattableString.Invariant($"network '{Preset}' on {Device}: batch {Batch}, {Weights} weights, build + radiographs {BuildMs:F0} ms; median of {Repeats} runs: ")
         + (double.IsNaN(ForwardMs) ? "training step not run; " : FormattableString.Invariant($"training step forward + loss {ForwardMs:F0} ms, backward {BackwardMs:F0} ms, Adam step {OptimiserMs:F0} ms; "))
         + FormattableString.Invariant($"inference (eval, no grad) {InferenceMs:F0} ms; process peak working set {PeakWorkingSetMiB:F0} MiB (before building: {WorkingSetBeforeMiB:F0} MiB)");
}

/// <summary>
/// Times one training step (forward, Eq. 4 loss, backward, Adam) and one inference of the network at a preset on a
/// synthetic pair (two balls of different radius as atlas and truth; radiographs by the network's own ProST). Memory is
/// the process's peak working set (VmHWM on Linux), so run one preset per process for a clean figure. With
/// <c>training</c> = false only inference is timed (the training figures are NaN), e.g. for the paper preset, whose
/// training step needs about as much memory as the paper reports (18.7 GB) and more than a small CPU machine has.
/// </summary>
public static class NetworkBenchmark
{
    public static NetworkBenchmarkResult Run(string presetName = "standard", string device = "cpu", int batch = 1, int repeats = 3, bool training = true)
    {
        if (repeats < 1) throw new ArgumentException($"repeats must be at least 1, got {repeats}");
        if (batch < 1) throw new ArgumentException($"batch must be at least 1, got {batch}");
        var dev = ComputeDevice.Select(device);
        var preset = NetworkPreset.Named(presetName);
        var grid = preset.CentredGrid();
        var views = ViewPair.Orthogonal(preset, Vec3.Zero);
        double before = Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
        var clock = Stopwatch.StartNew();
        using var net = new RegistrationNetwork(NetworkConfig.For(preset), grid, views);
        net.to(dev);
        using var scope = NewDisposeScope();
        var atlas = Ball(grid, 0.30, dev);
        var truth = Ball(grid, 0.33, dev);
        Tensor ap, lat;
        using (no_grad()) { ap = net.Geometry.Projectors[0].forward(truth); lat = net.Geometry.Projectors[1].forward(truth); }
        double build = clock.Elapsed.TotalMilliseconds;
        ap = ap.expand(batch, -1, -1, -1); lat = lat.expand(batch, -1, -1, -1); truth = truth.expand(batch, -1, -1, -1, -1);
        using var adam = optim.Adam(net.parameters(), lr: 1e-5);
        var fw = new List<double>(); var bw = new List<double>(); var op = new List<double>(); var inf = new List<double>();
        for (int rep = 0; rep <= repeats; rep++) // rep 0 warms up
        {
            // The profile (SLICERREG_PROFILE) holds the timed training steps only.
            using var warmUp = rep == 0 ? EngineProfile.Suspend() : null;
            if (training)
            {
                using var stepScope = NewDisposeScope();
                net.train();
                adam.zero_grad();
                clock.Restart();
                using var output = net.forward(atlas, ap, lat);
                using var loss = net.Loss(output, truth);
                Sync(dev, loss.Total); double f = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                using (EngineProfile.Time("backward")) loss.Total.backward();
                Sync(dev, loss.Total); double b = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                using (EngineProfile.Time("Adam")) adam.step();
                double o = clock.Elapsed.TotalMilliseconds;
                if (rep > 0) { fw.Add(f); bw.Add(b); op.Add(o); }
            }
            net.eval();
            using (EngineProfile.Suspend())
            using (NewDisposeScope())
            using (no_grad())
            {
                clock.Restart();
                using var output = net.forward(atlas, ap, lat);
                Sync(dev, output.WarpedLocal);
                if (rep > 0) inf.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        long weights = net.parameters().Sum(p => p.numel());
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        return new NetworkBenchmarkResult(preset.Name, dev.ToString(), batch, repeats, weights, build, Median(fw), Median(bw), Median(op), Median(inf), peak, before);
    }

    /// <summary>A ball of relative radius <paramref name="fraction"/> (of the smallest extent) at the grid centre, (1, 1, K, J, I).</summary>
    static Tensor Ball(ImageGeometry grid, double fraction, Device device)
    {
        using var scope = NewDisposeScope();
        var s = grid.Size; var sp = grid.Spacing;
        var z = (arange(s.K, ScalarType.Float32) - (s.K - 1) / 2f) * (float)sp.Z;
        var y = (arange(s.J, ScalarType.Float32) - (s.J - 1) / 2f) * (float)sp.Y;
        var x = (arange(s.I, ScalarType.Float32) - (s.I - 1) / 2f) * (float)sp.X;
        var r2 = z.view(-1, 1, 1).pow(2) + y.view(1, -1, 1).pow(2) + x.view(1, 1, -1).pow(2);
        double radius = fraction * Math.Min(s.I * sp.X, Math.Min(s.J * sp.Y, s.K * sp.Z));
        return (r2 < (float)(radius * radius)).to(ScalarType.Float32).view(1, 1, s.K, s.J, s.I).to(device).MoveToOuterDisposeScope();
    }

    static void Sync(Device device, Tensor t) { if (device.type == DeviceType.CUDA) _ = t.sum().item<float>(); }
    static double Median(List<double> v) { if (v.Count == 0) return double.NaN; var s = v.OrderBy(x => x).ToList(); return s[s.Count / 2]; }
}
