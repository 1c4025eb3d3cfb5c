using Google.Protobuf;
using Grpc.Core;

namespace SlicerReg.Server.Services;

/// <summary>
/// A client stream whose bytes are not a protobuf message of the call's type (garbage, an invalid length varint, a
/// truncated field). gRPC surfaces it as <see cref="InvalidProtocolBufferException"/> — an IOException, like a dropped
/// connection — so it is told apart here and answered INVALID_ARGUMENT naming what could not be parsed; CANCELLED stays
/// reserved for a client that went away (<see cref="ClientDeparture"/>).
/// </summary>
static class UnparsableMessage
{
    /// <summary>The parse failure in <paramref name="e"/> or an exception it wraps; null when there is none.</summary>
    public static InvalidProtocolBufferException? In(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException)
            if (x is InvalidProtocolBufferException p) return p;
        return null;
    }

    /// <param name="call">the call's name in messages ("submit")</param>
    /// <param name="messageType">the protobuf type expected</param>
    /// <param name="parsed">messages of the stream parsed before this one</param>
    public static RpcException Refusal(string call, string messageType, int parsed, InvalidProtocolBufferException p)
        => new(new Status(StatusCode.InvalidArgument,
            $"{call}: message {parsed + 1} of the stream could not be parsed as a {messageType} ({p.Message.TrimEnd('.')}); nothing was done"));
}
