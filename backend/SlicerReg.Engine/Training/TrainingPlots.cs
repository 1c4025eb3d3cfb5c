namespace SlicerReg.Engine.Training;

/// <summary>MODEL/loss_curve.png: training loss per step and validation Dice per epoch.</summary>
public static class TrainingPlots
{
    public const string FileName = "loss_curve.png";

    public static void WriteLossCurve(string path, IReadOnlyList<LossRow> rows)
    {
        // SlicerReg.Core.Plotting.LineChart lands with the plots helper's branch; until then no PNG is written.
        _ = path; _ = rows;
    }
}
