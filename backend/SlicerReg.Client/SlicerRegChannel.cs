using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using SlicerReg.Client.Protocol;

namespace SlicerReg.Client;

/// <summary>
/// Opens a gRPC channel to a SlicerReg daemon (<see cref="DaemonEndpoint"/>): plain HTTP/2 ("HOST:PORT", "http://HOST:PORT"),
/// TLS ("https://HOST:PORT", or TLS asked for; the certificate checked by <see cref="DaemonCertificateCheck"/>), or a unix
/// socket ("unix:/PATH"). A token, when given, travels as "authorization: Bearer TOKEN" on every call.
/// </summary>
public static class SlicerRegChannel
{
    public static GrpcChannel Open(string address, string? token = null) => Open(new DaemonEndpoint(address, token));

    public static GrpcChannel Open(DaemonEndpoint endpoint)
    {
        string address = endpoint.Address;
        // A 2 MiB initial receive window: downloads of 1 MiB chunks run at full speed from the start (the default, 64 KiB,
        // grows only with measured round trips).
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, KeepAlivePingDelay = TimeSpan.FromSeconds(30), InitialHttp2StreamWindowSize = 2 * 1024 * 1024 };
        string uri;
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            if (endpoint.UsesTls) throw new ArgumentException($"server address '{address}': a unix socket is reached without TLS (--tls and --ca apply to HOST:PORT)");
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
        else if (address.Contains("://", StringComparison.Ordinal)) uri = address;
        else uri = (endpoint.UsesTls ? "https://" : "http://") + address;
        bool tls = uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!tls && !uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"server address '{address}': expected HOST:PORT, http://HOST:PORT, https://HOST:PORT or unix:/PATH");
        // Never a silent downgrade: TLS asked for (--tls, --ca) with an http:// address is a contradiction, not plaintext.
        if (!tls && endpoint.UsesTls) throw new ArgumentException($"server address '{address}' is plain http:// but TLS was asked for (--tls / --ca): write https://");
        if (tls) handler.SslOptions.RemoteCertificateValidationCallback = DaemonCertificateCheck.For(address, endpoint.CaFile);
        var options = new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = WireLimits.MaxMessageBytes,
            MaxSendMessageSize = WireLimits.MaxMessageBytes,
        };
        if (endpoint.Token != null)
        {
            string token = endpoint.Token;
            var credentials = CallCredentials.FromInterceptor((_, metadata) => { metadata.Add(WireLimits.TokenHeader, "Bearer " + token); return Task.CompletedTask; });
            if (tls) options.Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, credentials);
            else
            {
                // Call credentials over plain HTTP/2 need UnsafeUseInsecureChannelCallCredentials: a loopback daemon, a unix
                // socket, or one started with --insecure on a trusted network (docs/daemon.md, "Deployment").
                options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, credentials);
                options.UnsafeUseInsecureChannelCallCredentials = true;
            }
        }
        return GrpcChannel.ForAddress(uri, options);
    }
}
