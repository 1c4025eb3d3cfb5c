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

    /// <summary>
    /// Throws, naming the first offender, unless every element of every tensor in <paramref name="named"/> is finite. One
    /// reduction per tensor and one read for all of them: a sum is non-finite whenever one of its elements is (NaN and ±∞
    /// propagate), so only a sum that overflows, or a real fault, takes the exact per-tensor check. For the gradients of
    /// every parameter after each training step, where a check per parameter cost a read per parameter.
    /// </summary>
    public static void ThrowIfAnyNonFinite(IReadOnlyList<(string Name, Tensor Values)> named, Func<string, string> stage, string input)
    {
        if (named.Count == 0) return;
        using (var scope = NewDisposeScope())
            if (stack(named.Select(n => n.Values.detach().sum().to(ScalarType.Float64)).ToArray()).sum().isfinite().item<bool>()) return;
        foreach (var (name, values) in named) ThrowIfNonFinite(values, stage(name), input);
    }
}
