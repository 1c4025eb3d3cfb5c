using SlicerReg.Client.Protocol;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Server.Tests;

/// <summary>The client's check of the daemon's protocol revision (the daemon's own reply is checked in NetworkEngineTests).</summary>
public class VersionTests
{
    [Test]
    public void ADaemonTooOldForThisClient_IsRefusedNamingBothVersions()
    {
        var before = Assert.Throws<ProtocolException>(() => ProtocolRevision.Check(new ListModelsReply(), "127.0.0.1:50051"));
        Assert.That(before!.Code, Is.EqualTo(Grpc.Core.StatusCode.FailedPrecondition));
        Assert.That(before.Message, Does.StartWith("the daemon at 127.0.0.1:50051 is an older release that does not report its version (protocol revision 1)")
                                        .And.Contain($"needs protocol revision {ProtocolRevision.Required} or newer").And.Contain("update the daemon"));
        var old = Assert.Throws<ProtocolException>(() => ProtocolRevision.Check(new ListModelsReply { DaemonVersion = "0.9.0+abc", ProtocolVersion = ProtocolRevision.Required - 1 }, "unix:/tmp/d.sock"));
        Assert.That(old!.Message, Does.Contain($"release 0.9.0+abc (protocol revision {ProtocolRevision.Required - 1})").And.Contain(ProtocolRevision.ReleaseVersion));
        Assert.DoesNotThrow(() => ProtocolRevision.Check(new ListModelsReply { ProtocolVersion = ProtocolRevision.Required + 5 }, "x"), "newer revisions only add");
    }
}
