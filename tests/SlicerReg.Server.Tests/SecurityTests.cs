using Grpc.Core;
using Grpc.Health.V1;
using SlicerReg.Client;
using SlicerReg.Core.Geometry;
using SlicerReg.Tests.Common;

namespace SlicerReg.Server.Tests;

/// <summary>Loopback by default; a non-loopback address needs --token; with a token every call but the health check needs it.</summary>
[TestFixture, NonParallelizable]
public sealed class SecurityTests
{
    [Test]
    public void NonLoopbackListen_WithoutToken_RefusesToStart()
    {
        var (code, _, err) = ExternalTool.Run("dotnet", new[] { DaemonProcess.CliDll, "serve", "--listen", "0.0.0.0:0" }, timeoutMs: 30000);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--listen 0.0.0.0:0 is not a loopback address").And.Contain("--token"));
    }

    [Test]
    public async Task Token_IsRequired_ForEveryCallButHealth()
    {
        using var folder = new TempFolder();
        var atlas = TestData.MakeAtlas(folder, "atlas", new GridSize(4, 4, 4), seed: 9);
        const string token = "0123456789abcdef-test-token";
        using var daemon = new DaemonProcess(new[] { "--atlas", atlas.Path, "--token", token }, token: token);

        using (var anonymous = RegistrationClient.Connect(daemon.Address))
        {
            var ex = Assert.ThrowsAsync<RpcException>(() => anonymous.ListModelsAsync());
            Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
            Assert.That(ex.Status.Detail, Does.Contain("requires a token"));
            var (ap, lat) = TestData.Pair();
            ex = Assert.ThrowsAsync<RpcException>(() => anonymous.SubmitAsync(ap, lat, "identity"));
            Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
        }
        using (var wrong = RegistrationClient.Connect(daemon.Address, "not-the-right-token-at-all"))
        {
            var ex = Assert.ThrowsAsync<RpcException>(() => wrong.ListModelsAsync());
            Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated));
            Assert.That(ex.Status.Detail, Is.EqualTo("wrong token"));
        }
        using (var channel = SlicerRegChannel.Open(daemon.Address))
        {
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.That(health.Status, Is.EqualTo(HealthCheckResponse.Types.ServingStatus.Serving));
        }
        using var right = daemon.Client();
        Assert.That((await right.ListModelsAsync()).Select(m => m.Name), Does.Contain("identity"));
    }

    [Test]
    public async Task WithoutAtlas_SubmitIsRefusedClearly()
    {
        using var daemon = new DaemonProcess(Array.Empty<string>());
        using var client = daemon.Client();
        var card = (await client.ListModelsAsync()).Single(m => m.Name == "identity");
        Assert.That(card.Available, Is.False);
        Assert.That(card.UnavailableReason, Does.Contain("--atlas"));
        var (ap, lat) = TestData.Pair();
        var ex = Assert.ThrowsAsync<RpcException>(() => client.SubmitAsync(ap, lat, "identity"));
        Assert.That(ex!.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(ex.Status.Detail, Is.EqualTo("model 'identity' cannot run: no atlas loaded: start the daemon with --atlas FILE"));
    }
}
