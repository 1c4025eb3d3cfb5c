using System.Security.Cryptography;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Tests;

/// <summary>Parameter ranges, random subjects, determinism and tissue intensities of the phantom.</summary>
public class PhantomParameterTests
{
    static readonly ImageGeometry Tiny = NetworkPreset.Tiny.AtlasGrid;

    static string Hash(Volume v) => Convert.ToHexString(SHA256.HashData(v.Bytes));

    [Test]
    public void EveryParameterHasAUnitARangeAroundItsMeanAndASource()
    {
        Assert.That(FemurParameters.Specs.Select(s => s.Id), Is.EqualTo(Enum.GetValues<FemurParameter>()));
        foreach (var s in FemurParameters.Specs)
        {
            Assert.That(s.Min, Is.LessThan(s.Mean), s.Name);
            Assert.That(s.Max, Is.GreaterThan(s.Mean), s.Name);
            Assert.That(s.Unit, Is.Not.Empty, s.Name);
            Assert.That(s.Source, Is.Not.Empty, s.Name);
        }
        // The tissue ranges the phantom promises (CT number tables).
        var p = FemurParameters.Spec;
        Assert.That(p(FemurParameter.CorticalHU).Min, Is.GreaterThanOrEqualTo(1200)); Assert.That(p(FemurParameter.CorticalHU).Max, Is.LessThanOrEqualTo(1800));
        Assert.That(p(FemurParameter.CancellousHU).Min, Is.GreaterThanOrEqualTo(200)); Assert.That(p(FemurParameter.CancellousHU).Max, Is.LessThanOrEqualTo(400));
        Assert.That(p(FemurParameter.MarrowHU).Min, Is.GreaterThanOrEqualTo(-50)); Assert.That(p(FemurParameter.MarrowHU).Max, Is.LessThanOrEqualTo(50));
        Assert.That(FemurParameters.Mean.ToValues().Values, Is.EqualTo(FemurParameters.Specs.Select(s => s.Mean)));
    }

    [Test]
    public void RandomSubjectsStayInRangeAndCentreOnTheMeans()
    {
        const int n = 400;
        var sums = new double[FemurParameters.Specs.Count];
        for (int seed = 0; seed < n; seed++)
        {
            var p = FemurParameters.Sample(seed);
            Assert.DoesNotThrow(p.Validate);
            foreach (var s in FemurParameters.Specs)
            {
                Assert.That(p[s.Id], Is.InRange(s.Min, s.Max), $"seed {seed}: {s.Name}");
                sums[(int)s.Id] += p[s.Id];
            }
        }
        foreach (var s in FemurParameters.Specs)
        {
            // σ = range/4 before truncation; the sample mean of 400 draws lies within 4σ/√n of the mean (asymmetric ranges shift it a little).
            double sigma = (s.Max - s.Min) / 4, tolerance = 4 * sigma / Math.Sqrt(n) + 0.1 * Math.Abs((s.Max + s.Min) / 2 - s.Mean);
            Assert.That(sums[(int)s.Id] / n, Is.EqualTo(s.Mean).Within(tolerance), s.Name);
        }
    }

    [Test]
    public void SameSeedGivesIdenticalBytesAndAnotherSeedDiffers()
    {
        var a = FemurPhantom.Rasterise(FemurParameters.Sample(42), Tiny);
        var b = FemurPhantom.Rasterise(FemurParameters.Sample(42), Tiny);
        var c = FemurPhantom.Rasterise(FemurParameters.Sample(43), Tiny);
        Assert.That(FemurParameters.Sample(42).ToValues(), Is.EqualTo(FemurParameters.Sample(42).ToValues()));
        Assert.That(Hash(a.Ct), Is.EqualTo(Hash(b.Ct)));
        Assert.That(Hash(a.Label), Is.EqualTo(Hash(b.Label)));
        Assert.That(Hash(a.Ct), Is.Not.EqualTo(Hash(c.Ct)));
        Assert.That(FemurParameters.Sample(42).ToValues(), Is.Not.EqualTo(FemurParameters.Sample(43).ToValues()));
        Assert.That(Hash(FemurPhantom.Rasterise(FemurParameters.Mean, Tiny).Ct), Is.Not.EqualTo(Hash(a.Ct)));
    }

