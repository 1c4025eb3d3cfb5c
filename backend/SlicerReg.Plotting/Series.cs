namespace SlicerReg.Plotting;

/// <summary>One line of a <see cref="LineChart"/>: a name for the legend and its points (X.Count == Y.Count; NaN is a gap).</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);
