using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using SlicerReg.Client.Protocol;

namespace SlicerReg.Server.Services;

/// <summary>
/// When the daemon was started with a token, every call except the standard health check must carry
/// "authorization: Bearer TOKEN"; others get UNAUTHENTICATED and a (rate-limited) log line with the peer's address.
/// Compared in constant time: the SHA-256 of what was sent against that of the expected value, so neither the content
/// nor the length of the token shows in the time a refusal takes.
/// </summary>
public sealed class TokenInterceptor(DaemonOptions options, RefusedCallLog refusals) : Interceptor
{
    readonly byte[]? _expected = options.Token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes("Bearer " + options.Token));

    void Check(ServerCallContext context)
    {
        if (_expected is null || context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)) return;
        string? value = context.RequestHeaders.GetValue(WireLimits.TokenHeader);
        if (CryptographicOperations.FixedTimeEquals(_expected, SHA256.HashData(Encoding.UTF8.GetBytes(value ?? "")))) return;
        refusals.Refused(context.Peer, context.Method, value is null ? "no token" : "wrong token");
        throw new RpcException(new Status(StatusCode.Unauthenticated, value is null
            ? "this daemon requires a token: send metadata \"authorization: Bearer TOKEN\" (slicerreg submit --token-file FILE)"
            : "wrong token"));
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    { Check(context); return continuation(request, context); }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    { Check(context); return continuation(requestStream, context); }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    { Check(context); return continuation(request, responseStream, context); }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    { Check(context); return continuation(requestStream, responseStream, context); }
}
