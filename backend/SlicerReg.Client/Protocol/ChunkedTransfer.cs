using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Client.Protocol;

/// <summary>
/// The sending half of a transfer: the payload cut into chunks of at most <see cref="WireLimits.ChunkBytes"/>
/// with consecutive offsets, then the trailer with the SHA-256 of every byte (docs/daemon.md, "Transfers").
/// </summary>
public static class ChunkedTransfer
{
    /// <summary>
    /// The chunks wrap slices of <paramref name="payload"/> without copying them (a 256 MiB volume is not duplicated to be
    /// sent), so the payload must not change until the transfer is over; the trailer's hash would catch it if it did.
    /// </summary>
    public static IEnumerable<Chunk> Chunks(ReadOnlyMemory<byte> payload, int chunkBytes = WireLimits.ChunkBytes)
    {
        for (int offset = 0; offset < payload.Length; offset += chunkBytes)
            yield return new Chunk { Offset = offset, Data = UnsafeByteOperations.UnsafeWrap(payload.Slice(offset, Math.Min(chunkBytes, payload.Length - offset))) };
    }

    public static TransferEnd End(ReadOnlySpan<byte> payload) => new() { Sha256 = ByteString.CopyFrom(SHA256.HashData(payload)) };

    /// <summary>A whole transfer as messages of one stream: <paramref name="header"/>, the chunks, the trailer.</summary>
    public static IEnumerable<T> Messages<T>(T header, ReadOnlyMemory<byte> payload, Func<Chunk, T> chunk, Func<TransferEnd, T> end)
    {
        yield return header;
        foreach (var c in Chunks(payload)) yield return chunk(c);
        yield return end(End(payload.Span));
    }
}

/// <summary>
/// The receiving half: bytes land in a buffer allocated from the (already validated) declared length; chunks must be
/// consecutive and within it; the trailer's SHA-256 must match. <c>what</c> names the transfer in every error.
/// </summary>
public sealed class TransferReceiver(Memory<byte> buffer, string what)
{
    readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    long _received;

    public bool Complete { get; private set; }
    public long Received => _received;

    public void Add(Chunk chunk)
    {
        if (Complete) throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: chunk after the transfer's end");
        if (chunk.Offset != _received)
            throw new ProtocolException(StatusCode.DataLoss, $"{what}: missing chunk: expected offset {_received}, got {chunk.Offset}");
        if (chunk.Data.Length > WireLimits.MaxChunkBytes)
            throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: chunk of {chunk.Data.Length} bytes exceeds {WireLimits.MaxChunkBytes}");
        if (_received + chunk.Data.Length > buffer.Length)
            throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: chunk at offset {chunk.Offset} runs past the declared {buffer.Length} bytes");
        chunk.Data.Span.CopyTo(buffer.Span[(int)_received..]);
        _sha.AppendData(chunk.Data.Span);
        _received += chunk.Data.Length;
    }

    public void End(TransferEnd end)
    {
        if (Complete) throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: second end of transfer");
        if (_received != buffer.Length)
            throw new ProtocolException(StatusCode.DataLoss, $"{what}: transfer ended after {_received} of {buffer.Length} declared bytes (missing chunks)");
        var actual = _sha.GetHashAndReset();
        if (!end.Sha256.Span.SequenceEqual(actual))
            throw new ProtocolException(StatusCode.DataLoss, $"{what}: SHA-256 mismatch: sender says {Convert.ToHexString(end.Sha256.Span).ToLowerInvariant()}, received bytes hash to {Convert.ToHexString(actual).ToLowerInvariant()}");
        Complete = true;
    }
}
