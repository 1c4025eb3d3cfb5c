using Grpc.Core;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Imaging;
using SlicerReg.Protocol.V1;
using VoxelType = SlicerReg.Core.Imaging.VoxelType;

namespace SlicerReg.Server.Simulation;

/// <summary>
/// The state machine of one Simulation upload: the header (views and options), then the CT and optionally a label map,
/// each as VolumeUpload, Chunks, TransferEnd. Every message is checked as it arrives; a violation raises
/// <see cref="ProtocolException"/> with the status to answer. Volumes are allocated only after their header passed every check.
/// </summary>
sealed class SimulationUpload
{
    SimulationSettings? _settings;
    Volume? _ct, _labels;
    SimulationInput _input;
    VolumeReceiver? _receiver;

    static ProtocolException Bad(string m) => new(StatusCode.InvalidArgument, "simulate: " + m);
    static string Name(SimulationInput i) => i == SimulationInput.Ct ? "CT" : "label map";

    public bool HasHeader => _settings != null;
    public SimulationSettings Settings => _settings!;
    /// <summary>Messages accepted so far (an error names the one that broke the stream).</summary>
    public int Messages { get; private set; }
    /// <summary>Bytes of chunks received (each a buffer of its own, garbage once copied) and of the volumes allocated.</summary>
    public long ChunkBytes { get; private set; }
    public long VolumeBytes { get; private set; }

    public void Accept(SimulateRequest m)
    {
        Messages++;
        switch (m.PartCase)
        {
            case SimulateRequest.PartOneofCase.Header:
                if (_settings != null) throw Bad("a second header");
                _settings = SimulationWire.FromWire(m.Header);
                break;
            case SimulateRequest.PartOneofCase.Volume:
                if (_settings == null) throw Bad("the first message must be the header");
                if (_receiver != null) throw Bad($"a volume header before the {Name(_input)}'s transfer end");
                AcceptVolumeHeader(m.Volume);
                break;
            case SimulateRequest.PartOneofCase.Chunk:
                if (_receiver == null) throw Bad("a chunk outside a volume transfer (send a VolumeUpload first)");
                ChunkBytes += m.Chunk.Data.Length;
                _receiver.Add(m.Chunk);
                break;
            case SimulateRequest.PartOneofCase.End:
                if (_receiver == null) throw Bad("a transfer end outside a volume transfer");
                _receiver.End(m.End);
                var volume = _receiver.Finish();
                if (_input == SimulationInput.Ct) { RefuseNonFinite(volume); _ct = volume; } else _labels = volume;
                _receiver = null;
                break;
            default:
                throw Bad("an empty message");
        }
    }

    void AcceptVolumeHeader(VolumeUpload u)
    {
        if (u.Input is not (SimulationInput.Ct or SimulationInput.Labels)) throw Bad($"volume input must be CT or LABELS, got {(int)u.Input}");
        if ((u.Input == SimulationInput.Ct ? _ct : _labels) != null) throw Bad($"a second {Name(u.Input)}");
        string what = $"simulate: {Name(u.Input)}";
        if (u.Header is null) throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: the volume header is missing");
        var (_, type, components, kind) = WireConvert.ValidateVolumeHeader(u.Header, what, WireLimits.MaxUploadVolumeBytes);
        if (components != 1) throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: must have one component per voxel, got {components}");
        if (u.Input == SimulationInput.Ct && kind is not (Core.Imaging.VolumeKind.Scalar or Core.Imaging.VolumeKind.LabelMap))
            throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: must be a scalar volume (Hounsfield units), got kind {kind}");
        if (u.Input == SimulationInput.Labels && !type.IsInteger())
            throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: must have an integer voxel type, got {type}");
        _input = u.Input;
        _receiver = new VolumeReceiver(u.Header, what, WireLimits.MaxUploadVolumeBytes);
        VolumeBytes += u.Header.ByteLength;
    }

    /// <summary>NaN or infinite HU would turn whole rays into NaN; refused with the first offending voxel.</summary>
    static void RefuseNonFinite(Volume ct)
    {
        if (ct.VoxelType is not (VoxelType.Float32 or VoxelType.Float64)) return;
        long bad = 0, first = -1;
        for (long n = 0; n < ct.ElementCount; n++)
            if (!double.IsFinite(ct.GetElement(n))) { bad++; if (first < 0) first = n; }
        if (bad == 0) return;
        var s = ct.Size;
        long i = first % s.I, j = first / s.I % s.J, k = first / ((long)s.I * s.J);
        throw new ProtocolException(StatusCode.InvalidArgument, $"simulate: CT: {bad} voxel{(bad > 1 ? "s are" : " is")} NaN or infinite (first at i={i}, j={j}, k={k})");
    }

    /// <summary>At the end of the request stream: the CT and the label map, or why the upload is incomplete.</summary>
    public (Volume Ct, Volume? Labels) Finish()
    {
        if (_settings == null) throw Bad("no header was sent");
        if (_receiver != null) throw new ProtocolException(StatusCode.DataLoss, $"simulate: the upload ended inside the {Name(_input)} transfer ({_receiver.Received} of {_receiver.ByteLength} bytes, no end)");
        if (_ct == null) throw Bad("the CT is missing");
        if (_settings.LabelValue != null && _labels == null) throw Bad("label_value was given but no label map was sent");
        return (_ct, _labels);
    }
}
