using Grpc.Core;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
using SlicerReg.Engine.Inference;
using SlicerReg.Engine.Pipeline;
using SlicerReg.Protocol.V1;
using SlicerReg.Server.Domain;
using CalibratedView = SlicerReg.Core.Geometry.CalibratedView;

namespace SlicerReg.Server.Services;

/// <summary>
/// The state machine of one Submit upload: header, then the AP image (ImageHeader, Chunks, TransferEnd), then the LAT image.
/// Every message is checked as it arrives; a violation raises <see cref="ProtocolException"/> with the status to answer.
/// Buffers are allocated only after a header passed every size check.
/// </summary>
sealed class SubmitUpload(ModelCatalog catalog)
{
    SubmitHeader? _header;
    IRegistrationEngine? _engine;
    readonly Dictionary<ViewRole, Radiograph> _images = new();
    readonly Dictionary<ViewRole, IReadOnlyDictionary<string, string>> _metadata = new();
    readonly Dictionary<ViewRole, bool[]> _masks = new();
    RegistrationInputs _inputs = new();
    // The image in transfer:
    ViewRole _role;
    ImageHeader? _imageHeader;
    CalibratedView? _view; // null while a femur mask travels
    Core.Imaging.VoxelType _type;
    Array? _pixels;
    TransferReceiver? _receiver;

    static ProtocolException Bad(string m) => new(StatusCode.InvalidArgument, m);

    public string Model => _header?.Model ?? "";
    public IRegistrationEngine Engine => _engine!;
    public bool HasHeader => _header != null;
    /// <summary>Messages accepted so far (an error names the one that broke the stream).</summary>
    public int Messages { get; private set; }
    /// <summary>Bytes of chunks received (each a buffer of its own, garbage once copied) and of the pixel arrays allocated.</summary>
    public long ChunkBytes { get; private set; }
    public long PixelBytes { get; private set; }

    public void Accept(SubmitRequest m)
    {
        Messages++;
        switch (m.PartCase)
        {
            case SubmitRequest.PartOneofCase.Header:
                if (_header != null) throw Bad("submit: a second header");
                AcceptHeader(m.Header);
                break;
            case SubmitRequest.PartOneofCase.Image:
                if (_header == null) throw Bad("submit: the first message must be the header");
                if (_receiver != null) throw Bad($"submit: {_role} image header before the previous image's end");
                if (m.Image.FemurMask) AcceptMaskHeader(m.Image);
                else AcceptImageHeader(m.Image);
                break;
            case SubmitRequest.PartOneofCase.Chunk:
                if (_receiver == null) throw Bad("submit: a chunk outside an image transfer (send an ImageHeader first)");
                ChunkBytes += m.Chunk.Data.Length;
                _receiver.Add(m.Chunk);
                break;
            case SubmitRequest.PartOneofCase.End:
                if (_receiver == null) throw Bad("submit: a transfer end outside an image transfer");
                _receiver.End(m.End);
                if (_view is null)
                {
                    _masks[_role] = MaskFlags(_pixels!, _type, _imageHeader!);
                    _receiver = null; _pixels = null; _imageHeader = null;
                    break;
                }
                var image = WireConvert.ToImage(_pixels!, _type, _view!);
                if (RadiographValidation.PixelProblem(image.Pixels, image.Columns) is { } pixels) throw Bad($"{Name(_role)} image: {pixels}");
                _images[_role] = new Radiograph(image, _view!);
                _receiver = null; _pixels = null; _imageHeader = null;
                break;
            default:
                throw Bad("submit: an empty message");
        }
    }

    void AcceptHeader(SubmitHeader h)
    {
        if (catalog.Engines.TryGetValue(h.Model, out var engine)) _engine = engine;
        else if (catalog.Unavailable.Any(u => u.Card.Name == h.Model))
            throw new ProtocolException(StatusCode.FailedPrecondition, $"model '{h.Model}' is listed but cannot run: {catalog.Unavailable.First(u => u.Card.Name == h.Model).Reason}");
        else throw new ProtocolException(StatusCode.NotFound, $"unknown model '{h.Model}' (this daemon runs: {string.Join(", ", catalog.Engines.Keys)})");
        if (engine.UnavailableReason is { } reason) throw new ProtocolException(StatusCode.FailedPrecondition, $"model '{h.Model}' cannot run: {reason}");
        var card = engine.Card;
        foreach (var key in h.Options.Keys)
            if (!card.Options.Contains(key)) throw Bad($"model '{h.Model}' has no option '{key}' (it accepts: {(card.Options.Count == 0 ? "none" : string.Join(", ", card.Options))})");
        foreach (var name in h.Results)
            if (!card.Results.Contains(name)) throw Bad($"model '{h.Model}' produces no result '{name}' (it produces: {string.Join(", ", card.Results)})");
        _inputs = RegistrationInputsWire.FromHeader(h);
        if (engine is IdentityEngine && RegistrationInputsWire.UsesRegisterOptions(h))
            throw Bad($"model '{h.Model}' is the identity placeholder: it takes no refinement, radiograph kind, I0, head or side (choose a network model)");
        _header = h;
    }

