using Grpc.Core;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>
/// The daemon serving TLS with a token (issue 18), with a CA and a server certificate made by openssl at test time
/// (tests/tools/make_test_certificates.sh, the commands of docs/daemon.md "Deployment"): clients that trust the CA get in,
/// clients that trust no CA or another CA fail with a verification error naming the daemon, a plaintext client at the TLS
/// port fails cleanly, the CLI verbs reach it with https:// or --tls and --ca, refused tokens are logged with the peer
/// (rate-limited) and no token ever reaches the log. The Python client's side: tests/python/test_daemon_tls.py.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class TlsTests
{
    const string Token = "tls-test-token-5f0c2a9e41d7";
    const string P12Password = "p12-test-password";
    TempFolder _folder = null!;
    NiftiAtlas _atlas = null!;
    DaemonProcess _daemon = null!;
    string _tokenFile = null!;

    string Ca => _folder.File("ca.pem");
    string OtherCa => _folder.File("other-ca.pem");

    [OneTimeSetUp]
    public void Start()
    {
        _folder = new TempFolder();
        ExternalTool.Check("sh", ExternalTool.ToolScript("make_test_certificates.sh"), _folder.Path, "DNS:localhost,IP:127.0.0.1", P12Password);
        _tokenFile = _folder.File("token");
        File.WriteAllText(_tokenFile, Token + "\n");
        _atlas = TestData.MakeAtlas(_folder, "atlas", new GridSize(10, 8, 6), seed: 18);
        _daemon = new DaemonProcess(new[] { "--atlas", _atlas.Path, "--tls-cert", _folder.File("server.pem"), "--tls-key", _folder.File("server.key"),
                                            "--token-file", _tokenFile }, token: Token, caFile: Ca);
    }

    [OneTimeTearDown]
    public void Stop() { _daemon?.Dispose(); _folder?.Dispose(); }

    string HostPort => _daemon.Address["https://".Length..];

    [Test]
    public async Task ClientTrustingTheCa_SubmitsWatchesAndFetches_OverTls()
    {
        Assert.That(_daemon.Address, Does.StartWith("https://127.0.0.1:"));
        Assert.That(_daemon.Log, Does.Contain("TLS certificate for localhost, 127.0.0.1, issued by \"CN=SlicerReg test CA\""));
        // "HOST:PORT" with --tls and the CA is the same connection as https://.
        using var client = RegistrationClient.Connect(new DaemonEndpoint(HostPort, Token, Tls: true, CaFile: Ca));
        var (ap, lat) = TestData.Pair();
        var reply = await client.SubmitAsync(ap, lat, "identity");
        JobEvent? last = null;
        await foreach (var e in client.WatchAsync(reply.JobId)) last = e;
        Assert.That(last!.State, Is.EqualTo(JobState.Succeeded), last.ToString());
        var warped = await client.FetchAsync(reply.JobId, "warped_atlas");
        Assert.That(warped.As<float>().AsSpan().SequenceEqual(_atlas.Voxels), Is.True, "every voxel as nibabel wrote it");
    }

    [Test]
    public void ClientTrustingNoCaOrAnotherCa_FailsWithAVerificationError_NamingTheDaemon()
    {
        foreach (var (endpoint, reason) in new[]
        {
            (new DaemonEndpoint(_daemon.Address, Token), "the system's trusted roots do not include its issuer"),
            (new DaemonEndpoint(_daemon.Address, Token, CaFile: OtherCa), $"it does not chain to a certificate of the CA file {OtherCa}"),
        })
        {
            using var client = RegistrationClient.Connect(endpoint);
            var e = Assert.ThrowsAsync<RpcException>(() => client.ListModelsAsync())!;
            string message = DaemonFailure.Describe(e, endpoint);
            Assert.That(message, Does.StartWith($"the TLS certificate of the daemon at {_daemon.Address} does not verify: its chain does not verify: "));
            Assert.That(message, Does.Contain(reason).And.Contain("issued by \"CN=SlicerReg test CA\""));
        }
        // The same through the command line: exit 1, the daemon and the reason on stderr, nothing written.
        string outDir = _folder.File("refused");
        var (code, _, err) = ExternalTool.Run("dotnet", new[] { DaemonProcess.CliDll, "drr", "--server", HostPort, "--tls", "--token-file", _tokenFile,
                                                                "--ct", _atlas.Path, "--view", "ap", "--out", Path.Combine(outDir, "ap.nrrd") });
        Assert.That(code, Is.EqualTo(1), err);
        Assert.That(err, Does.Contain($"slicerreg drr: the TLS certificate of the daemon at {HostPort} does not verify").And.Contain("--ca CA.pem"));
        Assert.That(Directory.Exists(outDir), Is.False);
    }

    [Test]
    public async Task PlaintextClient_AtTheTlsPort_FailsCleanly_AndTheDaemonKeepsServing()
    {
        var plain = new DaemonEndpoint(HostPort, Token);
        using (var client = RegistrationClient.Connect(plain))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.ThrowsAsync<RpcException>(() => client.ListModelsAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))!;
            Assert.That(e.StatusCode, Is.EqualTo(StatusCode.Unavailable), e.ToString());
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(10), "refused at once, not left to time out");
            Assert.That(DaemonFailure.Describe(e, plain), Does.Contain($"cannot connect to the daemon at {HostPort}: it did not answer in plain HTTP/2").And.Contain("https://HOST:PORT"));
        }
        // TLS asked for with an http:// address is refused before connecting, never downgraded.
        Assert.Throws<ArgumentException>(() => SlicerRegChannel.Open(new DaemonEndpoint("http://" + HostPort, Token, CaFile: Ca)));
        using var tls = _daemon.Client();
        Assert.That((await tls.ListModelsAsync()).Select(m => m.Name), Does.Contain("identity"));
    }

    [Test]
    public void SubmitVerb_OverHttps_WithTheCaAndATokenFile_WritesTheResults()
    {
        string ap = _folder.File("ap.nrrd"), lat = _folder.File("lat.nrrd"), outDir = _folder.File("submitted");
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "drr", "--ct", _atlas.Path, "--view", "ap", "--out", ap);
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "drr", "--ct", _atlas.Path, "--view", "lateral", "--out", lat);
        string stdout = ExternalTool.Check("dotnet", DaemonProcess.CliDll, "submit", "--server", _daemon.Address, "--ca", Ca, "--token-file", _tokenFile,
                                           "--ap", ap, "--lat", lat, "--results", "warped_atlas", "--out", outDir);
        Assert.That(stdout, Does.Contain("succeeded"));
        var warped = Core.IO.VolumeFile.Read(Path.Combine(outDir, "warped_atlas.nrrd"));
        Assert.That(warped.As<float>().AsSpan().SequenceEqual(_atlas.Voxels), Is.True);
    }

    [Test]
    public async Task RefusedTokens_AreLoggedWithThePeer_RateLimited_AndNoTokenIsEverLogged()
    {
        const string wrong = "not-the-token-but-a-guess-7731";
        for (int n = 0; n < 6; n++)
        {
            using var client = RegistrationClient.Connect(new DaemonEndpoint(_daemon.Address, n % 2 == 0 ? wrong : null, CaFile: Ca));
            var e = Assert.ThrowsAsync<RpcException>(() => client.ListModelsAsync())!;
            Assert.That(e.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        }
        // One line for the six: at most one per address per minute (no other test of this fixture gets past TLS with a wrong token).
        Assert.That(_daemon.CountLog("refused a call from ipv4:127.0.0.1:"), Is.EqualTo(1), _daemon.Log);
        Assert.That(_daemon.Log, Does.Contain("to /slicerreg.v1.Models/ListModels: wrong token"));
        // Work with the right token, so every kind of log line is there, then: neither token anywhere in the logs.
        using (var right = _daemon.Client())
        {
            var (ap, lat) = TestData.Pair(seed: 3);
            var reply = await right.SubmitAsync(ap, lat, "identity");
            await foreach (var _ in right.WatchAsync(reply.JobId)) { }
            await right.FetchAsync(reply.JobId, "warped_atlas");
        }
        _daemon.WaitForLog("result warped_atlas fetched", count: 1);
        Assert.That(_daemon.Log, Does.Contain("token required"));
        Assert.That(_daemon.Log, Does.Not.Contain(Token).And.Not.Contain(wrong));
    }

    [Test]
    public void NonLoopbackListen_RefusesToStart_WithoutTlsAndAToken_UnlessInsecure()
    {
        foreach (var (args, needs) in new[]
        {
            (new[] { "--listen", "0.0.0.0:0" }, "needs TLS (--tls-cert CERT.pem --tls-key KEY.pem) and a token"),
            (new[] { "--listen", "0.0.0.0:0", "--token-file", _tokenFile }, "needs TLS (--tls-cert CERT.pem --tls-key KEY.pem), so"),
            (new[] { "--listen", "0.0.0.0:0", "--insecure" }, "needs a token"),
            (new[] { "--listen", "0.0.0.0:0", "--tls-cert", _folder.File("server.pem"), "--tls-key", _folder.File("server.key") }, "needs a token"),
        })
        {
            var (code, stdout, err) = ExternalTool.Run("dotnet", new[] { DaemonProcess.CliDll, "serve", "--models", "none" }.Concat(args), timeoutMs: 30000);
            Assert.That(code, Is.EqualTo(2), string.Join(' ', args) + "\n" + err);
            Assert.That(err, Does.Contain("--listen 0.0.0.0:0 is not a loopback address: a daemon others can reach " + needs), string.Join(' ', args));
            Assert.That(stdout, Is.Empty, "nothing listened");
        }
        // Token options: one source at a time, and a token long enough to resist guessing; the message never shows it.
        File.WriteAllText(_folder.File("short-token"), "tooshort\n");
        foreach (var (args, message) in new[]
        {
            (new[] { "--token", Token, "--token-file", _tokenFile }, "give --token or --token-file, not both"),
            (new[] { "--token-file", _folder.File("short-token") }, "--token: the token must be at least 16 characters (it has 8;"),
        })
        {
            var (code, _, err) = ExternalTool.Run("dotnet", new[] { DaemonProcess.CliDll, "serve", "--models", "none" }.Concat(args), timeoutMs: 30000);
            Assert.That(code, Is.EqualTo(2), err);
            Assert.That(err, Does.Contain(message).And.Not.Contain("tooshort").And.Not.Contain(Token));
        }
        // A key that is not the certificate's stops the daemon at start, naming both files.
        var (badCode, _, badErr) = ExternalTool.Run("dotnet", new[] { DaemonProcess.CliDll, "serve", "--models", "none", "--tls-cert", _folder.File("server.pem"),
                                                                      "--tls-key", _folder.File("other-ca.key") }, timeoutMs: 30000);
        Assert.That(badCode, Is.EqualTo(1), badErr);
        Assert.That(badErr, Does.Contain($"--tls-cert {_folder.File("server.pem")} --tls-key {_folder.File("other-ca.key")}: cannot load the certificate and its key"));
    }

    [Test]
    public async Task NonLoopbackListen_StartsInsecure_WithAWarning_OrWithAPkcs12Certificate()
    {
        using (var insecure = new DaemonProcess(new[] { "--listen", "0.0.0.0:0", "--insecure", "--token-file", _tokenFile, "--atlas", _atlas.Path }, token: Token, connectTo: "127.0.0.1"))
        {
            Assert.That(insecure.Log, Does.Contain("warn").And.Contain("--insecure: serving plain HTTP/2 on http://0.0.0.0:").And.Contain("an address other machines can reach"));
            using var client = insecure.Client();
            Assert.That((await client.ListModelsAsync()).Select(m => m.Name), Does.Contain("identity"));
        }
        using var pkcs12 = new DaemonProcess(new[] { "--listen", "0.0.0.0:0", "--tls-cert", _folder.File("server.p12"), "--token-file", _tokenFile, "--atlas", _atlas.Path },
                                             new Dictionary<string, string> { ["SLICERREG_TLS_PASSWORD"] = P12Password }, Token, Ca, "127.0.0.1");
        Assert.That(pkcs12.Address, Does.StartWith("https://127.0.0.1:"));
        Assert.That(pkcs12.Log, Does.Not.Contain("--insecure"));
        using var tls = pkcs12.Client();
        Assert.That((await tls.ListModelsAsync()).Select(m => m.Name), Does.Contain("identity"));
        // Reached by an address its certificate does not name (127.0.0.2 is this machine too): refused, naming what it is for.
        var elsewhere = new DaemonEndpoint(pkcs12.Address.Replace("127.0.0.1", "127.0.0.2"), Token, CaFile: Ca);
        using var misnamed = RegistrationClient.Connect(elsewhere);
        var e = Assert.ThrowsAsync<RpcException>(() => misnamed.ListModelsAsync())!;
        Assert.That(DaemonFailure.Describe(e, elsewhere), Does.StartWith($"the TLS certificate of the daemon at {elsewhere.Address} does not verify: " +
                                                                         "the certificate is not for this host name (it names localhost, 127.0.0.1)"));
    }

    [Test]
    public async Task FullchainCertificate_SendsItsIntermediate_SoTheRootCaSuffices()
    {
        using var chained = new DaemonProcess(new[] { "--atlas", _atlas.Path, "--tls-cert", _folder.File("fullchain.pem"), "--tls-key", _folder.File("chained.key"),
                                                      "--token-file", _tokenFile }, token: Token, caFile: Ca);
        Assert.That(chained.Log, Does.Contain("issued by \"CN=SlicerReg test intermediate CA\""));
        using var client = chained.Client();
        Assert.That((await client.ListModelsAsync()).Select(m => m.Name), Does.Contain("identity"));
    }

    /// <summary>
    /// LargeTransferTests' round trip over TLS: a 128 MiB atlas fetched intact (far above gRPC's 4 MB message and Kestrel's
    /// 30 MB body limits; half of the unix-socket test's 256 MiB, which took 49 s over TLS on the loaded 2-core machine) and
    /// a 2 × 16 MiB upload.
    /// </summary>
    [Test]
    public async Task LargeVolume_RoundTripsIntact_OverTls()
    {
        var total = System.Diagnostics.Stopwatch.StartNew();
        using var folder = new TempFolder();
        var atlas = TestData.MakeAtlas(folder, "big", new GridSize(512, 512, 128), seed: 12);
        File.Delete(folder.File("big.raw"));
        using var daemon = new DaemonProcess(new[] { "--atlas", atlas.Path, "--tls-cert", _folder.File("server.pem"), "--tls-key", _folder.File("server.key"),
                                                     "--token-file", _tokenFile }, token: Token, caFile: Ca);
        using var client = daemon.Client();
        var (ap, lat) = TestData.Pair(2048, 2048, seed: 6);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var reply = await client.SubmitAsync(ap, lat, "identity", results: new[] { "warped_atlas" });
        TestContext.Out.WriteLine($"uploaded 2 × {ap.Image.Pixels.Length * 4 / 1e6:0.0} MB over TLS in {clock.Elapsed.TotalSeconds:0.00} s");
        JobEvent? last = null;
        await foreach (var e in client.WatchAsync(reply.JobId)) last = e;
        Assert.That(last!.State, Is.EqualTo(JobState.Succeeded), last.ToString());
        clock.Restart();
        var warped = await client.FetchAsync(reply.JobId, "warped_atlas");
        TestContext.Out.WriteLine($"fetched {warped.Bytes.Length / 1e6:0.0} MB over TLS in {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.That(warped.Bytes.Length, Is.EqualTo(128L * 1024 * 1024));
        Assert.That(warped.As<float>().AsSpan().SequenceEqual(atlas.Voxels), Is.True, "every voxel as nibabel wrote it");
        TestContext.Out.WriteLine($"whole test {total.Elapsed.TotalSeconds:0.0} s");
    }
}
