using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SlicerReg.Client;

/// <summary>
/// Verifies a daemon's TLS certificate: against the roots of a CA file when one is given (X509ChainTrustMode.CustomRootTrust:
/// only those roots, not the system's), else against the system's trusted roots; the host name or IP must be in the
/// certificate either way. A certificate that does not verify fails the connection with an <see cref="AuthenticationException"/>
/// naming the daemon and the reason — there is no switch that accepts any certificate, and no fallback to plaintext.
/// </summary>
public static class DaemonCertificateCheck
{
    const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <param name="daemon">the address as the user gave it (for messages).</param>
    public static RemoteCertificateValidationCallback For(string daemon, string? caFile)
    {
        var roots = caFile is null ? null : LoadRoots(caFile);
        return (_, certificate, chain, errors) => { Verify(daemon, caFile, roots, certificate, chain, errors); return true; };
    }

    /// <summary>The certificates of a PEM file; a missing, empty or unreadable file is an error naming it.</summary>
    public static X509Certificate2Collection LoadRoots(string caFile)
    {
        if (!File.Exists(caFile)) throw new FileNotFoundException($"CA file {caFile}: no such file", caFile);
        var roots = new X509Certificate2Collection();
        try { roots.ImportFromPemFile(caFile); }
        catch (CryptographicException e) { throw new InvalidDataException($"CA file {caFile}: not a PEM certificate file ({e.Message})", e); }
        if (roots.Count == 0) throw new InvalidDataException($"CA file {caFile}: no certificate in it (expected PEM \"-----BEGIN CERTIFICATE-----\" blocks)");
        return roots;
    }

    static void Verify(string daemon, string? caFile, X509Certificate2Collection? roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            throw new AuthenticationException($"the daemon at {daemon} sent no TLS certificate");
        var cert = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            problems.Add($"the certificate is not for this host name (it names {Names(cert)})");
        if (roots is null)
        {
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
                problems.Add(Describe(presented?.ChainStatus) + "; the system's trusted roots do not include its issuer (give the CA that signed it: --ca CA.pem)");
        }
        else
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA publishes no revocation list
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
            // Intermediates the daemon sent along, so a CA file holding only the root suffices.
            if (presented != null) foreach (var element in presented.ChainElements) if (!element.Certificate.Equals(cert)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            if (!chain.Build(cert)) problems.Add(Describe(chain.ChainStatus) + $"; it does not chain to a certificate of the CA file {caFile}");
        }
        if (problems.Count > 0)
            throw new AuthenticationException($"the TLS certificate of the daemon at {daemon} does not verify: {string.Join("; ", problems)} " +
                                              $"(certificate \"{cert.Subject}\" issued by \"{cert.Issuer}\", valid {cert.NotBefore:yyyy-MM-dd} to {cert.NotAfter:yyyy-MM-dd})");
    }

    static string Describe(X509ChainStatus[]? statuses)
        => statuses is null || statuses.Length == 0 ? "its chain does not verify"
            : "its chain does not verify: " + string.Join(", ", statuses.Select(s => $"{s.Status} ({s.StatusInformation.Trim()})"));

    /// <summary>The DNS names and IP addresses a certificate is for (its subject alternative names), for messages.</summary>
    public static string Names(X509Certificate2 cert)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var names = san is null ? new List<string>() : san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())).ToList();
        return names.Count > 0 ? string.Join(", ", names) : $"no subject alternative name, subject \"{cert.Subject}\"";
    }
}
