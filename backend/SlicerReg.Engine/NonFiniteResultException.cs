using static TorchSharp.torch;

namespace SlicerReg.Engine;

/// <summary>
/// A stage of the engine produced NaN or infinite values. Never handed on as a result: the caller reports the stage and the
/// input (a daemon job fails with this message), because a NaN field written to disk looks like an empty registration.
/// </summary>
public sealed class NonFiniteResultException : InvalidOperationException
{
    public string Stage { get; }

    public NonFiniteResultException(string stage, string input, long count, long total)
        : base($"{stage} produced {count} non-finite value(s) (NaN or infinite) of {total} for {input}. " +
               "This is a fault of the engine or the model, not a result: `slicerreg version` shows the convolution path and its self-check on this CPU")
        => Stage = stage;

    /// <summary>Throws unless every element of <paramref name="values"/> is finite.</summary>
    public static void ThrowIfNonFinite(Tensor values, string stage, string input)
    {
        using var scope = NewDisposeScope();
        var finite = values.isfinite();
        if (finite.all().item<bool>()) return;
        long bad = finite.logical_not().sum().item<long>();
        throw new NonFiniteResultException(stage, input, bad, values.numel());
    }
}
