namespace SlicerReg.Core.Population;

/// <summary>
/// Train/validation/test assignment, deterministic from a seed: the subject indices are shuffled (Fisher–Yates with
/// System.Random(seed)) and the first round(f_train·N) go to training, the next round(f_val·N) to validation, the rest to test
/// (the paper: 235/40/40 of 315 CTs, "CT-data preprocessing").
/// </summary>
public static class DatasetSplit
{
    public static readonly string[] Names = { "train", "validation", "test" };

    public static double[] Parse(string text)
    {
        var parts = text.Split(',');
        if (parts.Length != 3) throw new ArgumentException($"split '{text}': expected three fractions train,validation,test");
        var f = parts.Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? v : throw new ArgumentException($"split '{text}': '{p}' is not a non-negative number")).ToArray();
        if (Math.Abs(f.Sum() - 1) > 1e-6) throw new ArgumentException($"split '{text}': the fractions must add up to 1, they add up to {f.Sum()}");
        return f;
    }

    /// <returns>For each subject index, its split name.</returns>
    public static string[] Assign(int count, IReadOnlyList<double> fractions, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var rng = new Random(seed);
        for (int n = count - 1; n > 0; n--) { int m = rng.Next(n + 1); (order[n], order[m]) = (order[m], order[n]); }
        int train = (int)Math.Round(fractions[0] * count), val = Math.Min(count - train, (int)Math.Round(fractions[1] * count));
        var result = new string[count];
        for (int n = 0; n < count; n++) result[order[n]] = n < train ? Names[0] : n < train + val ? Names[1] : Names[2];
        return result;
    }
}
