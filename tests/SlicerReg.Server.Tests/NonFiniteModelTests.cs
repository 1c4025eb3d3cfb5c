using SlicerReg.Client;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;
using SlicerReg.Core.Xray;
using SlicerReg.Engine;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Protocol.V1;
using SlicerReg.Tests.Common;
using static TorchSharp.torch;

namespace SlicerReg.Server.Tests;

/// <summary>
/// A model whose network returns NaN (here: a NaN planted in its weights, as a corrupt file or a wrong native kernel would
/// give) makes the real daemon fail the job with a message naming the stage; the daemon stays up and hands out no result.
/// </summary>
[TestFixture, NonParallelizable]
public class NonFiniteModelTests
{
    [Test]
    public async Task ANonFiniteNetworkOutputFailsTheJobNamingTheStage()
    {
        ComputeDevice.EnsureLoaded();
        using var folder = new TempFolder();
        string models = Directory.CreateDirectory(folder.File("models")).FullName;
        var (ctPath, labelPath) = ShippedAtlas.Find(NetworkPreset.Tiny.Name);
        var ct = VolumeFile.Read(ctPath);
        string model = Path.Combine(models, "nan-weights");
        using (var net = new RegistrationNetwork(NetworkConfig.For(NetworkPreset.Tiny), ct.Geometry, ViewPair.Orthogonal(NetworkPreset.Tiny, NetworkPreset.AtlasCentre)))
        {
            var (_, bias) = net.named_parameters().Last(p => p.name.StartsWith("local.", StringComparison.Ordinal) && p.name.EndsWith("bias", StringComparison.Ordinal));
            using (no_grad()) bias[0] = float.NaN;
            net.Save(model);
            ModelFolder.WriteAtlas(model, ct, VolumeFile.Read(labelPath));
        }
        string ap = folder.File("ap.nrrd"), lat = folder.File("lat.nrrd");
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "drr", "--ct", ctPath, "--view", "ap", "--out", ap);
        ExternalTool.Check("dotnet", DaemonProcess.CliDll, "drr", "--ct", ctPath, "--view", "lateral", "--out", lat);

        using var daemon = new DaemonProcess(new[] { "--models", models });
        using var client = daemon.Client();
        var (a, l) = (Radiograph.Read(ap), Radiograph.Read(lat));
        var reply = await client.SubmitAsync(a, l, "nan-weights");
        var events = new List<JobEvent>();
        await foreach (var e in client.WatchAsync(reply.JobId)) events.Add(e);
        var last = events[^1];
        Assert.That(last.State, Is.EqualTo(JobState.Failed), last.ToString());
        Assert.That(last.Error.Message, Does.Contain("the local module").And.Contain("non-finite"));
        Assert.That(daemon.HasExited, Is.False, "the daemon is still up");
        Assert.ThrowsAsync<Grpc.Core.RpcException>(() => client.FetchAsync(reply.JobId, "displacement_field"), "no result to fetch");
    }
}
