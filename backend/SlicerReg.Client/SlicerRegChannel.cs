using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using SlicerReg.Client.Protocol;

namespace SlicerReg.Client;

/// <summary>
/// Opens a gRPC channel to a SlicerReg daemon. Addresses: "http://HOST:PORT", "HOST:PORT" (plain HTTP/2), or
/// "unix:/path/to/socket". A token, when given, travels as "authorization: Bearer TOKEN" on every call.
/// </summary>
public static class SlicerRegChannel
{
    public static GrpcChannel Open(string address, string? token = null)
    {
        // A 2 MiB initial receive window: downloads of 1 MiB chunks run at full speed from the start (the default, 64 KiB,
        // grows only with measured round trips).
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, KeepAlivePingDelay = TimeSpan.FromSeconds(30), InitialHttp2StreamWindowSize = 2 * 1024 * 1024 };
        string uri;
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = address["unix:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..];
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try { await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct); return new NetworkStream(socket, ownsSocket: true); }
                catch { socket.Dispose(); throw; }
            };
            uri = "http://localhost";
        }
        else uri = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (!uri.StartsWith("http://", StringComparison.Ordinal))
            throw new ArgumentException($"server address '{address}': expected http://HOST:PORT, HOST:PORT or unix:/PATH (TLS is not supported yet)");
        var options = new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = WireLimits.MaxMessageBytes,
            MaxSendMessageSize = WireLimits.MaxMessageBytes,
        };
        if (token != null)
        {
            // Call credentials over plain HTTP/2 are allowed only with UnsafeUseInsecureChannelCallCredentials: the daemon
            // serves plain HTTP/2 (a loopback or a trusted network; docs/daemon.md "Security").
            var credentials = CallCredentials.FromInterceptor((_, metadata) => { metadata.Add(WireLimits.TokenHeader, "Bearer " + token); return Task.CompletedTask; });
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials);
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        return GrpcChannel.ForAddress(uri, options);
    }
}
