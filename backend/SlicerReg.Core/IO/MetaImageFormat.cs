using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>
/// ITK MetaImage reader and writer: .mha (header and data in one file, ElementDataFile = LOCAL) and .mhd (header naming a
/// separate data file, .raw or zlib-compressed .zraw). Reference: ITK MetaIO (metaImage.cxx) and itkMetaImageIO.cxx.
/// <para>
/// Geometry. The MetaImage world is LPS. Offset (aliases Origin, Position) is the LPS position of voxel (0,0,0);
/// TransformMatrix (aliases Rotation, Orientation) holds 9 numbers where each consecutive triple is the LPS unit
/// direction of one index axis (i, then j, then k): ITK's MetaImageIO passes triple n to SetDirection(n, ·), i.e. the
/// numbers are ITK's direction matrix in column-major order. Plastimatch (ITK 5.2) writes the same layout.
/// CenterOfRotation and AnatomicalOrientation do not affect the grid (ITK ignores them on reading); we write
/// CenterOfRotation 0 0 0 and the orientation code ITK would write.
/// </para>
/// <para>
/// Displacement fields (rule). A file is a displacement field when our marker <see cref="KindKey"/> says so, or, without
/// the marker, when it has 3 channels of MET_FLOAT or MET_DOUBLE: that is how ITK and plastimatch write vector fields and
/// how Slicer reads a .mha as a grid transform. Its components are LPS in the file and converted to RAS in memory.
/// Other multi-channel images are <see cref="VolumeKind.Vector"/> (components untouched). To keep a 3-channel float
/// non-displacement image from being flipped on re-reading, our writer marks every non-scalar volume with <see cref="KindKey"/>.
/// </para>
/// <para>
/// Data. BinaryData (raw, MSB or LSB byte order) or ASCII numbers; CompressedData (zlib as MetaIO writes it; a gzip
/// stream is also accepted, as MetaIO's inflate auto-detects it); HeaderSize n &gt; 0 = data start at byte n of the data
/// file, −1 = data are the last bytes of the file. Unknown keys go to <see cref="Volume.Metadata"/> and are written back.
/// </para>
/// </summary>
public sealed class MetaImageFormat : IVolumeFormat
{
    /// <summary>Our marker key: the <see cref="VolumeKind"/> of a non-scalar volume (other readers keep it as plain metadata).</summary>
    public const string KindKey = "SlicerReg_VolumeKind";

    /// <summary>deflate cannot expand data by more than about 1032:1 (zlib technical details); a larger declared ratio is a corrupt header.</summary>
    const long MaxZlibRatio = 1100;

    public string Name => "MetaImage";
    public IReadOnlyList<string> Extensions { get; } = new[] { ".mha", ".mhd" };

