namespace SlicerReg.Core.Xray;

/// <summary>A radiograph (or pair) that cannot be registered; the message is "WHAT: problem".</summary>
public sealed class InvalidRadiographException(string what, string problem) : IOException($"{what}: {problem}")
{
    public string What { get; } = what;
    public string Problem { get; } = problem;
}
