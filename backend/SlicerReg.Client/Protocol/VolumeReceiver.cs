using Grpc.Core;
using SlicerReg.Core.Imaging;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Client.Protocol;

/// <summary>
/// Receives one volume transfer (header, chunks, trailer) into a volume allocated from the validated header: used by result
/// downloads, DRR downloads and the daemon's CT uploads alike. Displacement vectors sent in LPS are brought to RAS at the end.
/// </summary>
public sealed class VolumeReceiver
{
    readonly VolumeHeader _header;
    readonly TransferReceiver _receiver;
    readonly string _what;

    /// <param name="maxBytes">Refused (INVALID_ARGUMENT) before allocating when the header declares more.</param>
    public VolumeReceiver(VolumeHeader header, string what, long maxBytes = WireLimits.MaxVolumeBytes)
    {
        _header = header; _what = what;
        Volume = WireConvert.AllocateVolume(header, what, maxBytes);
        _receiver = new TransferReceiver(VoxelArrayMemory.Of(Volume.Data), what);
    }

    /// <summary>The volume being filled; complete once <see cref="Complete"/>.</summary>
    public Volume Volume { get; }
    public bool Complete => _receiver.Complete;
    public long Received => _receiver.Received;
    public long ByteLength => _header.ByteLength;

    public void Add(Chunk chunk) => _receiver.Add(chunk);

    public void End(TransferEnd end)
    {
        _receiver.End(end);
        WireConvert.ToRasInPlace(Volume, _header);
    }

    /// <summary>The finished volume, or DATA_LOSS when the stream ended before the trailer.</summary>
    public Volume Finish()
    {
        if (!Complete) throw new ProtocolException(StatusCode.DataLoss, $"{_what}: the transfer ended after {Received} of {ByteLength} bytes, before its checksum trailer");
        return Volume;
    }
}
