using TorchSharp;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Projection;

/// <summary>
/// Constant geometry tensors (ray directions, sampling grids) made once per (device, dtype) and kept outside every
/// dispose scope, so a layer follows its input's device without rebuilding them each call. Owned and disposed by its layer.
/// </summary>
internal sealed class DeviceTensorCache : IDisposable
{
    readonly Func<Tensor[]> _makeOnCpuDouble;
    readonly string _profileRegion;
    readonly Dictionary<(DeviceType, int, ScalarType), Tensor[]> _cache = new();
    readonly object _lock = new();

    /// <param name="makeOnCpuDouble">builds the tensors on the CPU (geometry in float64; float64 ones are converted to the requested dtype); called once per (device, dtype).</param>
    /// <param name="owner">the layer, named in the profile (<see cref="EngineProfile"/>).</param>
    public DeviceTensorCache(Func<Tensor[]> makeOnCpuDouble, string owner)
    {
        _makeOnCpuDouble = makeOnCpuDouble;
        _profileRegion = $"geometry constants, {owner}";
    }

    public Tensor[] Get(Device device, ScalarType dtype)
    {
        var key = (device.type, device.index, dtype);
        lock (_lock)
        {
            if (_cache.TryGetValue(key, out var hit)) return hit;
            using var region = EngineProfile.Time(_profileRegion);
            using var scope = NewDisposeScope();
            var made = _makeOnCpuDouble().Select(t => t.to(t.dtype == ScalarType.Float64 ? dtype : t.dtype).to(device).contiguous()).ToArray();
            foreach (var t in made) t.DetachFromDisposeScope();
            _cache[key] = made;
            return made;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var ts in _cache.Values) foreach (var t in ts) t.Dispose();
            _cache.Clear();
        }
    }
}
