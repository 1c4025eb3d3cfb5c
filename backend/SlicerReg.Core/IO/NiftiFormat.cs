using System.IO.Compression;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>
/// Single-file NIfTI-1 (<c>.nii</c>, and <c>.nii.gz</c> where the whole file is gzip), read into and written from a
/// <see cref="Volume"/> in RAS. NIfTI's world frame is already RAS, so no axis flip is needed for geometry.
/// <para>Reading, the choices made (nifti1.h is the reference; nibabel's <c>img.affine</c> agrees where noted):</para>
/// <list type="bullet">
/// <item>Geometry: the sform when sform_code &gt; 0, else the qform when qform_code &gt; 0 (nibabel's img.affine rule).
/// With neither, we do what ITK does, so the volume lands where 3D Slicer (which reads NIfTI through ITK) puts it:
/// spacing pixdim[1..3], origin 0, identity direction in ITK's LPS, i.e. IJK→RAS = diag(−dx, −dy, dz). (nifti1.h
/// "method 1" would give diag(dx, dy, dz); nibabel gives an Analyze-style affine centred on the grid; the
/// orientation of such a file is unknown in any case.) A sform or qform that cannot be inverted is an error, never
/// silently replaced by the other. Spatial units (xyzt_units) in metres or microns are converted to mm, origin
/// included (ITK scales only the spacing); "unknown" is taken as mm.</item>
/// <item>Scaling: when scl_slope is finite, non-zero and (slope, inter) is not the identity (1, 0), values become
/// slope·x + inter, returned as Float64 for Int32/Float64 files (more than 24 significant bits) and Float32 otherwise.</item>
/// <item>Kind: intent 1002 (LABEL) with one unscaled integer component → LabelMap; 3 float components with intent
/// 1007 (VECTOR) or 1006 (DISPVECT) → DisplacementField; other multi-component data → Vector.</item>
/// <item>Displacement vectors follow ITK's NiftiImageIO (what Slicer uses to load a grid transform, and what ANTs
/// writes): with intent VECTOR the components are stored as ITK holds them, in LPS; with intent DISPVECT they are stored
/// in RAS (ITK ≥ 5.4 and Slicer's ITK, "ConvertRASDisplacementVectors", flip x and y on read and write). Both are
/// converted to RAS in memory.</item>
/// </list>
/// <para>Writing: datatype from the voxel type, xyzt_units mm, vox_offset 352 with an empty extension flag,
/// sform_code 1 = IJK→RAS; qform_code 1 with the quaternion (qfac −1 for a left-handed direction) when the direction is
/// orthonormal, else qform_code 0. Label maps get intent LABEL. Displacement fields are written as ITK writes them by
/// default: 5-D (dim[4] = 1, dim[5] = 3), intent VECTOR, float components in LPS. Other vector volumes get intent NONE
/// so they are not mistaken for a displacement field. <see cref="VolumeWriteOptions.Space"/> is ignored (NIfTI is RAS).</para>
/// </summary>
public sealed class NiftiFormat : IVolumeFormat
{
    public string Name => "Nifti"; // the name the skeleton gave it; the CLI prints it
    public IReadOnlyList<string> Extensions { get; } = new[] { ".nii.gz", ".nii" };

