namespace SlicerReg.Client;

/// <summary>
/// How to reach a daemon. <see cref="Address"/>: "HOST:PORT" or "http://HOST:PORT" (plain HTTP/2), "https://HOST:PORT"
/// (TLS), or "unix:/PATH". <see cref="Tls"/> makes a "HOST:PORT" address TLS; <see cref="CaFile"/> (PEM, one or more
/// certificates) is the root the daemon's certificate must chain to instead of the system's trusted roots — a
/// self-signed deployment (docs/daemon.md, "Deployment") — and implies TLS. <see cref="Token"/> travels as
/// "authorization: Bearer TOKEN" on every call.
/// </summary>
public sealed record DaemonEndpoint(string Address, string? Token = null, bool Tls = false, string? CaFile = null)
{
    /// <summary>Whether the channel speaks TLS: an https:// address, <see cref="Tls"/> or a <see cref="CaFile"/>.</summary>
    public bool UsesTls => Address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || Tls || CaFile != null;

    /// <summary>Never the token: records print their fields, and a token must not reach a log or a message.</summary>
    public override string ToString() => $"{Address}{(UsesTls && !Address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? " (TLS)" : "")}";
}
