using System.Globalization;
using System.Text;
using SlicerReg.Core.IO;

namespace SlicerReg.Engine.Training;

/// <summary>One row of MODEL/loss.csv: a training step's loss terms (Eq. 4); the validation Dice on the last step of an epoch (NaN otherwise).</summary>
public sealed record LossRow(long Step, int Epoch, double Loss, double NccAffine, double NccLocal, double Smoothness,
                             double ValidationDiceAffine = double.NaN, double ValidationDice = double.NaN);

/// <summary>MODEL/loss.csv: every training step, rewritten atomically at each checkpoint.</summary>
public static class LossLog
{
    public const string FileName = "loss.csv";
    public const string Header = "step,epoch,loss,ncc_affine,ncc_local,smoothness,val_dice_affine,val_dice";

    public static void Write(string path, IEnumerable<LossRow> rows)
    {
        var sb = new StringBuilder(Header).Append('\n');
        static string F(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Step},{r.Epoch},{F(r.Loss)},{F(r.NccAffine)},{F(r.NccLocal)},{F(r.Smoothness)},{F(r.ValidationDiceAffine)},{F(r.ValidationDice)}\n");
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>Rows of an existing log (for a resumed run), or none when the file is absent.</summary>
    public static List<LossRow> Read(string path)
    {
        var rows = new List<LossRow>();
        if (!File.Exists(path)) return rows;
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            if (line++ == 0) { if (text.Trim() != Header) throw new ImageFormatException(path, $"header must be \"{Header}\""); continue; }
            if (text.Length == 0) continue;
            var f = text.Split(',');
            if (f.Length != 8) throw new ImageFormatException(path, $"line {line}: expected 8 fields, got {f.Length}");
            double D(string s) => s.Length == 0 ? double.NaN : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                                  : throw new ImageFormatException(path, $"line {line}: '{s}' is not a number");
            rows.Add(new LossRow(long.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                                 D(f[2]), D(f[3]), D(f[4]), D(f[5]), D(f[6]), D(f[7])));
        }
        return rows;
    }
}
