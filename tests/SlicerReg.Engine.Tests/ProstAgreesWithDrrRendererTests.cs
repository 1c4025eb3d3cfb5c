using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Projection;

namespace SlicerReg.Engine.Tests;

/// <summary>
/// The differentiable ProST layer (trilinear samples, paper Eq. 1–2) against the independent exact (Siddon-style) CPU
/// renderer on the same attenuation volume and view: the two line-integral images must agree (NCC ≥ 0.99) and carry the
/// same total attenuation.
/// </summary>
public class ProstAgreesWithDrrRendererTests
{
    [TestCase(0, 0)]
    [TestCase(90, 0)]
    [TestCase(37, 10)]
    public void ProstLineIntegralMatchesTheExactRenderer(double primaryDeg, double secondaryDeg)
    {
        // A synthetic femur CT on a coarse paper-like grid, and a detector whose pixels are comparable to its voxels.
        var ct = SyntheticFemurCt.Create(new GridSize(48, 32, 48), new Vec3(2.656, 2.656, 4.0));
        var view = new CArmGeometry
        {
            PrimaryAngleDeg = primaryDeg, SecondaryAngleDeg = secondaryDeg,
            Columns = 40, Rows = 56, ColumnSpacingMm = 4, RowSpacingMm = 4,
        }.ToView();
        var mu = AttenuationVolume.FromCt(ct, AttenuationModel.FromHounsfield());
        var muVolume = Volume.Create(mu.Geometry, mu.Mu);

        var exact = DrrRenderer.LineIntegrals(mu, view, DrrMode.Exact);
        var prost = ProjectiveSpatialTransformer.LineIntegralImage(muVolume, view, samplesPerRay: 256);

        Assert.That((prost.Columns, prost.Rows), Is.EqualTo((exact.Columns, exact.Rows)));
        double ncc = Ncc(prost.Pixels, exact.Pixels);
        double totalRatio = prost.Pixels.Sum(p => (double)p) / exact.Pixels.Sum(p => (double)p);
        TestContext.Out.WriteLine($"primary {primaryDeg}°, secondary {secondaryDeg}°: NCC {ncc:F5}, total ratio {totalRatio:F4}");
        Assert.That(ncc, Is.GreaterThanOrEqualTo(0.99));
        Assert.That(totalRatio, Is.EqualTo(1.0).Within(0.02));
    }

    static double Ncc(float[] a, float[] b)
    {
        double ma = a.Average(x => (double)x), mb = b.Average(x => (double)x), sab = 0, saa = 0, sbb = 0;
        for (int n = 0; n < a.Length; n++) { double da = a[n] - ma, db = b[n] - mb; sab += da * db; saa += da * da; sbb += db * db; }
        return sab / Math.Sqrt(saa * sbb);
    }
}
