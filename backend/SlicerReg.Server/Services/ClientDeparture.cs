using Grpc.Core;

namespace SlicerReg.Server.Services;

/// <summary>
/// Whether an exception thrown while streaming to or from a client means the client went away (vanished or cancelled)
/// rather than a fault of the daemon or of the client's bytes (<see cref="UnparsableMessage"/>). One rule for every streaming service, so Submit and RenderDrr log and answer alike.
/// </summary>
static class ClientDeparture
{
    /// <param name="e">what the read or write threw</param>
    /// <param name="call">the call's cancellation token (cancelled when the client cancels or its connection drops)</param>
    // A faulted HTTP/2 connection can surface as IOException before the call's token is cancelled (seen under load).
    public static bool Explains(Exception e, CancellationToken call)
        => UnparsableMessage.In(e) is null && (e is IOException || call.IsCancellationRequested && e is OperationCanceledException or InvalidOperationException or RpcException);
}
