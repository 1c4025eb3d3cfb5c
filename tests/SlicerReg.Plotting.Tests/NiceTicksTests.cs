using SlicerReg.Plotting;

namespace SlicerReg.Plotting.Tests;

public class NiceTicksTests
{
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
        Assert.Throws<ArgumentException>(() => NiceTicks.Log(double.NaN, 1));
    }
}
