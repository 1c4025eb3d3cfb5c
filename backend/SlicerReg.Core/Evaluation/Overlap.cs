using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.Evaluation;

/// <summary>
/// Voxel counts behind the overlap scores of the paper's "Evaluation metrics" section:
/// Dice = 2|R∩T| / (|R| + |T|), Jaccard = |R∩T| / |R∪T|.
/// Both masks empty: 0/0, reported as NaN (undefined; MetricSummary leaves NaN cases out and counts them).
/// </summary>
public readonly record struct OverlapResult(long ReferenceVoxels, long TestVoxels, long IntersectionVoxels)
{
    public long UnionVoxels => ReferenceVoxels + TestVoxels - IntersectionVoxels;
    public double Dice => ReferenceVoxels + TestVoxels == 0 ? double.NaN : 2.0 * IntersectionVoxels / (ReferenceVoxels + TestVoxels);
    public double Jaccard => UnionVoxels == 0 ? double.NaN : (double)IntersectionVoxels / UnionVoxels;
    /// <summary>True positives etc. as plastimatch dice prints them (reference = ground truth).</summary>
    public long FalsePositives => TestVoxels - IntersectionVoxels;
    public long FalseNegatives => ReferenceVoxels - IntersectionVoxels;
}

public static class Overlap
{
    /// <summary>Overlap of the foregrounds (label &gt; 0, or == <paramref name="label"/>) of two label maps on the same grid.</summary>
    public static OverlapResult Compute(Volume reference, Volume test, int? label = null)
    {
        GridMatch.Require(reference, "reference label map", test, "test label map");
        return Compute(BinaryMask.From(reference, label, "reference label map"), BinaryMask.From(test, label, "test label map"));
    }

    public static OverlapResult Compute(bool[] reference, bool[] test)
    {
        if (reference.LongLength != test.LongLength) throw new ArgumentException($"masks differ in length: {reference.LongLength} and {test.LongLength}");
        long r = 0, t = 0, both = 0;
        for (long n = 0; n < reference.LongLength; n++)
        {
            bool a = reference[n], b = test[n];
            if (a) r++;
            if (b) t++;
            if (a && b) both++;
        }
        return new OverlapResult(r, t, both);
    }
}
