using Grpc.Core;
using SlicerReg.Client.Protocol;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.Xray;
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
    // The image in transfer:
    ViewRole _role;
    ImageHeader? _imageHeader;
    CalibratedView? _view;
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
                AcceptImageHeader(m.Image);
                break;
            case SubmitRequest.PartOneofCase.Chunk:
                if (_receiver == null) throw Bad("submit: a chunk outside an image transfer (send an ImageHeader first)");
                ChunkBytes += m.Chunk.Data.Length;
                _receiver.Add(m.Chunk);
                break;
            case SubmitRequest.PartOneofCase.End:
                if (_receiver == null) throw Bad("submit: a transfer end outside an image transfer");
                _receiver.End(m.End);
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
        _header = h;
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
        return new RegistrationRequest(ap, lat, new Dictionary<string, string>(_header.Options), new HashSet<string>(_header.Results, StringComparer.Ordinal));
    }
}