    void AcceptMaskHeader(ImageHeader h)
    {
        string what = $"{Name(h.Role)} femur mask";
        if (h.Role is not (ViewRole.Ap or ViewRole.Lat)) throw Bad($"submit: femur mask role must be AP or LAT, got {(int)h.Role}");
        if (_engine is IdentityEngine) throw Bad($"model '{Model}' is the identity placeholder: it takes no femur masks (choose a network model)");
        if (_masks.ContainsKey(h.Role)) throw Bad($"submit: a second {what}");
        if (h.View != null) throw Bad($"{what}: carries a view; a mask shares its radiograph's view (leave view unset)");
        if (h.Shape.Count != 2 || h.Shape[0] < 1 || h.Shape[1] < 1 || h.Shape[0] > WireLimits.MaxImageSide || h.Shape[1] > WireLimits.MaxImageSide)
            throw Bad($"{what}: shape must be [columns, rows] within 1..{WireLimits.MaxImageSide}, got [{string.Join(", ", h.Shape)}]");
        var type = WireConvert.FromWire(h.VoxelType, what);
        long bytes = (long)h.Shape[0] * h.Shape[1] * type.SizeOf();
        if (bytes > WireLimits.MaxImageBytes) throw Bad($"{what}: declares {bytes} bytes, more than the limit of {WireLimits.MaxImageBytes}");
        if (h.ByteLength != bytes) throw Bad($"{what}: byte_length {h.ByteLength} does not match columns × rows × voxel size = {bytes}");
        _role = h.Role; _imageHeader = h; _view = null; _type = type;
        _pixels = Array.CreateInstance(type.ClrType(), (long)h.Shape[0] * h.Shape[1]);
        PixelBytes += bytes;
        _receiver = new TransferReceiver(VoxelArrayMemory.Of(_pixels), what);
    }

    static bool[] MaskFlags(Array pixels, Core.Imaging.VoxelType type, ImageHeader h)
    {
        var v = new Volume(ImageGeometry.Axial(new GridSize(h.Shape[0], h.Shape[1], 1), new Vec3(1, 1, 1)), type, 1, Core.Imaging.VolumeKind.LabelMap, pixels);
        var mask = new bool[v.ElementCount];
        for (long n = 0; n < mask.LongLength; n++) mask[n] = v.GetElement(n) != 0;
        return mask;
    }

    static string Name(ViewRole r) => r == ViewRole.Ap ? "AP" : r == ViewRole.Lat ? "LAT" : "unnamed";

    void AcceptImageHeader(ImageHeader h)
    {
        if (h.Role is not (ViewRole.Ap or ViewRole.Lat)) throw Bad($"submit: image role must be AP or LAT, got {(int)h.Role}");
        if (_images.ContainsKey(h.Role)) throw Bad($"submit: a second {Name(h.Role)} image");
        var (view, type) = WireConvert.ValidateImageHeader(h, $"{Name(h.Role)} image");
        // RadiographValidation, shared with the CLI and the Slicer bridge: the view before the pixels travel, the pixels at
        // the transfer's end, the pair at the stream's end.
        if (RadiographValidation.ViewProblem(view) is { } geometry) throw Bad($"{Name(h.Role)} image: {geometry}");
        _role = h.Role; _imageHeader = h; _view = view; _type = type;
        _metadata[h.Role] = new Dictionary<string, string>(h.Metadata);
        _pixels = WireConvert.AllocatePixels(type, view); // <= WireLimits.MaxImageBytes, checked above
        PixelBytes += h.ByteLength;
        _receiver = new TransferReceiver(VoxelArrayMemory.Of(_pixels), $"{Name(h.Role)} image");
    }

    /// <summary>At the end of the client stream: the complete request, or why it is incomplete.</summary>
    public RegistrationRequest Finish()
    {
        if (_header == null) throw Bad("submit: no header was sent");
        if (_receiver != null) throw new ProtocolException(StatusCode.DataLoss, $"submit: the upload ended inside the {Name(_role)} image transfer ({_receiver.Received} of {_imageHeader!.ByteLength} bytes, no end)");
        foreach (var role in new[] { ViewRole.Ap, ViewRole.Lat })
            if (!_images.ContainsKey(role)) throw Bad($"submit: the {Name(role)} image is missing");
        var ap = _images[ViewRole.Ap]; var lat = _images[ViewRole.Lat];
        if (RadiographValidation.PairProblem(ap.View, lat.View) is { } problem) throw Bad($"AP image and LAT image: {problem}");
        foreach (var (role, mask) in _masks)
        {
            var view = _images[role].View;
            if (mask.Length != (long)view.Columns * view.Rows)
                throw Bad($"{Name(role)} femur mask: it has {mask.Length} pixels but its radiograph is {view.Columns} × {view.Rows}: draw it on the radiograph's own grid");
            if (!mask.Any(f => f)) throw Bad($"{Name(role)} femur mask: it is empty (no non-zero pixel)");
        }
        if (_masks.Count == 1) throw Bad($"submit: only the {Name(_masks.Keys.First())} femur mask was sent: send both, or neither");
        var inputs = _inputs with { ApMask = _masks.GetValueOrDefault(ViewRole.Ap), LateralMask = _masks.GetValueOrDefault(ViewRole.Lat) };
        var request = new RegistrationRequest(ap, lat, new Dictionary<string, string>(_header.Options), new HashSet<string>(_header.Results, StringComparer.Ordinal))
        {
            Inputs = inputs, ApMetadata = _metadata[ViewRole.Ap], LateralMetadata = _metadata[ViewRole.Lat], ClientRevision = _header.ClientRevision,
        };
        // A client before revision 5 cannot send femur masks: when its model needs them, say so before the job is queued.
        if (_engine is NetworkEngine network && request.ClientRevision < ProtocolRevision.MaskedRequests && network.MaskProblem(request) is { } masks)
            throw new ProtocolException(StatusCode.FailedPrecondition,
                $"this client speaks protocol revision {(request.ClientRevision == 0 ? "4 or older (it sends no client_revision)" : request.ClientRevision)} and cannot send femur masks; " +
                $"this daemon speaks revision {ProtocolRevision.Current}. {masks} Update the client to revision {ProtocolRevision.MaskedRequests} or newer " +
                "(`slicerreg register --server … --ap-mask M --lat-mask M`, or the Slicer module's femur mask selectors), or send radiographs already masked to the femur.");
        return request;
    }
}