    [Test]
    public void ParametersRoundTripAndOutOfRangeValuesAreRefused()
    {
        var p = FemurParameters.Sample(5);
        Assert.That(FemurParameters.FromValues(p.ToValues()).ToValues(), Is.EqualTo(p.ToValues()));
        var e = Assert.Throws<ArgumentException>(() => p.With(FemurParameter.NeckShaftAngle, 170));
        Assert.That(e!.Message, Does.Contain("NeckShaftAngle").And.Contain("170"));
        var missing = p.ToValues().Where(kv => kv.Key != "HeadDiameter").ToDictionary();
        Assert.That(Assert.Throws<ArgumentException>(() => FemurParameters.FromValues(missing))!.Message, Does.Contain("HeadDiameter"));
    }

    [Test]
    public void BoneAlwaysLiesUnderMuscleForRandomSubjects()
    {
        for (int seed = 0; seed < 60; seed++)
        {
            var shape = new FemurShape(FemurParameters.Sample(seed));
            double fat = shape.Parameters.FatThickness;
            int exposed = 0;
            for (int k = 0; k < Tiny.Size.K; k++) for (int j = 0; j < Tiny.Size.J; j++) for (int i = 0; i < Tiny.Size.I; i++)
            {
                var x = Tiny.IndexToRas(new Vec3(i, j, k));
                double f = shape.Femur(x), pe = shape.Pelvis(x, f);
                if ((f <= 0 || pe <= 0) && shape.Body(x, f, pe) + fat > 0) exposed++;
            }
            Assert.That(exposed, Is.Zero, $"seed {seed}: bone voxels in the fat layer or in air");
        }
    }

    [TestCase(-1)]
    [TestCase(17)]
    public void TissuesHaveTheirHounsfieldValues(int seed)
    {
        var p = seed < 0 ? FemurParameters.Mean : FemurParameters.Sample(seed);
        var g = NetworkPreset.Standard.AtlasGrid;
        var img = FemurPhantom.Rasterise(p, g);
        var shape = new FemurShape(p);
        short[] hu = img.Ct.As<short>();
        double margin = 1.5 * (g.Spacing.X + g.Spacing.Y + g.Spacing.Z) / 3; // beyond the partial-volume ramp
        var seen = new Dictionary<string, List<short>> { ["air"] = new(), ["fat"] = new(), ["muscle"] = new(), ["cortex"] = new(), ["cancellous"] = new(), ["marrow"] = new() };
        for (int k = 0; k < g.Size.K; k++) for (int j = 0; j < g.Size.J; j++) for (int i = 0; i < g.Size.I; i++)
        {
            var x = g.IndexToRas(new Vec3(i, j, k));
            double dF = shape.Femur(x), dP = shape.Pelvis(x), dB = shape.Body(x), t = shape.CortexThickness(x.Z), w = shape.DiaphysisWeight(x.Z);
            short v = hu[img.Ct.LinearIndex(i, j, k)];
            bool farFromBone = dF > margin && dP > margin;
            if (farFromBone && dB > margin) seen["air"].Add(v);
            else if (farFromBone && dB < -margin && dB + p.FatThickness > margin) seen["fat"].Add(v);
            else if (farFromBone && dB + p.FatThickness < -margin) seen["muscle"].Add(v);
            else if (dF < -margin && dF + t > margin && t > 2 * margin) seen["cortex"].Add(v);
            else if (dF + t < -margin && w == 0) seen["cancellous"].Add(v);
            else if (dF + t < -margin && w == 1) seen["marrow"].Add(v);
        }
        void Check(string tissue, double expected)
        {
            Assert.That(seen[tissue], Is.Not.Empty, tissue);
            Assert.That(seen[tissue].Min(), Is.EqualTo(Math.Round(expected)).Within(1), tissue);
            Assert.That(seen[tissue].Max(), Is.EqualTo(Math.Round(expected)).Within(1), tissue);
        }
        Check("air", -1000); Check("fat", p.FatHU); Check("muscle", p.MuscleHU);
        Check("cortex", p.CorticalHU); Check("cancellous", p.CancellousHU); Check("marrow", p.MarrowHU);
        Assert.That(hu.Min(), Is.EqualTo(-1000));
        Assert.That(hu.Max(), Is.EqualTo(Math.Round(p.CorticalHU)).Within(1));
        // Anti-aliased edges: intermediate values exist between muscle and cortical bone.
        Assert.That(hu.Count(v => v > p.MuscleHU + 50 && v < p.CancellousHU - 50), Is.GreaterThan(100));
    }
}
