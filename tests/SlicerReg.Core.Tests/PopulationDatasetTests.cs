using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;

namespace SlicerReg.Core.Tests;

/// <summary>Dataset views and split.</summary>
public class PopulationDatasetTests
{
    [Test]
    public void GridBoxFitsTheDetectorOverTheWholeGeneralisedRange()
    {
        foreach (var grid in NetworkPreset.All)
            foreach (double primary in new[] { -30.0, -15, 0, 15, 30, 60, 75, 90, 105, 120 })
                Assert.That(DatasetViews.BoxFits(grid, DatasetViews.CArm(primary).ToView()), Is.True, $"{grid.Name} at primary {primary}°");
        // The check can fail: the paper detector at 1.0 mm pixels (ViewPresets) is too small for the box at 30° oblique.
        Assert.That(DatasetViews.BoxFits(NetworkPreset.Paper, (DatasetViews.CArm(30) with { ColumnSpacingMm = 1.0, RowSpacingMm = 1.0 }).ToView()), Is.False);
    }

    [Test]
    public void FemurMaskStaysOffTheDetectorEdgesExceptTheBottomRow()
    {
        // The femur, not just the box, must lie on the detector: the projected mask may touch only the bottom rows (the shaft).
        var s = SubjectGenerator.Generate(2, new SubjectOptions { Preset = NetworkPreset.Tiny });
        foreach (var v in DatasetViews.Draw(ViewMode.Generalised, new Random(3)).Concat(DatasetViews.Draw(ViewMode.Orthogonal, new Random(0))))
        {
            var m = LabelProjector.Project(s.Images.Label, v.View, 1);
            int cols = m.Columns, rows = m.Rows;
            Assert.That(m.Pixels.Sum(), Is.GreaterThan(0.05 * cols * rows), $"{v.Name} {v.CArm.PrimaryAngleDeg:F1}°: femur covers a fair part of the detector");
            for (int r = 0; r < rows; r++) Assert.That(m[0, r] + m[cols - 1, r], Is.EqualTo(0), $"{v.Name}: side columns, row {r}");
            for (int c = 0; c < cols; c++) Assert.That(m[c, 0], Is.EqualTo(0), $"{v.Name}: top row, column {c}");
        }
    }

    [Test]
    public void ViewAnglesFollowTheMode()
    {
        var rng = new Random(5);
        for (int n = 0; n < 200; n++)
        {
            var v = DatasetViews.Draw(ViewMode.Generalised, rng);
            Assert.That(v[0].CArm.PrimaryAngleDeg, Is.InRange(-30.0, 30.0));
            Assert.That(v[1].CArm.PrimaryAngleDeg, Is.InRange(60.0, 120.0));
            Assert.That(v.Select(x => x.CArm.SecondaryAngleDeg), Has.All.EqualTo(0.0));
        }
        var o = DatasetViews.Draw(ViewMode.Orthogonal, rng);
        Assert.That(o.Select(x => x.CArm.PrimaryAngleDeg), Is.EqualTo(new[] { 0.0, 90.0 }));
        // AP looks along the frame's y axis, lateral along x (the paper's alignment of the views with the image axes).
        Assert.That(Math.Abs(o[0].View.Normal.Y), Is.EqualTo(1).Within(1e-12));
        Assert.That(Math.Abs(o[1].View.Normal.X), Is.EqualTo(1).Within(1e-12));
    }

    [Test]
    public void MixedModeDrawsBothKindsAboutEquallyAndEachFromItsOwnRange()
    {
        int orthogonal = 0, generalised = 0;
        for (int n = 0; n < 400; n++)
        {
            var v = DatasetViews.Draw(ViewMode.Mixed, new Random(n));
            if (v[0].CArm.PrimaryAngleDeg == 0 && v[1].CArm.PrimaryAngleDeg == 90) orthogonal++;
            else
            {
                generalised++;
                Assert.That(v[0].CArm.PrimaryAngleDeg, Is.InRange(-30.0, 30.0));
                Assert.That(v[1].CArm.PrimaryAngleDeg, Is.InRange(60.0, 120.0));
            }
            // The same stream gives the same pair: a dataset is reproducible from its seed.
            Assert.That(DatasetViews.Draw(ViewMode.Mixed, new Random(n)).Select(x => x.CArm.PrimaryAngleDeg), Is.EqualTo(v.Select(x => x.CArm.PrimaryAngleDeg)));
        }
        // Binomial(400, ½): sd 10, so 200 ± 50 fails only for a coin that is not fair.
        Assert.That(orthogonal, Is.InRange(150, 250), $"{orthogonal} orthogonal, {generalised} generalised");
        Assert.That(DatasetViews.ParseMode("Mixed"), Is.EqualTo(ViewMode.Mixed));
        Assert.That(DatasetViews.Name(ViewMode.Mixed), Is.EqualTo("mixed"));
        Assert.That(() => DatasetViews.ParseMode("both"), Throws.ArgumentException.With.Message.Contains("mixed"));
    }

    [Test]
    public void SplitIsDeterministicAndHasThePaperProportions()
    {
        var a = DatasetSplit.Assign(315, new[] { 235 / 315.0, 40 / 315.0, 40 / 315.0 }, 9);
        Assert.That(a.Count(x => x == "train"), Is.EqualTo(235));
        Assert.That(a.Count(x => x == "validation"), Is.EqualTo(40));
        Assert.That(a.Count(x => x == "test"), Is.EqualTo(40));
        Assert.That(DatasetSplit.Assign(315, new[] { 235 / 315.0, 40 / 315.0, 40 / 315.0 }, 9), Is.EqualTo(a));
        Assert.That(DatasetSplit.Assign(315, new[] { 235 / 315.0, 40 / 315.0, 40 / 315.0 }, 10), Is.Not.EqualTo(a));
        Assert.Throws<ArgumentException>(() => DatasetSplit.Parse("0.8,0.1"));
        Assert.Throws<ArgumentException>(() => DatasetSplit.Parse("0.8,0.1,0.2"));
        Assert.That(DatasetSplit.Parse("0.7,0.2,0.1"), Is.EqualTo(new[] { 0.7, 0.2, 0.1 }));
    }
}