    public Volume Read(string path)
    {
        using var file = InputFile.OpenRead(path);
        bool gzip = IsGzip(file);
        using Stream stream = gzip ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16) : file;
        try
        {
            var headerBytes = new byte[NiftiHeader.Size];
            int got = ReadFully(stream, headerBytes);
            if (got < NiftiHeader.Size)
                throw new ImageFormatException(path, $"{(gzip ? "gzip stream" : "file")} ends inside the NIfTI header: {got} of {NiftiHeader.Size} bytes");
            var h = NiftiHeader.Parse(headerBytes, path);

            var (size, components) = ReadDimensions(h, path);
            var type = ReadVoxelType(h.Datatype, path);
            var geometry = ReadGeometry(h, size, path);

            SkipTo(stream, DataOffset(h, path), gzip, path);
            long elements = size.VoxelCount * components;
            Array data;
            try { data = VoxelCodec.ReadElements(stream, type, elements, h.BigEndian, gzip: false, path); }
            catch (ImageFormatException e) when (gzip && e.InnerException is null)
            {
                throw new ImageFormatException(path, $"gzip stream ends early: {e.Problem}");
            }

            if (components > 1) data = PlanarToInterleaved(data, components);
            var volume = new Volume(geometry, type, components, VolumeKind.Scalar, data);
            bool scaled = HasScaling(h);
            if (scaled) volume = Rescale(volume, h.SclSlope, float.IsFinite(h.SclInter) ? h.SclInter : 0);
            volume.Kind = KindOf(h.IntentCode, volume, scaled);
            if (volume.Kind == VolumeKind.DisplacementField && h.IntentCode == NiftiHeader.IntentVector)
                FlipXy(volume); // ITK stores VECTOR-intent components in its LPS frame; RAS in memory
            return volume;
        }
        catch (InvalidDataException e) { throw new ImageFormatException(path, $"corrupt gzip data: {e.Message}", e); }
    }

    public void Write(Volume volume, string path, VolumeWriteOptions? options = null)
    {
        options ??= VolumeWriteOptions.Default;
        bool nameSaysGzip = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        bool gzip = options.Compress ?? nameSaysGzip;
        if (gzip != nameSaysGzip)
            throw new ImageFormatException(path, gzip
                ? "compression was requested but the file name ends in .nii; name it .nii.gz"
                : "no compression was requested but the file name ends in .gz; name it .nii");

        var headerBytes = BuildHeader(volume, path).ToBytes();
        var data = DataInFileOrder(volume);
        try
        {
            AtomicFile.Write(path, s =>
            {
                Stream o = gzip ? new GZipStream(s, CompressionLevel.Fastest, leaveOpen: true) : s;
                try
                {
                    o.Write(headerBytes);
                    o.Write(new byte[NiftiHeader.SingleFileDataOffset - NiftiHeader.Size]); // extension flag: none
                    o.Write(VoxelCodec.ByteView(data));
                }
                finally { if (gzip) o.Dispose(); }
            });
        }
        catch (ImageFormatException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot write NIfTI file: {e.Message}", e);
        }
    }

    // ---- reading ----

    static bool IsGzip(FileStream f)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = f.Read(magic);
        f.Seek(0, SeekOrigin.Begin);
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    static int ReadFully(Stream s, Span<byte> buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = s.Read(buffer[read..]);
            if (n == 0) break;
            read += n;
        }
        return read;
    }

    /// <summary>Grid size and components from dim[]: 3-D, 4-D with one time point, or 5-D with one time point and dim[5] components.</summary>
    static (GridSize Size, int Components) ReadDimensions(NiftiHeader h, string path)
    {
        int rank = h.Dim[0];
        if (rank < 1 || rank > 5)
            throw new ImageFormatException(path, $"unsupported number of dimensions dim[0] = {rank}: expected 1 to 5 (3-D, 4-D with one time point, 5-D vector)");
        var d = new int[6];
        for (int n = 1; n <= 5; n++)
        {
            d[n] = n <= rank ? h.Dim[n] : 1;
            if (d[n] < 1) throw new ImageFormatException(path, $"dim[{n}] = {d[n]} is not a positive size");
        }
        if (d[4] != 1) throw new ImageFormatException(path, $"time series with dim[4] = {d[4]} time points are not supported (only one 3-D volume per file)");
        int components = d[5];
        if (components > 64) throw new ImageFormatException(path, $"dim[5] = {components} components per voxel is more than the 64 supported");
        long elements = (long)d[1] * d[2] * d[3] * components; // each ≤ 32767, so no overflow
        if (elements > Volume.MaxElements)
            throw new ImageFormatException(path, $"dimensions {d[1]}×{d[2]}×{d[3]}×{components} make {elements} voxel components, more than the limit of {Volume.MaxElements}");
        return (new GridSize(d[1], d[2], d[3]), components);
    }

    static VoxelType ReadVoxelType(short datatype, string path) => datatype switch
    {
        2 => VoxelType.UInt8,
        4 => VoxelType.Int16,
        8 => VoxelType.Int32,
        16 => VoxelType.Float32,
        64 => VoxelType.Float64,
        512 => VoxelType.UInt16,
        _ => throw new ImageFormatException(path, $"unsupported datatype {datatype}{DatatypeName(datatype)}: supported are 2 (uint8), 4 (int16), 512 (uint16), 8 (int32), 16 (float32), 64 (float64)"),
    };

    static string DatatypeName(short code) => code switch
    {
        1 => " (binary)", 32 => " (complex64)", 128 => " (RGB24)", 256 => " (int8)", 768 => " (uint32)",
        1024 => " (int64)", 1280 => " (uint64)", 1536 => " (float128)", 1792 => " (complex128)",
        2048 => " (complex256)", 2304 => " (RGBA32)", _ => "",
    };

    static long DataOffset(NiftiHeader h, string path)
    {
        float v = h.VoxOffset;
        if (!float.IsFinite(v) || v < 0) throw new ImageFormatException(path, $"vox_offset {v} is not a valid byte offset");
        if (v == 0) return NiftiHeader.SingleFileDataOffset; // some old writers leave it 0; data then follows the extension flag
        if (v < NiftiHeader.SingleFileDataOffset)
            throw new ImageFormatException(path, $"vox_offset {v} points inside the 352-byte header of a single-file NIfTI");
        if (v != Math.Floor(v)) throw new ImageFormatException(path, $"vox_offset {v} is not a whole byte offset");
        return (long)v;
    }

    /// <summary>Skips the extension flag and any extensions by reading (the stream may not seek).</summary>
    static void SkipTo(Stream s, long offset, bool gzip, string path)
    {
        long toSkip = offset - NiftiHeader.Size;
        var buffer = new byte[(int)Math.Min(toSkip, 1 << 16)];
        while (toSkip > 0)
        {
            int n = s.Read(buffer, 0, (int)Math.Min(toSkip, buffer.Length));
            if (n == 0) throw new ImageFormatException(path, $"{(gzip ? "gzip stream" : "file")} ends before the voxel data at vox_offset {offset}");
            toSkip -= n;
        }
    }

    /// <summary>IJK→RAS in mm: sform if coded, else qform if coded (nifti1.h methods 3, 2), else ITK's default (see the class notes).</summary>
    static ImageGeometry ReadGeometry(NiftiHeader h, GridSize size, string path)
    {
        double unit = h.SpatialUnits switch
        {
            NiftiHeader.UnitsMeter => 1000.0,
            NiftiHeader.UnitsMicron => 0.001,
            _ => 1.0, // mm, or 0 = unknown: taken as mm like ITK and nibabel
        };
        Mat4 affine;
        string source;
        if (h.SformCode > 0)
        {
            source = "sform";
            var s = h.Srow;
            foreach (var v in s) if (!float.IsFinite(v)) throw new ImageFormatException(path, "sform has a non-finite entry");
            affine = new Mat4(new Mat3(new double[] { s[0], s[1], s[2], s[4], s[5], s[6], s[8], s[9], s[10] }), new Vec3(s[3], s[7], s[11]));
        }
        else if (h.QformCode > 0)
        {
            source = "qform";
            var q = new NiftiQuaternion(h.QuaternB, h.QuaternC, h.QuaternD, h.Pixdim[0] < 0 ? -1 : 1);
            var offset = new Vec3(h.QoffsetX, h.QoffsetY, h.QoffsetZ);
            if (!double.IsFinite(q.B) || !double.IsFinite(q.C) || !double.IsFinite(q.D) || !double.IsFinite(offset.Norm))
                throw new ImageFormatException(path, "qform has a non-finite quaternion or offset");
            var spacing = PositiveSpacing(h, path, "qform");
            var r = q.Direction;
            affine = new Mat4(Mat3.FromColumns(r.Column(0) * spacing.X, r.Column(1) * spacing.Y, r.Column(2) * spacing.Z), offset);
        }
        else
        {
            // No orientation at all: ITK's default, identity direction in LPS, so we agree with Slicer.
            source = "pixdim (no sform or qform)";
            var spacing = PositiveSpacing(h, path, "pixdim");
            affine = new Mat4(PatientCoordinates.Flip * Mat3.Diagonal(spacing.X, spacing.Y, spacing.Z), Vec3.Zero);
        }
        var l = affine.Linear;
        double scale = l.MaxAbs();
        if (!(scale > 0) || Math.Abs(l.Determinant) < 1e-9 * scale * scale * scale)
            throw new ImageFormatException(path, $"the {source} is not invertible (determinant {l.Determinant:G3}): {l}");
        affine = new Mat4(new Mat3(l.ToRowMajor().Select(v => v * unit).ToArray()), affine.Translation * unit);
        try { return ImageGeometry.FromIjkToRas(size, affine); }
        catch (ArgumentException e) { throw new ImageFormatException(path, $"invalid {source} geometry: {e.Message}", e); }
    }

    static Vec3 PositiveSpacing(NiftiHeader h, string path, string source)
    {
        var p = h.Pixdim;
        for (int a = 1; a <= 3; a++)
            if (!(p[a] > 0) || !float.IsFinite(p[a]))
                throw new ImageFormatException(path, $"the {source} is not invertible: voxel size pixdim[1..3] = ({p[1]}, {p[2]}, {p[3]}) must be positive");
        return new Vec3(p[1], p[2], p[3]);
    }

    /// <summary>nifti1.h: scl_slope = 0 means "no scaling"; we also skip the identity and a non-finite slope.</summary>
    static bool HasScaling(NiftiHeader h)
    {
        float slope = h.SclSlope, inter = float.IsFinite(h.SclInter) ? h.SclInter : 0;
        return float.IsFinite(slope) && slope != 0 && !(slope == 1 && inter == 0);
    }

    static Volume Rescale(Volume v, double slope, double inter)
    {
        var target = v.VoxelType is VoxelType.Int32 or VoxelType.Float64 ? VoxelType.Float64 : VoxelType.Float32;
        var r = new Volume(v.Geometry, target, v.Components);
        for (long n = 0; n < v.ElementCount; n++) r.SetElement(n, slope * v.GetElement(n) + inter);
        return r;
    }

    static VolumeKind KindOf(short intent, Volume v, bool scaled)
    {
        bool isFloat = v.VoxelType is VoxelType.Float32 or VoxelType.Float64;
        if (intent == NiftiHeader.IntentLabel && v.Components == 1 && v.VoxelType.IsInteger() && !scaled) return VolumeKind.LabelMap;
        if ((intent == NiftiHeader.IntentVector || intent == NiftiHeader.IntentDisplacementVector) && v.Components == 3 && isFloat)
            return VolumeKind.DisplacementField;
        return v.Components > 1 ? VolumeKind.Vector : VolumeKind.Scalar;
    }

    /// <summary>Negates components 0 and 1 of every voxel: RAS ↔ LPS for displacement vectors (the conversion is its own inverse).</summary>
    static void FlipXy(Volume v)
    {
        switch (v.Data)
        {
            case float[] a: for (long n = 0; n < a.LongLength; n += 3) { a[n] = -a[n]; a[n + 1] = -a[n + 1]; } break;
            case double[] a: for (long n = 0; n < a.LongLength; n += 3) { a[n] = -a[n]; a[n + 1] = -a[n + 1]; } break;
            default: throw new ArgumentException($"a displacement field needs float components, not {v.VoxelType}");
        }
    }

    /// <summary>
    /// NIfTI stores a vector image as a 5-D array with the component index slowest (all of component 0, then all of
    /// component 1, ...); a <see cref="Volume"/> interleaves the components per voxel.
    /// </summary>
    static Array PlanarToInterleaved(Array planar, int components) => planar switch
    {
        byte[] a => Reorder(a, components, toPlanar: false), short[] a => Reorder(a, components, toPlanar: false),
        ushort[] a => Reorder(a, components, toPlanar: false), int[] a => Reorder(a, components, toPlanar: false),
        float[] a => Reorder(a, components, toPlanar: false), double[] a => Reorder(a, components, toPlanar: false),
        _ => throw new ArgumentException($"unsupported buffer {planar.GetType().Name}"),
    };

    static Array InterleavedToPlanar(Volume v) => v.Data switch
    {
        byte[] a => Reorder(a, v.Components, toPlanar: true), short[] a => Reorder(a, v.Components, toPlanar: true),
        ushort[] a => Reorder(a, v.Components, toPlanar: true), int[] a => Reorder(a, v.Components, toPlanar: true),
        float[] a => Reorder(a, v.Components, toPlanar: true), double[] a => Reorder(a, v.Components, toPlanar: true),
        _ => throw new ArgumentException($"unsupported buffer {v.Data.GetType().Name}"),
    };

    static T[] Reorder<T>(T[] src, int components, bool toPlanar)
    {
        var dst = new T[src.LongLength];
        long voxels = src.LongLength / components;
        for (long n = 0; n < voxels; n++)
            for (int c = 0; c < components; c++)
            {
                long interleaved = n * components + c, planar = c * voxels + n;
                if (toPlanar) dst[planar] = src[interleaved]; else dst[interleaved] = src[planar];
            }
        return dst;
    }

    // ---- writing ----

    /// <summary>
    /// The voxels as they go on disk (little-endian host order): displacement vectors turned to LPS, vector
    /// components de-interleaved into NIfTI's 5th dimension. The caller's volume is not modified.
    /// </summary>
    static Array DataInFileOrder(Volume volume)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        if (volume.Components == 1) return volume.Data;
        var v = volume;
        if (volume.Kind == VolumeKind.DisplacementField)
        {
            v = volume.Clone();
            FlipXy(v); // RAS in memory → LPS components in the file (ITK's convention for intent VECTOR)
        }
        return InterleavedToPlanar(v);
    }

    static NiftiHeader BuildHeader(Volume volume, string path)
    {
        var size = volume.Size;
        for (int a = 0; a < 3; a++)
            if (size[a] > short.MaxValue) throw new ImageFormatException(path, $"NIfTI-1 stores sizes as 16-bit integers: size {size} has an axis longer than {short.MaxValue}");
        if (volume.Kind == VolumeKind.DisplacementField && volume.VoxelType is not (VoxelType.Float32 or VoxelType.Float64))
            throw new ImageFormatException(path, $"a displacement field is written with float components, not {volume.VoxelType}; convert it first");

        var h = new NiftiHeader
        {
            Datatype = volume.VoxelType switch
            {
                VoxelType.UInt8 => 2, VoxelType.Int16 => 4, VoxelType.UInt16 => 512,
                VoxelType.Int32 => 8, VoxelType.Float32 => 16, VoxelType.Float64 => 64,
                _ => throw new ImageFormatException(path, $"voxel type {volume.VoxelType} has no NIfTI datatype"),
            },
            Bitpix = (short)(8 * volume.VoxelType.SizeOf()),
            VoxOffset = NiftiHeader.SingleFileDataOffset,
            SclSlope = 1, SclInter = 0,
            XyztUnits = NiftiHeader.UnitsMm,
            Descrip = "SlicerReg",
            IntentCode = volume.Kind switch
            {
                VolumeKind.LabelMap => NiftiHeader.IntentLabel,
                VolumeKind.DisplacementField => NiftiHeader.IntentVector,
                _ => NiftiHeader.IntentNone,
            },
        };
        if (volume.Components == 1)
        {
            h.Dim[0] = 3;
            h.Dim[1] = (short)size.I; h.Dim[2] = (short)size.J; h.Dim[3] = (short)size.K;
            for (int n = 4; n < 8; n++) h.Dim[n] = 1;
        }
        else
        {
            // nifti1.h: vector-valued voxels go in the 5th dimension, with a single time point in the 4th.
            h.Dim[0] = 5;
            h.Dim[1] = (short)size.I; h.Dim[2] = (short)size.J; h.Dim[3] = (short)size.K;
            h.Dim[4] = 1; h.Dim[5] = (short)volume.Components; h.Dim[6] = 1; h.Dim[7] = 1;
        }
        var g = volume.Geometry;
        for (int n = 0; n < 8; n++) h.Pixdim[n] = 1;
        h.Pixdim[1] = (float)g.Spacing.X; h.Pixdim[2] = (float)g.Spacing.Y; h.Pixdim[3] = (float)g.Spacing.Z;

        var m = g.IjkToRas.ToRowMajor();
        for (int n = 0; n < 12; n++) h.Srow[n] = (float)m[n];
        h.SformCode = NiftiHeader.XformScannerAnat;

        if (NiftiQuaternion.IsOrthonormal(g.Direction))
        {
            var q = NiftiQuaternion.FromDirection(g.Direction);
            h.QformCode = NiftiHeader.XformScannerAnat;
            h.QuaternB = (float)q.B; h.QuaternC = (float)q.C; h.QuaternD = (float)q.D;
            h.Pixdim[0] = (float)q.Qfac;
            h.QoffsetX = (float)g.Origin.X; h.QoffsetY = (float)g.Origin.Y; h.QoffsetZ = (float)g.Origin.Z;
        }
        else h.QformCode = NiftiHeader.XformUnknown; // a sheared grid has no quaternion; the sform carries it
        return h;
    }
}
