using System.Reflection;
using Grpc.Core;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Client.Protocol;

/// <summary>
/// The revision of the slicerreg.v1 protocol (models.proto, ListModelsReply.protocol_version): revisions only add fields,
/// rpcs and result names, so a daemon at revision ≥ <see cref="Required"/> serves this client; an older one is refused with
/// both versions named. A breaking change would be a new package (slicerreg.v2), which an old client sees as UNIMPLEMENTED.
/// </summary>
public static class ProtocolRevision
{
    /// <summary>The revision this build speaks (the daemon reports it; docs/daemon.md "Versions").</summary>
    public const int Current = 5;
    /// <summary>The oldest daemon revision this client works with.</summary>
    public const int Required = 2;
    /// <summary>
    /// The revision that added the options of `register` (refinement, output grid, radiograph kind, I0, masks, head, side):
    /// a request using them needs a daemon at least this new, because an older one would ignore the new header fields.
    /// </summary>
    public const int RegisterOptions = 5;
    /// <summary>
    /// The oldest client revision whose requests a daemon serves whatever they ask: an older client (SubmitHeader.client_revision
    /// below this, 0 for every client before revision 5) cannot send femur masks, so it is refused when its model needs one.
    /// </summary>
    public const int MaskedRequests = 5;

    /// <summary>This build's release: the assembly informational version (e.g. "1.0.0+3f2c1ab").</summary>
    public static string ReleaseVersion { get; } =
        typeof(ProtocolRevision).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ProtocolRevision).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Throws a <see cref="ProtocolException"/> (FAILED_PRECONDITION) saying what to update when <paramref name="reply"/> comes from a daemon too old for this client.</summary>
    public static void Check(ListModelsReply reply, string address)
    {
        if (reply.ProtocolVersion >= Required) return;
        string daemon = reply.ProtocolVersion == 0
            ? "an older release that does not report its version (protocol revision 1)"
            : $"release {reply.DaemonVersion} (protocol revision {reply.ProtocolVersion})";
        throw new ProtocolException(StatusCode.FailedPrecondition,
            $"the daemon at {address} is {daemon}, but this client (release {ReleaseVersion}) needs protocol revision {Required} or newer: " +
            "update the daemon (rebuild and restart `slicerreg serve`), or use a client from the daemon's release");
    }

    /// <summary>Like <see cref="Check"/>, for a request that uses <paramref name="features"/> (revision <see cref="RegisterOptions"/>).</summary>
    public static void CheckFeatures(ListModelsReply reply, string address, string features)
    {
        Check(reply, address);
        if (reply.ProtocolVersion >= RegisterOptions) return;
        throw new ProtocolException(StatusCode.FailedPrecondition,
            $"the daemon at {address} is release {reply.DaemonVersion} (protocol revision {reply.ProtocolVersion}), but {features} need protocol revision " +
            $"{RegisterOptions} or newer (this client speaks {Current}): update the daemon (rebuild and restart `slicerreg serve`)");
    }
}
