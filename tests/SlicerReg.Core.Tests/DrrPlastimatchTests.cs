using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Tests.Common;

namespace SlicerReg.Core.Tests;

/// <summary>
/// Our DRR against `plastimatch drr` (an independent renderer) on the same μ volume and view: normalised cross-correlation
/// ≥ 0.995. plastimatch gets the μ volume itself (-P none) so the comparison isolates geometry and ray integration.
/// </summary>
public class DrrPlastimatchTests
{
    static Volume? _mu;

    /// <summary>The synthetic femur at half the paper's resolution, converted to μ (float, 1/mm).</summary>
    static Volume MuVolume()
    {
        if (_mu != null) return _mu;
        var ct = SyntheticFemurCt.Create(new GridSize(96, 64, 96), new Vec3(1.328, 1.328, 2.0));
        var mu = AttenuationVolume.FromCt(ct, AttenuationModel.FromHounsfield());
        return _mu = Volume.Create(ct.Geometry, mu.Mu);
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var mode in new[] { DrrMode.Exact, DrrMode.Uniform })
        {
            yield return new TestCaseData("ap", ViewPresets.Ap, mode).SetArgDisplayNames("ap", mode.ToString());
            yield return new TestCaseData("lateral", ViewPresets.Lateral, mode).SetArgDisplayNames("lateral", mode.ToString());
            yield return new TestCaseData("oblique", new CArmGeometry
            {
                PrimaryAngleDeg = 37, SecondaryAngleDeg = 12, Isocenter = new Vec3(8, -5, 10),
                Columns = 150, Rows = 200, ColumnSpacingMm = 0.9, RowSpacingMm = 1.1,
                PrincipalOffsetColumnMm = 12, PrincipalOffsetRowMm = -20,
            }, mode).SetArgDisplayNames("oblique 37/12 with offsets", mode.ToString());
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesPlastimatch(string name, CArmGeometry arm, DrrMode mode)
    {
        using var tmp = new TempFolder();
        var mu = MuVolume();
        var view = arm.ToView();
        VolumeFile.Write(mu, tmp.File("mu.nrrd"), new VolumeWriteOptions { Compress = false, Space = CoordinateSystem.LPS });
        var args = PlastimatchDrr.Arguments(view, mu.Geometry, mode, tmp.File("mu.nrrd"), tmp.File("drr"));
        ExternalTool.Check(ExternalTool.Plastimatch, args.ToArray());
        var theirs = PlastimatchDrr.ReadPfm(PlastimatchDrr.OutputFile(tmp.File("drr")), out int cols, out int rows);
        Assert.That((cols, rows), Is.EqualTo((view.Columns, view.Rows)));

        var ours = DrrRenderer.Render(mu, view, new DrrOptions { Mode = mode, Attenuation = AttenuationModel.Identity });
        double ncc = DrrPhysicsTests.Ncc(ours.Pixels, theirs);
        // plastimatch sums value × length in cm; ours in mm.
        double ratio = ours.Pixels.Sum(x => (double)x) / theirs.Sum(x => (double)x);
        TestContext.Out.WriteLine($"{name} {mode}: NCC {ncc:F6}, sum ratio ours/plastimatch {ratio:F4}");
        Assert.That(ncc, Is.GreaterThanOrEqualTo(0.995), $"{name} {mode}");
        Assert.That(ratio, Is.EqualTo(10).Within(0.2), "same integral up to plastimatch's cm");
    }
}