    /// <summary>Keys that describe the grid and data layout; never taken from or written to metadata.</summary>
    static readonly HashSet<string> StructuralKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "ObjectType", "NDims", "DimSize", "ElementSpacing", "ElementSize", "Offset", "Origin", "Position", "ImagePosition",
        "TransformMatrix", "Rotation", "Orientation", "CenterOfRotation", "AnatomicalOrientation", "ElementType",
        "ElementNumberOfChannels", "BinaryData", "BinaryDataByteOrderMSB", "ElementByteOrderMSB", "CompressedData",
        "CompressedDataSize", "HeaderSize", "ElementDataFile", KindKey,
    };

    static readonly (string Name, VoxelType Type)[] ElementTypes =
    {
        ("MET_UCHAR", VoxelType.UInt8), ("MET_SHORT", VoxelType.Int16), ("MET_USHORT", VoxelType.UInt16),
        ("MET_INT", VoxelType.Int32), ("MET_FLOAT", VoxelType.Float32), ("MET_DOUBLE", VoxelType.Float64),
    };

    /// <summary>MetaIO element types that exist but that SlicerReg does not hold in memory.</summary>
    static readonly HashSet<string> UnsupportedElementTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "MET_CHAR", "MET_UINT", "MET_LONG", "MET_ULONG", "MET_LONG_LONG", "MET_ULONG_LONG", "MET_FLOAT_MATRIX",
        "MET_STRING", "MET_ASCII_CHAR", "MET_CHAR_ARRAY", "MET_UCHAR_ARRAY", "MET_SHORT_ARRAY", "MET_USHORT_ARRAY",
        "MET_INT_ARRAY", "MET_UINT_ARRAY", "MET_FLOAT_ARRAY", "MET_DOUBLE_ARRAY",
    };

    // ---------------------------------------------------------------- reading

    public Volume Read(string path)
    {
        using var headerStream = InputFile.OpenRead(path);
        var h = MetaImageHeader.Read(headerStream, path);
        ImageFormatException Bad(string problem) => new(path, problem);

        string? objectType = h.Get("ObjectType");
        if (objectType != null && !objectType.Equals("Image", StringComparison.OrdinalIgnoreCase))
            throw Bad($"ObjectType is {objectType}; only Image is supported");

        string nDimsText = h.Get("NDims") ?? throw Bad("NDims is missing");
        long nDims = MetaImageHeader.ParseInteger("NDims", nDimsText, path);
        if (nDims != 3) throw Bad($"NDims is {nDims}; only 3-dimensional images are supported");

        string dimText = h.Get("DimSize") ?? throw Bad("DimSize is missing");
        var dims = MetaImageHeader.ParseNumbers("DimSize", dimText, 3, path);
        foreach (var d in dims)
            if (d < 1 || d != Math.Floor(d) || d > int.MaxValue) throw Bad($"DimSize must be 3 positive integers, got '{dimText}'");
        var size = new GridSize((int)dims[0], (int)dims[1], (int)dims[2]);

        string typeText = h.Get("ElementType") ?? throw Bad("ElementType is missing");
        var voxelType = ParseElementType(typeText.Trim(), path);

        int channels = 1;
        if (h.Get("ElementNumberOfChannels") is string chText)
        {
            long c = MetaImageHeader.ParseInteger("ElementNumberOfChannels", chText, path);
            if (c < 1 || c > 64) throw Bad($"ElementNumberOfChannels must be 1..64, got {c}");
            channels = (int)c;
        }
        // Refuse absurd sizes before any allocation (in double: the product of three ints may overflow a long).
        if ((double)size.I * size.J * size.K * channels > Volume.MaxElements)
            throw Bad($"DimSize {size.I} {size.J} {size.K} × {channels} channels is more than the limit of {Volume.MaxElements} voxel components");
        long elements = size.VoxelCount * channels;

        var geometry = ReadGeometry(h, size, path);
        var kind = ReadKind(h, voxelType, channels, path);

        var voxels = ReadVoxels(h, path, headerStream, voxelType, elements);

        var volume = new Volume(geometry, voxelType, channels, kind, voxels);
        if (kind == VolumeKind.DisplacementField) FlipInPlaneComponents(volume); // file LPS -> memory RAS
        foreach (var (key, value) in h.Fields)
            if (!StructuralKeys.Contains(key)) volume.Metadata[key] = value;
        return volume;
    }

    /// <summary>
    /// Finds and decodes the voxel data: LOCAL (after the header in <paramref name="headerStream"/>) or the named data
    /// file; raw, zlib or ASCII; honouring HeaderSize and byte order. Sizes are checked against the file before allocating.
    /// </summary>
    static Array ReadVoxels(MetaImageHeader h, string path, Stream headerStream, VoxelType type, long elements)
    {
        ImageFormatException Bad(string problem) => new(path, problem);

        bool binary = h.Get("BinaryData") is not string bd || MetaImageHeader.ParseBool("BinaryData", bd, path);
        string? msbText = h.Get("BinaryDataByteOrderMSB", "ElementByteOrderMSB");
        bool bigEndian = msbText != null && MetaImageHeader.ParseBool("BinaryDataByteOrderMSB", msbText, path);
        bool compressed = h.Get("CompressedData") is string cd && MetaImageHeader.ParseBool("CompressedData", cd, path);
        long? compressedSize = null;
        if (compressed && h.Get("CompressedDataSize") is string cs)
        {
            long n = MetaImageHeader.ParseInteger("CompressedDataSize", cs, path);
            if (n < 1) throw Bad($"CompressedDataSize must be positive, got {n}");
            compressedSize = n;
        }
        long headerSize = h.Get("HeaderSize") is string hs ? MetaImageHeader.ParseInteger("HeaderSize", hs, path) : 0;
        if (headerSize < -1) throw Bad($"HeaderSize must be -1 (data at the end of the file) or at least 0, got {headerSize}");

        // Locate the data: the same file after the header (LOCAL) or a file named relative to the header's folder.
        string dataName = h.Get("ElementDataFile")!;
        bool local = dataName.Equals("LOCAL", StringComparison.OrdinalIgnoreCase);
        if (dataName.Length == 0) throw Bad("ElementDataFile is empty");
        if (!local && (dataName.StartsWith("LIST", StringComparison.Ordinal) || dataName.Contains('%')))
            throw Bad($"ElementDataFile '{dataName}' names a list of slice files; only LOCAL or a single data file is supported");
        string dataPath = local ? path : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", dataName);
        if (!local && !File.Exists(dataPath) && !Directory.Exists(dataPath)) throw Bad($"data file {dataPath} named by ElementDataFile does not exist");

        using var externalStream = local ? null : InputFile.OpenRead(dataPath, path);
        Stream data = externalStream ?? headerStream;
        string dataLabel = local ? path : $"{path} (data file {dataPath})";
        long start = local ? h.DataOffset : 0;
        long elementBytes = elements * type.SizeOf();
        if (headerSize > 0) start = headerSize; // MetaIO seeks from the beginning of the data file
        else if (headerSize == -1)
        {
            if (compressed && compressedSize is null) throw Bad("HeaderSize -1 with compressed data needs CompressedDataSize");
            start = data.Length - (compressed ? compressedSize!.Value : elementBytes);
            if (start < 0) throw new ImageFormatException(dataLabel, $"data is truncated: file holds {data.Length} bytes, header declares {(compressed ? compressedSize!.Value : elementBytes)}");
        }
        if (start > data.Length) throw new ImageFormatException(dataLabel, $"data is truncated: data should start at byte {start}, file has {data.Length}");
        data.Position = start;
        long available = data.Length - start;

        if (!binary)
        {
            if (compressed) throw Bad("CompressedData with BinaryData False (ASCII) is not supported");
            return ReadAscii(data, type, elements, available, dataLabel);
        }
        if (compressed)
        {
            long n = compressedSize ?? available;
            if (n > available) throw new ImageFormatException(dataLabel, $"compressed data is truncated: CompressedDataSize is {n} bytes, file holds {available}");
            if (elementBytes > MaxZlibRatio * n + 1024)
                throw new ImageFormatException(dataLabel, $"DimSize declares {elementBytes} bytes of voxels, which {n} bytes of zlib data cannot hold");
            var packed = new byte[n];
            data.ReadExactly(packed);
            // MetaIO writes zlib (RFC 1950); its reader (inflateInit2 with 47) also takes gzip (magic 1f 8b): so do we.
            var codec = n >= 2 && packed[0] == 0x1f && packed[1] == 0x8b ? VoxelCompression.Gzip : VoxelCompression.Zlib;
            return VoxelCodec.ReadElements(new MemoryStream(packed, writable: false), type, elements, bigEndian, codec, dataLabel);
        }
        return VoxelCodec.ReadElements(data, type, elements, bigEndian, VoxelCompression.None, dataLabel);
    }

    static VoxelType ParseElementType(string name, string path)
    {
        foreach (var (n, t) in ElementTypes)
            if (n.Equals(name, StringComparison.OrdinalIgnoreCase)) return t;
        string supported = string.Join(", ", ElementTypes.Select(e => e.Name));
        if (UnsupportedElementTypes.Contains(name))
            throw new ImageFormatException(path, $"ElementType {name} is not supported (supported: {supported})");
        throw new ImageFormatException(path, $"unknown ElementType '{name}' (supported: {supported})");
    }

    /// <summary>Spacing, LPS origin and LPS direction from the header, converted to our RAS geometry.</summary>
    static ImageGeometry ReadGeometry(MetaImageHeader h, GridSize size, string path)
    {
        var spacing = new Vec3(1, 1, 1);
        if (h.Get("ElementSpacing") is string sp) spacing = Vec3.FromArray(MetaImageHeader.ParseNumbers("ElementSpacing", sp, 3, path));
        else if (h.Get("ElementSize") is string es) spacing = Vec3.FromArray(MetaImageHeader.ParseNumbers("ElementSize", es, 3, path));
        for (int a = 0; a < 3; a++)
            if (!(spacing[a] > 0)) throw new ImageFormatException(path, $"ElementSpacing must be positive, got {spacing}");

        var originLps = Vec3.Zero;
        if (h.Get("Offset", "Origin", "Position", "ImagePosition") is string o) originLps = Vec3.FromArray(MetaImageHeader.ParseNumbers("Offset", o, 3, path));

        var directionLps = Mat3.Identity;
        if (h.Get("TransformMatrix", "Rotation", "Orientation") is string tm)
        {
            var m = MetaImageHeader.ParseNumbers("TransformMatrix", tm, 9, path);
            // Triple n is the direction of index axis n (column n of ITK's direction matrix).
            var cols = new Vec3[3];
            for (int c = 0; c < 3; c++)
            {
                var v = new Vec3(m[3 * c], m[3 * c + 1], m[3 * c + 2]);
                if (!(v.Norm > 1e-12)) throw new ImageFormatException(path, $"TransformMatrix is not invertible: direction of index axis {c} is zero ('{tm}')");
                cols[c] = v.Normalized();
            }
            directionLps = Mat3.FromColumns(cols[0], cols[1], cols[2]);
            if (Math.Abs(directionLps.Determinant) < 1e-6)
                throw new ImageFormatException(path, $"TransformMatrix is not invertible (its axes are parallel): '{tm}'");
        }
        try { return ImageGeometry.FromLps(size, spacing, originLps, directionLps); }
        catch (ArgumentException e) { throw new ImageFormatException(path, $"invalid geometry: {e.Message}", e); }
    }

    static VolumeKind ReadKind(MetaImageHeader h, VoxelType type, int channels, string path)
    {
        bool isFloat = type is VoxelType.Float32 or VoxelType.Float64;
        if (h.Get(KindKey) is string marked)
        {
            if (!Enum.TryParse<VolumeKind>(marked.Trim(), ignoreCase: true, out var k) || !Enum.IsDefined(k))
                throw new ImageFormatException(path, $"{KindKey} '{marked}' is not one of {string.Join(", ", Enum.GetNames<VolumeKind>())}");
            if (k == VolumeKind.DisplacementField && channels != 3) throw new ImageFormatException(path, $"{KindKey} says DisplacementField but the image has {channels} channels, not 3");
            if (k == VolumeKind.LabelMap && (channels != 1 || !type.IsInteger())) throw new ImageFormatException(path, $"{KindKey} says LabelMap but the image is {channels}×{type}, not one integer channel");
            return k;
        }
        if (channels == 3 && isFloat) return VolumeKind.DisplacementField;
        return channels > 1 ? VolumeKind.Vector : VolumeKind.Scalar;
    }

    /// <summary>BinaryData = False: whitespace-separated numbers, i fastest.</summary>
    static Array ReadAscii(Stream data, VoxelType type, long elements, long available, string label)
    {
        // Every number takes at least one digit and one separator (the last needs no separator).
        if (elements > (available + 1) / 2)
            throw new ImageFormatException(label, $"data is truncated: {elements} ASCII numbers cannot fit in {available} bytes");
        var volumeData = VoxelTypes.Allocate(type, elements);
        using var reader = new StreamReader(data, System.Text.Encoding.ASCII, false, 1 << 16, leaveOpen: true);
        var parts = reader.ReadToEnd().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < elements) throw new ImageFormatException(label, $"data is truncated: got {parts.Length} of {elements} ASCII numbers");
        for (long n = 0; n < elements; n++)
        {
            if (!double.TryParse(parts[n], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v))
                throw new ImageFormatException(label, $"ASCII voxel {n} is '{parts[n]}', not a number");
            SetTyped(volumeData, type, n, v);
        }
        return volumeData;
    }

    // Switch on the voxel type, not on the array type: the CLR lets a ushort[] pass "is short[]" (array covariance).
    static void SetTyped(Array data, VoxelType type, long n, double v)
    {
        switch (type)
        {
            case VoxelType.UInt8: ((byte[])data)[n] = (byte)Math.Clamp(Math.Round(v), byte.MinValue, byte.MaxValue); break;
            case VoxelType.Int16: ((short[])data)[n] = (short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue); break;
            case VoxelType.UInt16: ((ushort[])data)[n] = (ushort)Math.Clamp(Math.Round(v), ushort.MinValue, ushort.MaxValue); break;
            case VoxelType.Int32: ((int[])data)[n] = (int)Math.Clamp(Math.Round(v), int.MinValue, int.MaxValue); break;
            case VoxelType.Float32: ((float[])data)[n] = (float)v; break;
            case VoxelType.Float64: ((double[])data)[n] = v; break;
        }
    }

    /// <summary>Negates components 0 and 1 of every voxel: a free vector's RAS ↔ LPS change (its own inverse).</summary>
    static void FlipInPlaneComponents(Volume v)
    {
        long voxels = v.VoxelCount;
        switch (v.VoxelType)
        {
            case VoxelType.Float32: { var a = v.As<float>(); for (long n = 0; n < voxels; n++) { a[3 * n] = -a[3 * n]; a[3 * n + 1] = -a[3 * n + 1]; } break; }
            case VoxelType.Float64: { var a = v.As<double>(); for (long n = 0; n < voxels; n++) { a[3 * n] = -a[3 * n]; a[3 * n + 1] = -a[3 * n + 1]; } break; }
            case VoxelType.Int16: { var a = v.As<short>(); for (long n = 0; n < voxels; n++) { a[3 * n] = (short)-a[3 * n]; a[3 * n + 1] = (short)-a[3 * n + 1]; } break; }
            case VoxelType.Int32: { var a = v.As<int>(); for (long n = 0; n < voxels; n++) { a[3 * n] = -a[3 * n]; a[3 * n + 1] = -a[3 * n + 1]; } break; }
            default: throw new NotSupportedException($"a displacement field of unsigned {v.VoxelType} cannot change sign between RAS and LPS");
        }
    }

    // ---------------------------------------------------------------- writing

    /// <summary>
    /// Writes .mha (one file) or .mhd + .raw/.zraw (data beside the header, both renamed into place together).
    /// Honours <see cref="VolumeWriteOptions.Compress"/> (default true: zlib, CompressedData True).
    /// </summary>
    public void Write(Volume volume, string path, VolumeWriteOptions? options = null)
    {
        options ??= VolumeWriteOptions.Default;
        bool compress = options.Compress ?? true;
        bool detached = path.EndsWith(".mhd", StringComparison.OrdinalIgnoreCase);
        string dataPath = Path.ChangeExtension(path, compress ? ".zraw" : ".raw");
        string dataName = detached ? Path.GetFileName(dataPath) : "LOCAL";

        // Displacement vectors go to the file in LPS, as ITK writes them (a copy: the caller's volume is not touched).
        var onDisk = volume;
        if (volume.Kind == VolumeKind.DisplacementField)
        {
            onDisk = volume.Clone();
            FlipInPlaneComponents(onDisk);
        }

        byte[]? packed = null;
        if (compress)
        {
            var ms = new MemoryStream();
            VoxelCodec.WriteElements(ms, onDisk, VoxelCompression.Zlib);
            packed = ms.ToArray();
        }
        var header = ComposeHeader(volume, packed?.LongLength, dataName);
        void WriteData(Stream s)
        {
            if (packed != null) s.Write(packed);
            else VoxelCodec.WriteElements(s, onDisk, VoxelCompression.None);
        }

        if (!detached) AtomicFile.Write(path, s => { header.WriteTo(s, path); WriteData(s); });
        else AtomicFile.WriteAll(new (string, Action<Stream>)[] { (path, s => header.WriteTo(s, path)), (dataPath, WriteData) });
    }

    /// <summary>The header fields in the order ITK's MetaImageIO writes them.</summary>
    static MetaImageHeader ComposeHeader(Volume v, long? compressedSize, string dataName)
    {
        var g = v.Geometry;
        var dirLps = g.DirectionIn(CoordinateSystem.LPS);
        var h = new MetaImageHeader();
        h.Add("ObjectType", "Image");
        h.Add("NDims", "3");
        h.Add("BinaryData", "True");
        h.Add("BinaryDataByteOrderMSB", "False");
        h.Add("CompressedData", compressedSize.HasValue ? "True" : "False");
        if (compressedSize.HasValue) h.Add("CompressedDataSize", compressedSize.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Column n (direction of index axis n) is written as triple n: ITK's column-major layout.
        h.Add("TransformMatrix", MetaImageHeader.FormatNumbers(Enumerable.Range(0, 3).SelectMany(c => dirLps.Column(c).ToArray())));
        h.Add("Offset", MetaImageHeader.FormatNumbers(g.OriginIn(CoordinateSystem.LPS).ToArray()));
        h.Add("CenterOfRotation", "0 0 0");
        h.Add("AnatomicalOrientation", AnatomicalOrientationCode(dirLps));
        h.Add("ElementSpacing", MetaImageHeader.FormatNumbers(g.Spacing.ToArray()));
        foreach (var (key, value) in v.Metadata)
            if (!StructuralKeys.Contains(key.Trim())) h.Add(key, value);
        if (v.Kind != VolumeKind.Scalar) h.Add(KindKey, v.Kind.ToString());
        h.Add("DimSize", $"{g.Size.I} {g.Size.J} {g.Size.K}");
        if (v.Components > 1) h.Add("ElementNumberOfChannels", v.Components.ToString(System.Globalization.CultureInfo.InvariantCulture));
        h.Add("ElementType", ElementTypes.First(e => e.Type == v.VoxelType).Name);
        h.Add("ElementDataFile", dataName);
        return h;
    }

    /// <summary>
    /// ITK's 3-letter orientation code for an LPS direction matrix: for each index axis, the patient side it runs FROM
    /// along its dominant world axis (identity LPS direction = "RAI": i runs right→left, j anterior→posterior, k inferior→superior).
    /// Each axis takes its largest component among world axes not already taken (ITK's result when there are no ties).
    /// </summary>
    public static string AnatomicalOrientationCode(Mat3 directionLps)
    {
        var code = new char[3];
        var used = new bool[3];
        for (int c = 0; c < 3; c++)
        {
            var col = directionLps.Column(c);
            int best = -1;
            for (int a = 0; a < 3; a++)
                if (!used[a] && (best < 0 || Math.Abs(col[a]) > Math.Abs(col[best]))) best = a;
            used[best] = true;
            bool positive = col[best] >= 0;
            code[c] = best switch
            {
                0 => positive ? 'R' : 'L',   // +x (LPS) points to the patient's left: the axis runs from the right
                1 => positive ? 'A' : 'P',   // +y points posterior: runs from anterior
                _ => positive ? 'I' : 'S',   // +z points superior: runs from inferior
            };
        }
        return new string(code);
    }
}
