using System.Security.Cryptography;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Imaging;
using SlicerReg.Protocol.V1;

namespace SlicerReg.Server.Jobs;

/// <summary>
/// A finished job's result volumes, held until every one was fetched once or the TTL expired. Small volumes stay in memory;
/// volumes above the spill threshold are written to the daemon's temp folder and streamed back from there.
/// Results travel in RAS (header coordinate_system = RAS).
/// </summary>
public sealed class StoredResults : IDisposable
{
    public sealed class Entry
    {
        public required VolumeHeader Header { get; init; }
        public Volume? InMemory { get; set; }
        public string? SpillFile { get; init; }
        public required byte[] Sha256 { get; init; }
        public bool Fetched { get; set; }
    }

    readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    readonly string? _spillFolder;

    public StoredResults(IReadOnlyDictionary<string, Volume> volumes, string spillRoot, string jobId, long spillAboveBytes)
    {
        foreach (var (name, volume) in volumes)
        {
            var header = WireConvert.Header(volume);
            var payload = WireConvert.Payload(volume);
            byte[] sha = SHA256.HashData(payload.Span);
            if (header.ByteLength > spillAboveBytes)
            {
                _spillFolder ??= Directory.CreateDirectory(Path.Combine(spillRoot, jobId)).FullName;
                string file = Path.Combine(_spillFolder, name + ".raw");
                using (var f = new FileStream(file, FileMode.CreateNew, FileAccess.Write)) f.Write(payload.Span);
                _entries[name] = new Entry { Header = header, SpillFile = file, Sha256 = sha };
            }
            else _entries[name] = new Entry { Header = header, InMemory = volume, Sha256 = sha };
        }
    }

    public IEnumerable<(string Name, VolumeHeader Header)> Headers => _entries.Select(kv => (kv.Key, kv.Value.Header));
    public int SpilledCount => _entries.Values.Count(e => e.SpillFile != null);
    public long SpilledBytes => _entries.Values.Where(e => e.SpillFile != null).Sum(e => e.Header.ByteLength);
    public long InMemoryBytes => _entries.Values.Where(e => e.InMemory != null).Sum(e => e.Header.ByteLength);

    public Entry? this[string name] => _entries.GetValueOrDefault(name);
    public IEnumerable<string> Names => _entries.Keys;

    /// <summary>True once every result was fetched completely at least once.</summary>
    public bool AllFetched { get { lock (_entries) return _entries.Values.All(e => e.Fetched); } }
    public void MarkFetched(string name) { lock (_entries) _entries[name].Fetched = true; }

    public void Dispose()
    {
        foreach (var e in _entries.Values) e.InMemory = null;
        if (_spillFolder != null) try { Directory.Delete(_spillFolder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
