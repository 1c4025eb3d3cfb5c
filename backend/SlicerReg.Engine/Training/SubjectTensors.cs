using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;
using SlicerReg.Core.Population;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Network;
using SlicerReg.Engine.Pipeline;
using static TorchSharp.torch;

namespace SlicerReg.Engine.Training;

/// <summary>
/// One dataset subject as the network sees it (<see cref="NetworkInputs"/>): the masked ground-truth volume V^f (the
/// loss target, paper Eq. 4), the femur indicator (for the validation Dice), the two radiographs on the preset's detector
/// and their view pair. Tensors are CPU float32, (1, 1, …); disposing frees them.
/// </summary>
public sealed class SubjectTensors : IDisposable
{
    public required string Id { get; init; }
    public required Tensor Truth { get; init; }
    public required Tensor Femur { get; init; }
    public required Tensor Ap { get; init; }
    public required Tensor Lateral { get; init; }
    public required ViewPair Views { get; init; }
    public required double ApPrimaryAngleDeg { get; init; }
    public required double LateralPrimaryAngleDeg { get; init; }

    public long Bytes => 4 * (Truth.numel() + Femur.numel() + Ap.numel() + Lateral.numel());

    public void Dispose() { Truth.Dispose(); Femur.Dispose(); Ap.Dispose(); Lateral.Dispose(); }
}

/// <summary>
/// Reads subjects of a dataset (docs/population.md) into <see cref="SubjectTensors"/>, with the radiographs
/// <see cref="DatasetRadiographs"/> chooses for each (clean DRRs, or the realistic ones prepared by <see cref="RealisticPair"/>
/// exactly as `register` prepares a user's), keeping up to
/// <see cref="CacheBytes"/> of them in memory (tiny and standard datasets fit; paper-size subjects are re-read each step).
/// View pairs compare by value, so subjects of one calibration (an orthogonal dataset) never rebuild the network's
/// projection layers.
/// </summary>
public sealed class DatasetSubjects : IDisposable
{
    readonly DatasetManifest _manifest;
    readonly NetworkPreset _preset;
    readonly string _input;
    readonly ImageGeometry _grid;
    readonly string _radiographs;
    readonly long _seed;
    readonly Dictionary<string, SubjectTensors> _cache = new();
    long _cached;

    public long CacheBytes { get; init; } = 1L << 30;

    /// <param name="radiographs">One of <see cref="DatasetRadiographs.Names"/>; <paramref name="seed"/> draws the coin of <see cref="DatasetRadiographs.Mixed"/>.</param>
    public DatasetSubjects(DatasetManifest manifest, NetworkPreset preset, string input, ImageGeometry grid, string radiographs = DatasetRadiographs.Drr, long seed = 0)
    {
        _manifest = manifest; _preset = preset; _input = input; _grid = grid; _radiographs = DatasetRadiographs.Check(radiographs); _seed = seed;
    }

    /// <summary>Whether <paramref name="subject"/>'s network inputs are its realistic radiographs (else its clean DRRs).</summary>
    public bool UsesRealistic(SubjectEntry subject) => DatasetRadiographs.UsesRealistic(_radiographs, _seed, subject.Id);

    /// <summary>The subject's tensors; cached ones are owned here (do not dispose), others are the caller's (<paramref name="owned"/>).</summary>
    public SubjectTensors Get(SubjectEntry subject, out bool owned)
    {
        if (_cache.TryGetValue(subject.Id, out var hit)) { owned = false; return hit; }
        var loaded = Load(subject);
        if (_cached + loaded.Bytes <= CacheBytes) { _cache[subject.Id] = loaded; _cached += loaded.Bytes; owned = false; }
        else owned = true;
        return loaded;
    }

    SubjectTensors Load(SubjectEntry subject)
    {
        string ctPath = _manifest.PathOf(subject.Ct), labelPath = _manifest.PathOf(subject.Label);
        var ct = VolumeFile.Read(ctPath);
        var label = VolumeFile.Read(labelPath);
        if (!NetworkInputs.SameGrid(ct.Geometry, _grid))
            throw new ImageFormatException(ctPath, $"subject grid {ct.Geometry} differs from the atlas grid {_grid} (dataset and atlas must share the preset's grid)");
        var (apFiles, latFiles) = (FindView(subject, "ap", 0), FindView(subject, "lateral", 1));
        var (ap, lat) = UsesRealistic(subject) ? ReadRealistic(subject, apFiles, latFiles) : (ReadDrr(apFiles), ReadDrr(latFiles));
        var (apNet, latNet) = (NetworkInputs.ToNetworkDetector(ap.Radiograph, _preset, ap.Origin), NetworkInputs.ToNetworkDetector(lat.Radiograph, _preset, lat.Origin));
        return new SubjectTensors
        {
            Id = subject.Id,
            Truth = NetworkInputs.MaskedVolume(ct, label, ctPath),
            Femur = NetworkInputs.FemurMask(label),
            Ap = NetworkInputs.Image(apNet.Image),
            Lateral = NetworkInputs.Image(latNet.Image),
            Views = new ViewPair(apNet.View, latNet.View),
            ApPrimaryAngleDeg = apFiles.View.CArm.PrimaryAngleDeg,
            LateralPrimaryAngleDeg = latFiles.View.CArm.PrimaryAngleDeg,
        };
    }

    ViewFiles FindView(SubjectEntry subject, string name, int fallbackIndex)
        => subject.Views.FirstOrDefault(x => x.View.Name == name)
           ?? (subject.Views.Count == 2 ? subject.Views[fallbackIndex] : throw new ImageFormatException(_manifest.PathOf(DatasetManifest.FileName), $"subject {subject.Id} has no \"{name}\" view"));

    /// <summary>The realistic pair without head clicks: training keeps the dataset's frame (placement: the identity).</summary>
    ((Radiograph Radiograph, string Origin) Ap, (Radiograph Radiograph, string Origin) Lateral) ReadRealistic(SubjectEntry subject, ViewFiles ap, ViewFiles lateral)
    {
        var pair = RealisticPair.Prepare(_manifest, subject, ap, lateral, _input == NetworkConfig.Masked);
        return ((pair.Ap.Radiograph, RealisticPair.Origin(_manifest, subject, ap)), (pair.Lateral.Radiograph, RealisticPair.Origin(_manifest, subject, lateral)));
    }

    (Radiograph Radiograph, string Origin) ReadDrr(ViewFiles v)
    {
        string path = _manifest.PathOf(_input == NetworkConfig.Masked ? v.MaskedDrr : v.Drr);
        return (Radiograph.Read(path), path);
    }

    public void Dispose()
    {
        foreach (var s in _cache.Values) s.Dispose();
        _cache.Clear();
    }
}
