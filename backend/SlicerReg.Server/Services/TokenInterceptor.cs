using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using SlicerReg.Client.Protocol;

namespace SlicerReg.Server.Services;

/// <summary>
/// When the daemon was started with --token, every call except the standard health check must carry
/// "authorization: Bearer TOKEN"; others get UNAUTHENTICATED. Compared in constant time.
/// </summary>
public sealed class TokenInterceptor(DaemonOptions options) : Interceptor
{
    void Check(ServerCallContext context)
    {
        if (options.Token is null || context.Method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal)) return;
        string? value = context.RequestHeaders.GetValue(WireLimits.TokenHeader);
        byte[] expected = Encoding.UTF8.GetBytes("Bearer " + options.Token);
        byte[] given = Encoding.UTF8.GetBytes(value ?? "");
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
            throw new RpcException(new Status(StatusCode.Unauthenticated, value is null
                ? "this daemon requires a token: send metadata \"authorization: Bearer TOKEN\" (slicerreg submit --token)"
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
