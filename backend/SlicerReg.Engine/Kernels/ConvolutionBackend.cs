namespace SlicerReg.Engine.Kernels;

/// <summary>The convolution path in use in this process, and why it was chosen.</summary>
public sealed record ConvolutionChoice(ConvolutionPath Path, string Reason, IReadOnlyList<ConvolutionCheckResult> Checks);

/// <summary>
/// Chooses, once per process and before the first convolution, the cheapest <see cref="ConvolutionPath"/> that is correct on
/// this CPU: oneDNN as shipped if its self-check passes, else oneDNN with channels aligned to its blocks, else oneDNN off.
/// oneDNN is kept wherever it is right because the native path costs 3–7× the time and up to 4× the memory (issue
/// "Reliability on every CPU": paper-size inference 41 s → 273 s, 5 → 20 GiB). <see cref="OverrideVariable"/> forces a
/// path (for benchmarks and diagnosis); the forced path is still checked and the verdict reported. A verdict is kept on disk
/// for the same CPU, libtorch and engine build (<see cref="ConvolutionVerdictCache"/>).
/// </summary>
public static class ConvolutionBackend
{
    public const string OverrideVariable = "SLICERREG_CONVOLUTION";

    static readonly object Gate = new();
    static ConvolutionChoice? _choice;

    /// <summary>The choice, made on first use (the self-check takes about a second of CPU; a cached verdict none).</summary>
    public static ConvolutionChoice Choice
    {
        get
        {
            var c = Volatile.Read(ref _choice);
            if (c is not null) return c;
            lock (Gate) return _choice ??= Choose();
        }
    }

    public static ConvolutionPath Path => Choice.Path;

    /// <summary>One line for `slicerreg version` and logs.</summary>
    public static string Describe() => $"{Choice.Path} — {Choice.Reason}";

    static ConvolutionChoice Choose()
    {
        ComputeDevice.EnsureLoaded();
        LibTorchSwitches.TryDisableNnpack();
        var checks = new List<ConvolutionCheckResult>();
        ConvolutionCheckResult Check(ConvolutionPath p)
        {
            LibTorchSwitches.TrySetOneDnn(p != ConvolutionPath.Native);
            var r = ConvolutionSelfCheck.Run(p);
            checks.Add(r);
            return r;
        }
        ConvolutionChoice Chosen(ConvolutionPath p, string reason)
        {
            LibTorchSwitches.TrySetOneDnn(p != ConvolutionPath.Native);
            return new ConvolutionChoice(p, reason, checks);
        }

        string? forced = Environment.GetEnvironmentVariable(OverrideVariable)?.Trim();
        if (!string.IsNullOrEmpty(forced) && !forced.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (!Enum.TryParse<ConvolutionPath>(forced.Replace("-", ""), ignoreCase: true, out var path))
                throw new InvalidOperationException($"{OverrideVariable}='{forced}': expected auto, {string.Join(", ", Enum.GetNames<ConvolutionPath>())}");
            if (path == ConvolutionPath.Native && !LibTorchSwitches.TrySetOneDnn(false))
                throw new InvalidOperationException($"{OverrideVariable}={forced}: this libtorch has no switch to turn oneDNN off");
            var verdict = Check(path);
            return Chosen(path, $"forced by {OverrideVariable}; self-check: {verdict}");
        }

        var cached = ConvolutionVerdictCache.TryRead();
        if (cached is not null && (cached.Path != ConvolutionPath.Native || LibTorchSwitches.TrySetOneDnn(false))) return cached;
        var fresh = Fresh();
        ConvolutionVerdictCache.TryWrite(fresh);
        return fresh;

        ConvolutionChoice Fresh()
        {
            var asShipped = Check(ConvolutionPath.OneDnn);
            if (asShipped.Passed) return Chosen(ConvolutionPath.OneDnn, $"oneDNN passed the self-check ({asShipped.WorstRelativeError:g2} worst relative error)");
            var aligned = Check(ConvolutionPath.OneDnnChannelAligned);
            if (aligned.Passed)
                return Chosen(ConvolutionPath.OneDnnChannelAligned,
                    $"oneDNN failed the self-check on this CPU ({asShipped.WorstCase}: {Error(asShipped)}); with channels padded to multiples of {CheckedConvolution.ChannelBlock} it passes");
            if (LibTorchSwitches.TrySetOneDnn(false))
            {
                var native = Check(ConvolutionPath.Native);
                return Chosen(ConvolutionPath.Native, native.Passed
                    ? $"oneDNN failed the self-check on this CPU, also with aligned channels ({aligned.WorstCase}: {Error(aligned)}); oneDNN is off"
                    : $"no convolution path passed the self-check on this CPU ({native}); results are guarded for non-finite values only");
            }
            return Chosen(ConvolutionPath.OneDnnChannelAligned, $"oneDNN failed the self-check ({aligned}) and this libtorch cannot turn it off; results are guarded for non-finite values only");
        }
    }

    static string Error(ConvolutionCheckResult r) => double.IsNaN(r.WorstRelativeError) ? "non-finite output" : $"relative error {r.WorstRelativeError:g2}";
}
