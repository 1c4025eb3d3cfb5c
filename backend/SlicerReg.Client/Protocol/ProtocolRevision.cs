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
    public const int Current = 4;
    /// <summary>The oldest daemon revision this client works with.</summary>
    public const int Required = 2;

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
}
