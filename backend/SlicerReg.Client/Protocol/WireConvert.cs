using Grpc.Core;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using CoreVoxel = SlicerReg.Core.Imaging.VoxelType;
using CoreKind = SlicerReg.Core.Imaging.VolumeKind;
using CoreCs = SlicerReg.Core.Geometry.CoordinateSystem;
using Wire = SlicerReg.Protocol.V1;

namespace SlicerReg.Client.Protocol;

/// <summary>
/// Converts between SlicerReg.Core types and protocol messages, validating every incoming field.
/// Problems raise <see cref="ProtocolException"/> (INVALID_ARGUMENT) naming the input (<c>what</c>) and the field.
/// </summary>
public static class WireConvert
{
    static ProtocolException Bad(string what, string problem) => new(StatusCode.InvalidArgument, $"{what}: {problem}");

    public static Wire.VoxelType ToWire(CoreVoxel t) => t switch
    {
        CoreVoxel.UInt8 => Wire.VoxelType.Uint8, CoreVoxel.Int16 => Wire.VoxelType.Int16, CoreVoxel.UInt16 => Wire.VoxelType.Uint16,
        CoreVoxel.Int32 => Wire.VoxelType.Int32, CoreVoxel.Float32 => Wire.VoxelType.Float32, CoreVoxel.Float64 => Wire.VoxelType.Float64,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static CoreVoxel FromWire(Wire.VoxelType t, string what) => t switch
    {
        Wire.VoxelType.Uint8 => CoreVoxel.UInt8, Wire.VoxelType.Int16 => CoreVoxel.Int16, Wire.VoxelType.Uint16 => CoreVoxel.UInt16,
        Wire.VoxelType.Int32 => CoreVoxel.Int32, Wire.VoxelType.Float32 => CoreVoxel.Float32, Wire.VoxelType.Float64 => CoreVoxel.Float64,
        _ => throw Bad(what, $"voxel type {(Enum.IsDefined(t) ? $"{(int)t} ({t})" : $"{(int)t}")} is not supported (expected uint8, int16, uint16, int32, float32 or float64)"),
    };

    public static Wire.CoordinateSystem ToWire(CoreCs c) => c == CoreCs.RAS ? Wire.CoordinateSystem.Ras : Wire.CoordinateSystem.Lps;

    public static CoreCs FromWire(Wire.CoordinateSystem c, string what) => c switch
    {
        Wire.CoordinateSystem.Ras => CoreCs.RAS,
        Wire.CoordinateSystem.Lps => CoreCs.LPS,
        _ => throw Bad(what, "coordinate_system must be RAS or LPS (it is never implied)"),
    };

    public static Wire.VolumeKind ToWire(CoreKind k) => k switch
    {
        CoreKind.Scalar => Wire.VolumeKind.Scalar, CoreKind.LabelMap => Wire.VolumeKind.LabelMap,
        CoreKind.DisplacementField => Wire.VolumeKind.DisplacementField, _ => Wire.VolumeKind.Vector,
    };

    public static CoreKind FromWire(Wire.VolumeKind k, string what) => k switch
    {
        Wire.VolumeKind.Scalar => CoreKind.Scalar, Wire.VolumeKind.LabelMap => CoreKind.LabelMap,
        Wire.VolumeKind.DisplacementField => CoreKind.DisplacementField, Wire.VolumeKind.Vector => CoreKind.Vector,
        _ => throw Bad(what, $"volume kind {(int)k} is not supported"),
    };

    // ---- volumes ---------------------------------------------------------------------------------------------------

    /// <summary>Header of a volume; geometry and (for displacement fields) vector components expressed in <paramref name="space"/>.</summary>
    public static Wire.VolumeHeader Header(Volume v, CoreCs space = CoreCs.RAS)
    {
        var h = new Wire.VolumeHeader
        {
            Components = v.Components, VoxelType = ToWire(v.VoxelType), Kind = ToWire(v.Kind),
            CoordinateSystem = ToWire(space), ByteLength = v.ElementCount * v.VoxelType.SizeOf(),
        };
        h.Shape.Add(v.Size.ToArray());
        h.IndexToWorld.Add(v.Geometry.IndexToWorld(space).ToRowMajor());
        return h;
    }

    /// <summary>The voxel bytes as they travel (little-endian, the header's frame for displacement vectors).</summary>
    public static ReadOnlyMemory<byte> Payload(Volume v, CoreCs space = CoreCs.RAS)
    {
        if (v.Kind == CoreKind.DisplacementField && space == CoreCs.LPS)
        {
            var flipped = v.Clone();
            for (long n = 0; n < flipped.VoxelCount; n++)
            {
                flipped.SetElement(3 * n, -flipped.GetElement(3 * n));
                flipped.SetElement(3 * n + 1, -flipped.GetElement(3 * n + 1));
            }
            return flipped.Bytes.ToArray();
        }
        return VoxelArrayMemory.Of(v.Data);
    }

    /// <summary>Validates a volume header and returns the empty volume it describes (allocated only after every check passed).</summary>
    public static Volume AllocateVolume(Wire.VolumeHeader h, string what, long maxBytes = WireLimits.MaxVolumeBytes)
    {
        var (geometry, type, components, kind) = ValidateVolumeHeader(h, what, maxBytes);
        return new Volume(geometry, type, components, kind);
    }

    public static (ImageGeometry Geometry, CoreVoxel Type, int Components, CoreKind Kind) ValidateVolumeHeader(Wire.VolumeHeader h, string what, long maxBytes)
    {
        if (h.Shape.Count != 3) throw Bad(what, $"shape must have 3 entries [I, J, K], got {h.Shape.Count}");
        if (h.Shape.Any(s => s < 1)) throw Bad(what, $"shape entries must be positive, got [{string.Join(", ", h.Shape)}]");
        if (h.Components < 1 || h.Components > 64) throw Bad(what, $"components must be 1..64, got {h.Components}");
        var type = FromWire(h.VoxelType, what);
        var kind = FromWire(h.Kind, what);
        var space = FromWire(h.CoordinateSystem, what);
        long bytes = (long)h.Shape[0] * h.Shape[1] * h.Shape[2] * h.Components * type.SizeOf();
        if (bytes > maxBytes) throw Bad(what, $"declares {bytes} bytes of voxels, more than the limit of {maxBytes}");
        if (h.ByteLength != bytes) throw Bad(what, $"byte_length {h.ByteLength} does not match shape × components × voxel size = {bytes}");
        if (h.IndexToWorld.Count != 16) throw Bad(what, $"index_to_world must have 16 entries (4×4 row-major), got {h.IndexToWorld.Count}");
        if (h.IndexToWorld[12] != 0 || h.IndexToWorld[13] != 0 || h.IndexToWorld[14] != 0 || h.IndexToWorld[15] != 1)
            throw Bad(what, "index_to_world's last row must be [0, 0, 0, 1]");
        if (h.IndexToWorld.Any(x => !double.IsFinite(x))) throw Bad(what, "index_to_world has non-finite entries");
        ImageGeometry g;
        try { g = ImageGeometry.FromIndexToWorld(new GridSize(h.Shape[0], h.Shape[1], h.Shape[2]), Mat4.FromRowMajor(h.IndexToWorld.ToArray()), space); }
        catch (ArgumentException e) { throw Bad(what, e.Message); }
        return (g, type, h.Components, kind);
    }

    /// <summary>After the bytes arrived: displacement vectors sent in LPS are brought to RAS (the in-memory frame).</summary>
    public static void ToRasInPlace(Volume v, Wire.VolumeHeader h)
    {
        if (v.Kind != CoreKind.DisplacementField || h.CoordinateSystem != Wire.CoordinateSystem.Lps) return;
        for (long n = 0; n < v.VoxelCount; n++)
        {
            v.SetElement(3 * n, -v.GetElement(3 * n));
            v.SetElement(3 * n + 1, -v.GetElement(3 * n + 1));
        }
    }

    // ---- views and radiographs -------------------------------------------------------------------------------------

    public static Wire.CalibratedView ToWire(CalibratedView v)
    {
        var w = new Wire.CalibratedView { CoordinateSystem = Wire.CoordinateSystem.Ras };
        w.Source.Add(v.Source.ToArray()); w.DetectorCenter.Add(v.DetectorCenter.ToArray());
        w.ColumnDirection.Add(v.ColumnDirection.ToArray()); w.RowDirection.Add(v.RowDirection.ToArray());
        w.PixelSpacing.Add(new[] { v.ColumnSpacingMm, v.RowSpacingMm }); w.Size.Add(new[] { v.Columns, v.Rows });
        return w;
    }

    public static CalibratedView FromWire(Wire.CalibratedView? w, string what)
    {
        if (w is null) throw Bad(what, "the calibrated view is missing");
        var space = FromWire(w.CoordinateSystem, what + " view");
        // Points and free vectors flip alike between RAS and LPS (PatientCoordinates).
        Vec3 P(Google.Protobuf.Collections.RepeatedField<double> f, string name)
        {
            if (f.Count != 3) throw Bad(what, $"view {name} must have 3 numbers, got {f.Count}");
            return PatientCoordinates.Convert(new Vec3(f[0], f[1], f[2]), space, CoreCs.RAS);
        }
        if (w.PixelSpacing.Count != 2) throw Bad(what, $"view pixel_spacing must have 2 numbers, got {w.PixelSpacing.Count}");
        if (w.Size.Count != 2) throw Bad(what, $"view size must have 2 numbers [columns, rows], got {w.Size.Count}");
        try
        {
            return new CalibratedView(P(w.Source, "source"), P(w.DetectorCenter, "detector_center"),
                P(w.ColumnDirection, "column_direction"), P(w.RowDirection, "row_direction"),
                w.PixelSpacing[0], w.PixelSpacing[1], w.Size[0], w.Size[1]);
        }
        catch (ArgumentException e) { throw Bad(what, "view: " + e.Message); }
    }

    public static Wire.ImageHeader Header(Image2D image, CalibratedView view, Wire.ViewRole role)
    {
        var h = new Wire.ImageHeader
        {
            Role = role, VoxelType = Wire.VoxelType.Float32, View = ToWire(view),
            ByteLength = (long)image.Columns * image.Rows * sizeof(float),
        };
        h.Shape.Add(new[] { image.Columns, image.Rows });
        return h;
    }

    /// <summary>Validates a radiograph header (shape, voxel type, size, agreement with its view) before anything is allocated.</summary>
    public static (CalibratedView View, CoreVoxel Type) ValidateImageHeader(Wire.ImageHeader h, string what)
    {
        if (h.Shape.Count != 2) throw Bad(what, $"shape must have 2 entries [columns, rows], got {h.Shape.Count}");
        if (h.Shape[0] < 1 || h.Shape[1] < 1 || h.Shape[0] > WireLimits.MaxImageSide || h.Shape[1] > WireLimits.MaxImageSide)
            throw Bad(what, $"shape [{h.Shape[0]}, {h.Shape[1]}] is outside 1..{WireLimits.MaxImageSide} pixels per side");
        var type = FromWire(h.VoxelType, what);
        long bytes = (long)h.Shape[0] * h.Shape[1] * type.SizeOf();
        if (bytes > WireLimits.MaxImageBytes) throw Bad(what, $"declares {bytes} bytes, more than the limit of {WireLimits.MaxImageBytes}");
        if (h.ByteLength != bytes) throw Bad(what, $"byte_length {h.ByteLength} does not match columns × rows × voxel size = {bytes}");
        var view = FromWire(h.View, what);
        if (view.Columns != h.Shape[0] || view.Rows != h.Shape[1])
            throw Bad(what, $"image is {h.Shape[0]}×{h.Shape[1]} pixels but its view declares {view.Columns}×{view.Rows}");
        return (view, type);
    }

    /// <summary>The array a radiograph's pixels are received into, of its voxel type (allocated only after <see cref="ValidateImageHeader"/>).</summary>
    public static Array AllocatePixels(CoreVoxel type, CalibratedView view) => Array.CreateInstance(type.ClrType(), (long)view.Columns * view.Rows);

    /// <summary>
    /// Received pixels as a float image: float32 pixels as they are (no copy: a 256 MiB radiograph is not held twice),
    /// other types converted. Not checked here: the daemon checks every radiograph with RadiographValidation.
    /// </summary>
    public static Image2D ToImage(Array pixels, CoreVoxel type, CalibratedView view)
    {
        if (pixels is not float[] floats)
        {
            var v = new Volume(ImageGeometry.Axial(new GridSize(view.Columns, view.Rows, 1), new Vec3(1, 1, 1)), type, 1, CoreKind.Scalar, pixels);
            floats = new float[v.ElementCount];
            for (long n = 0; n < floats.LongLength; n++) floats[n] = (float)v.GetElement(n);
        }
        return new Image2D(view.Columns, view.Rows, view.ColumnSpacingMm, view.RowSpacingMm, floats);
    }
}
