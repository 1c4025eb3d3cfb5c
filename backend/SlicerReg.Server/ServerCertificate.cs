using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SlicerReg.Client;

namespace SlicerReg.Server;

/// <summary>
/// The daemon's TLS certificate and private key (`serve --tls-cert`), loaded once at start: PEM files
/// (X509Certificate2.CreateFromPemFile, --tls-key; an encrypted key with SLICERREG_TLS_PASSWORD) or one PKCS#12 file
/// (.p12/.pfx). A file that is missing, unreadable, holds no key, a key of another certificate, or a certificate outside
/// its validity period stops the daemon at start with a message naming the file, rather than failing every handshake.
/// Intermediate certificates in the file are sent along (<see cref="Chain"/>).
/// </summary>
public static class ServerCertificate
{
    public static bool IsPkcs12(string path) => Path.GetExtension(path).ToLowerInvariant() is ".p12" or ".pfx";

    public static X509Certificate2 Load(DaemonOptions options)
    {
        string file = options.TlsCertificateFile ?? throw new InvalidOperationException("no --tls-cert");
        string what = options.TlsKeyFile is null ? $"--tls-cert {file}" : $"--tls-cert {file} --tls-key {options.TlsKeyFile}";
        foreach (var path in new[] { file, options.TlsKeyFile }.OfType<string>())
            if (!File.Exists(path)) throw new ArgumentException($"{what}: {path}: no such file");
        X509Certificate2 certificate;
        try
        {
            if (IsPkcs12(file)) certificate = X509CertificateLoader.LoadPkcs12FromFile(file, options.TlsPassword, X509KeyStorageFlags.EphemeralKeySet);
            else if (options.TlsPassword != null) certificate = X509Certificate2.CreateFromEncryptedPemFile(file, options.TlsPassword, options.TlsKeyFile);
            else certificate = X509Certificate2.CreateFromPemFile(file, options.TlsKeyFile);
        }
        // A key of another certificate is an ArgumentException ("does not match the public key"), a bad file a CryptographicException.
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"{what}: cannot load the certificate and its key: {e.Message.Replace(" (Parameter 'privateKey')", "")}", e);
        }
        if (!certificate.HasPrivateKey) throw new ArgumentException($"{what}: the certificate comes without its private key");
        var now = DateTime.Now;
        if (now < certificate.NotBefore || now > certificate.NotAfter)
            throw new ArgumentException($"{what}: the certificate is valid from {certificate.NotBefore:u} to {certificate.NotAfter:u}, not now ({now:u}); clients would refuse it");
        return certificate;
    }

    /// <summary>
    /// The intermediate certificates sent along with the daemon's: those after the first in a PEM --tls-cert file (the order
    /// of a "fullchain.pem"), the others of a PKCS#12 file. Clients then need only the root in their CA file.
    /// </summary>
    public static X509Certificate2Collection Chain(DaemonOptions options, X509Certificate2 certificate)
    {
        var all = IsPkcs12(options.TlsCertificateFile!)
            ? X509CertificateLoader.LoadPkcs12CollectionFromFile(options.TlsCertificateFile!, options.TlsPassword, X509KeyStorageFlags.EphemeralKeySet)
            : PemCertificates(options.TlsCertificateFile!);
        var chain = new X509Certificate2Collection();
        foreach (var c in all) if (c.Thumbprint != certificate.Thumbprint) chain.Add(c);
        return chain;
    }

    static X509Certificate2Collection PemCertificates(string file)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(file);
        return all;
    }

    /// <summary>What a log line says of it: names, issuer, expiry and fingerprint (what an administrator checks against clients).</summary>
    public static string Describe(X509Certificate2 certificate)
        => $"certificate for {DaemonCertificateCheck.Names(certificate)}, issued by \"{certificate.Issuer}\", valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}, " +
           $"SHA-256 {certificate.GetCertHashString(HashAlgorithmName.SHA256)}";
}
