namespace SlicerReg.Client.Protocol;

/// <summary>Sizes both ends agree on (docs/daemon.md, "Transfers").</summary>
public static class WireLimits
{
    /// <summary>gRPC's default receive limit per message on both sides; no chunk may come near it.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;
    /// <summary>Bytes per chunk we send: well under <see cref="MaxMessageBytes"/> with room for the envelope.</summary>
    public const int ChunkBytes = 1024 * 1024;
    /// <summary>Largest chunk we accept.</summary>
    public const int MaxChunkBytes = MaxMessageBytes - 64 * 1024;
    /// <summary>Largest radiograph side in pixels (a 43 cm flat panel at 0.1 mm is 4300).</summary>
    public const int MaxImageSide = 16384;
    /// <summary>Largest radiograph accepted (bytes), checked on the declaration, before allocating.</summary>
    public const long MaxImageBytes = 256L * 1024 * 1024;
    /// <summary>Largest volume a client accepts from a fetch (bytes), checked on the declaration, before allocating.</summary>
    public const long MaxVolumeBytes = 2L * 1024 * 1024 * 1024 - 1;
    /// <summary>Largest volume the daemon accepts in an upload (a CT or label map for Simulation), checked on the declaration.</summary>
    public const long MaxUploadVolumeBytes = 1024L * 1024 * 1024;
    /// <summary>Most views one Simulation call may ask for.</summary>
    public const int MaxSimulationViews = 64;
    /// <summary>Metadata key carrying the daemon's access token (see --token).</summary>
    public const string TokenHeader = "authorization";
}
