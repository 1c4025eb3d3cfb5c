using SlicerReg.Client;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// How the client verbs (`submit`, `register --server`, `drr --server`) reach a daemon: --server ADDR, --tls, --ca CA.pem,
/// --token-file FILE or --token T (else SLICERREG_TOKEN). Each verb lists <see cref="Flags"/> among its switches.
/// </summary>
public static class DaemonArguments
{
    public const string Usage = "--server HOST:PORT|https://HOST:PORT|unix:/PATH [--tls] [--ca CA.pem] [--token-file FILE | --token T]";
    public static readonly string[] Flags = { "tls" };

    /// <summary>The endpoint, or null without --server (then none of the other options may be given).</summary>
    public static DaemonEndpoint? Read(Arguments args)
    {
        string? server = args.Option("server"), token = args.Option("token"), tokenFile = args.Option("token-file"), ca = args.Option("ca");
        bool tls = args.Flag("tls");
        if (server is null)
        {
            var stray = new[] { ("token", token != null), ("token-file", tokenFile != null), ("ca", ca != null), ("tls", tls) }.FirstOrDefault(o => o.Item2).Item1;
            if (stray != null) throw new UsageException($"--{stray} goes with --server");
            return null;
        }
        try { return new DaemonEndpoint(server, AccessToken.Resolve(token, tokenFile), tls, ca); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
