using SlicerReg.Plotting;

namespace SlicerReg.Plotting.Tests;

public class NiceTicksTests
{
    [Test]
    public void Linear_ticks_use_1_2_5_steps_and_cover_the_data()
    {
        var t = NiceTicks.Linear(0.71, 0.93, 7);
        Assert.That(t.Values, Is.EqualTo(new[] { 0.70, 0.75, 0.80, 0.85, 0.90, 0.95 }).Within(1e-12));
        Assert.That(t.Labels, Is.EqualTo(new[] { "0.70", "0.75", "0.80", "0.85", "0.90", "0.95" }));
        Assert.That(NiceTicks.Linear(0, 1000, 6).Values, Is.EqualTo(new[] { 0.0, 200, 400, 600, 800, 1000 }));
        Assert.That(NiceTicks.Linear(-3, 7, 6).Labels, Is.EqualTo(new[] { "-4", "-2", "0", "2", "4", "6", "8" }).Or.EqualTo(new[] { "-5", "0", "5", "10" }));
        // A zero-width range: ±10 % of the value (±1 around 0), then whole steps.
        foreach (var (v, lo, hi) in new[] { (5.0, 4.5, 5.5), (1.0, 0.9, 1.1), (0.0, -1.0, 1.0) })
        {
            var flat = NiceTicks.Linear(v, v);
            Assert.That(flat.Min, Is.EqualTo(lo).Within(1e-12), $"flat at {v}");
            Assert.That(flat.Max, Is.EqualTo(hi).Within(1e-12), $"flat at {v}");
        }
        foreach (double rough in new[] { 0.013, 0.2, 3, 47, 99.9 })
        {
            double step = NiceTicks.Step(rough), m = step / Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-12));
            Assert.That(step, Is.GreaterThanOrEqualTo(rough));
            Assert.That(new[] { 1.0, 2.0, 5.0 }.Any(x => Math.Abs(x - m) < 1e-9), $"step {step} for {rough}");
        }
    }

    [Test]
    public void Log_ticks_are_decades_or_1_2_5_over_short_ranges()
    {
        var t = NiceTicks.Log(0.003, 2);
        Assert.That(t.Values, Is.EqualTo(new[] { 0.001, 0.01, 0.1, 1, 10 }).Within(1e-15));
        Assert.That(t.Labels, Is.EqualTo(new[] { "0.001", "0.01", "0.1", "1", "10" }));
        Assert.That(NiceTicks.Log(0.098, 0.95).Labels, Is.EqualTo(new[] { "0.05", "0.1", "0.2", "0.5", "1" }), "two decades: 1-2-5 ticks");
        Assert.That(NiceTicks.Log(2.1e-6, 9e-6).Labels, Is.EqualTo(new[] { "2e-6", "5e-6", "1e-5" }));
        Assert.That(NiceTicks.Log(1e-9, 1e3, 8).Labels, Has.Member("1e-8").And.Member("100"));
        Assert.Throws<ArgumentException>(() => NiceTicks.Log(0, 1));
        Assert.Throws<ArgumentException>(() => NiceTicks.Linear(double.NaN, 1));
    }
}
