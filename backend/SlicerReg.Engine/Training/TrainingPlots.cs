using SlicerReg.Plotting;

namespace SlicerReg.Engine.Training;

/// <summary>
/// MODEL/loss_curve.png (Eq. 4 loss per step and its mean per epoch) and MODEL/validation_dice.png (validation Dice of the
/// affine module and of the full network per epoch); two charts because the two quantities have unrelated scales.
/// </summary>
public static class TrainingPlots
{
    public const string FileName = "loss_curve.png", DiceFileName = "validation_dice.png";

    public static void Write(string folder, IReadOnlyList<LossRow> rows)
    {
        if (rows.Count == 0) return;
        var steps = rows.Select(r => (double)r.Step).ToList();
        var epochMeans = rows.GroupBy(r => r.Epoch).Select(g => (Step: (double)g.Max(r => r.Step), Loss: g.Average(r => r.Loss))).ToList();
        LineChart.Write(Path.Combine(folder, FileName), "training loss (Eq. 4)", "step", "loss", new[]
        {
            new Series("loss per step", steps, rows.Select(r => r.Loss).ToList()),
            new Series("epoch mean", epochMeans.Select(e => e.Step).ToList(), epochMeans.Select(e => e.Loss).ToList()),
        });
        var validated = rows.Where(r => double.IsFinite(r.ValidationDice)).ToList();
        if (validated.Count == 0) return;
        var epochs = validated.Select(r => (double)r.Epoch + 1).ToList();
        LineChart.Write(Path.Combine(folder, DiceFileName), "validation Dice (femur)", "epoch", "mean Dice", new[]
        {
            new Series("full network", epochs, validated.Select(r => r.ValidationDice).ToList()),
            new Series("affine module", epochs, validated.Select(r => r.ValidationDiceAffine).ToList()),
        });
    }
}
