using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Client.Protocol;

/// <summary>
/// The sending half of a transfer: the payload cut into chunks of at most <see cref="WireLimits.ChunkBytes"/>
/// with consecutive offsets, then the trailer with the SHA-256 of every byte (docs/daemon.md, "Transfers"). Every sender
/// uses it: the client's Submit (<see cref="Messages"/>), the daemon's FetchResult and the Simulation service (<see cref="SendAsync"/>).
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

    /// <summary>
    /// The chunks of <paramref name="source"/> read from where it stands to its end, through one buffer for the whole
    /// transfer: each chunk wraps the buffer, so it must be sent before the next is read (<see cref="SendAsync"/> does).
    /// Not from ArrayPool.Shared: the pool keeps the 1 MiB arrays that concurrent transfers returned until it decides to
    /// trim (LoadTests saw +6.6 MiB of managed heap after 8 concurrent clients); one array per transfer goes with it.
    /// </summary>
    public static async IAsyncEnumerable<Chunk> Chunks(Stream source, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var buffer = new byte[WireLimits.ChunkBytes];
        long offset = 0;
        int n;
        while ((n = await source.ReadAtLeastAsync(buffer.AsMemory(0, WireLimits.ChunkBytes), WireLimits.ChunkBytes, throwOnEndOfStream: false, ct)) > 0)
        {
            yield return new Chunk { Offset = offset, Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, n)) };
            offset += n;
        }
    }

    /// <summary>
    /// Sends a whole transfer through <paramref name="write"/>, each message written before the next is made: the header,
    /// the chunks, the trailer with the SHA-256 of the bytes sent. With <paramref name="storedSha256"/> (the hash taken when
    /// the payload was stored) the bytes sent must hash to it, else DATA_LOSS is raised instead of the trailer.
    /// </summary>
    public static async Task SendAsync<T>(Func<T, Task> write, T header, IAsyncEnumerable<Chunk> chunks, Func<Chunk, T> chunk, Func<TransferEnd, T> end,
                                          string what, byte[]? storedSha256 = null)
    {
        await write(header);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await foreach (var c in chunks)
        {
            sha.AppendData(c.Data.Span);
            await write(chunk(c));
        }
        var sent = sha.GetHashAndReset();
        if (storedSha256 != null && !sent.AsSpan().SequenceEqual(storedSha256))
            throw new ProtocolException(StatusCode.DataLoss, $"{what}: the stored copy is corrupt");
        await write(end(new TransferEnd { Sha256 = ByteString.CopyFrom(sent) }));
    }

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
