using Grpc.Core;

namespace SlicerReg.Client.Protocol;

/// <summary>A message breaks the protocol (bad header, missing chunk, bad checksum); carries the gRPC status to answer with.</summary>
public sealed class ProtocolException(StatusCode code, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;
    public RpcException ToRpc() => new(new Status(Code, Message));
}
