using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SlicerReg.Server.Services;

/// <summary>
/// Logs calls refused for their token, with the peer's address, at most one line per client address per
/// <see cref="Interval"/>: a client retrying in a loop, or someone guessing tokens, cannot flood the log, and the next line
/// for that address says how many refusals went unlogged. The token a client sent is never logged.
/// </summary>
public sealed class RefusedCallLog(ILogger<RefusedCallLog> log, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    /// <summary>Addresses remembered at most; beyond, those quiet for an interval are forgotten (many addresses cannot grow memory without bound).</summary>
    const int MaxAddresses = 4096;

    sealed class Entry { public DateTimeOffset Logged; public int Unlogged; }
    readonly ConcurrentDictionary<string, Entry> _byAddress = new(StringComparer.Ordinal);

    public void Refused(string peer, string method, string reason)
    {
        string address = AddressOf(peer);
        var now = time.GetUtcNow();
        if (_byAddress.Count >= MaxAddresses)
            foreach (var (key, old) in _byAddress) lock (old) if (now - old.Logged > Interval) _byAddress.TryRemove(key, out _);
        var entry = _byAddress.GetOrAdd(address, _ => new Entry { Logged = DateTimeOffset.MinValue });
        int unlogged;
        lock (entry)
        {
            if (now - entry.Logged < Interval) { entry.Unlogged++; return; }
            unlogged = entry.Unlogged;
            entry.Logged = now; entry.Unlogged = 0;
        }
        log.LogWarning("refused a call from {Peer} to {Method}: {Reason}{Since}", peer, method, reason,
                       unlogged > 0 ? $" ({unlogged} more refused from {address} since the last such line; at most one line per minute per address)" : "");
    }

    /// <summary>gRPC's peer "ipv4:10.0.0.5:53122" or "ipv6:[::1]:53122" without its port (each connection has its own), else as given.</summary>
    static string AddressOf(string peer)
    {
        int colon = peer.LastIndexOf(':');
        return peer.StartsWith("ipv", StringComparison.Ordinal) && colon > peer.IndexOf(':') ? peer[..colon] : peer;
    }
}
