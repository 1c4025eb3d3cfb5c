using System.Security.Authentication;
using Grpc.Core;

namespace SlicerReg.Client;

/// <summary>
/// One sentence for a failed call, for the client verbs' messages: a TLS certificate that does not verify names the daemon
/// and the reason (<see cref="DaemonCertificateCheck"/>); a plaintext client at a TLS port is told to use https://; any other
/// status is "the daemon at ADDRESS answered CODE: DETAIL".
/// </summary>
public static class DaemonFailure
{
    public static string Describe(RpcException e, DaemonEndpoint daemon)
    {
        var causes = new List<Exception>();
        for (Exception? x = e.Status.DebugException; x != null; x = x.InnerException) causes.Add(x);
        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
            return tls.Message.Contains(daemon.Address, StringComparison.Ordinal) ? tls.Message : $"cannot connect to the daemon at {daemon.Address} over TLS: {tls.Message}";
        // Plain HTTP/2 sent to a TLS port: the daemon closes the connection without completing the HTTP/2 handshake.
        if (!daemon.UsesTls && causes.OfType<HttpIOException>().Any(h => h.HttpRequestError == HttpRequestError.InvalidResponse))
            return $"cannot connect to the daemon at {daemon.Address}: it did not answer in plain HTTP/2 ({e.Status.Detail}); " +
                   "if it serves TLS, give https://HOST:PORT (and --ca CA.pem for a private CA)";
        return $"the daemon at {daemon.Address} answered {e.StatusCode}: {e.Status.Detail}";
    }
}
