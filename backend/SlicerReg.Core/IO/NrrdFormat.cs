using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;

namespace SlicerReg.Core.IO;

/// <summary>
/// NRRD reader and writer (spec: teem.sourceforge.net/nrrd/format.html), attached (.nrrd) and detached (.nhdr) headers.
/// <para>
/// <b>Reading.</b> Magic NRRD0001..NRRD0005; encodings raw, gzip and ascii; either endianness; every spelling of
/// uint8/int16/uint16/int32/float/double. Dimension 3 (scalar) or 4 with the components on the first, non-spatial axis
/// (kind vector, RGB-color, list, … or space direction "none"). Geometry from <c>space directions</c>/<c>space origin</c>
/// in <c>space</c> RAS or LPS; without space directions, from <c>spacings</c> with identity directions and origin 0
/// (or <c>axis mins</c>, shifted half a voxel on cell-centred axes, as ITK does).
/// A header with no <c>space</c> field is taken to be in LPS, as ITK (and so 3D Slicer and plastimatch) does.
/// Non-anatomical spaces (scanner-xyz, 3D-right-handed, …) are refused: nothing says how they sit in the patient.
/// </para>
/// <para>
/// <b>Kind.</b> The header key <c>SlicerReg_VolumeKind</c> (which this writer always writes) decides when present.
/// Otherwise a 3-component volume is a <see cref="VolumeKind.DisplacementField"/> when it carries <c>intent_code:=1006</c>
/// (NIFTI_INTENT_DISPVECT; the rule of Slicer's vtkSlicerTransformsReader) or, as ITK writes displacement fields, when it
/// is float/double with first kind <c>vector</c> in an explicit LPS space. Its components are taken to be in the header's
/// space (mapped through <c>measurement frame</c> when present) and converted to RAS. An integer scalar volume is a
/// <see cref="VolumeKind.LabelMap"/> when its file name matches Slicer's label-map name rule (<see cref="IsLabelMapFileName"/>).
/// </para>
/// <para>
/// <b>How 3D Slicer decides (Slicer source, 5.x).</b> Label map: only from the file name. vtkSlicerVolumesReader::GetOptionsDescription
/// (formerly qSlicerVolumesIOOptionsWidget::setFileNames) ticks "LabelMap" when the base name (file name without the known
/// extension) matches <c>(\b|_)([Ll]abel(s)?)(\b|_)</c> or <c>(\b|_)([Ss]eg)(\b|_)</c>; the header is not consulted. So save label
/// maps as e.g. <c>femur_label.nrrd</c> or <c>femur-seg.nrrd</c> (not <c>.seg.nrrd</c>, which the Segmentations reader claims).
/// Displacement field: vtkSlicerTransformsReader::CanLoadFileConfidence reads the NRRD header with itk::NrrdImageIO and,
/// for a 3D image with vector voxels whose metadata <c>intent_code</c> is "1006", answers 0.6, above the volume reader's
/// 0.55 for .nrrd, so the file loads as a grid transform; vtkMRMLTransformStorageNode then reads it as an ITK displacement
/// field: LPS grid, LPS vector components, "from parent" (resampling) direction. Older Slicer versions (qSlicerTransformsReader)
/// only check NIfTI intent codes; there the user picks "Transform" in the Add Data dialog (or calls slicer.util.loadTransform).
/// The first kind must be <c>vector</c>: vtkSlicerSequencesReader claims 4D NRRDs whose kinds contain <c>list</c> or
/// <c>time</c> (confidence 0.58, above the volume reader), so multi-component volumes are written with kind vector too.
/// </para>
/// <para>
/// <b>Writing.</b> NRRD0004, little endian, gzip (default) or raw (<see cref="VolumeWriteOptions.Compress"/> false), space
/// <see cref="VolumeWriteOptions.Space"/> (default RAS); displacement fields always LPS with LPS components, kinds
/// <c>vector domain domain domain</c> and <c>intent_code:=1006</c>. A .nhdr path writes a detached header and a data file
/// beside it (<c>NAME.raw</c> or <c>NAME.raw.gz</c>). Metadata goes out as key:=value, then <c>SlicerReg_VolumeKind</c>
/// (Slicer ignores it; a label map loads as one in Slicer only under a label-map file name). Writes are atomic.
/// </para>
/// </summary>
public sealed class NrrdFormat : IVolumeFormat
{
    public string Name => "Nrrd";
    public IReadOnlyList<string> Extensions { get; } = new[] { ".nrrd", ".nhdr" };

    /// <summary>Header key that records <see cref="VolumeKind"/> so a round trip keeps it.</summary>
    public const string KindKey = "SlicerReg_VolumeKind";
    /// <summary>NIfTI intent code key that ITK's NrrdImageIO exposes as metadata; 1006 = NIFTI_INTENT_DISPVECT.</summary>
    public const string IntentCodeKey = "intent_code";
    public const string DisplacementIntentCode = "1006";

    /// <summary>Deflate cannot compress better than about 1032:1; a header declaring more voxels than that is refused before allocating.</summary>
    const long MaxDeflateRatio = 1032;

    static readonly Regex LabelMapName = new(@"(\b|_)([Ll]abel(s)?)(\b|_)", RegexOptions.CultureInvariant);
    static readonly Regex SegName = new(@"(\b|_)([Ss]eg)(\b|_)", RegexOptions.CultureInvariant);

    /// <summary>Slicer's rule (vtkSlicerVolumesReader): the base name contains the word label, labels or seg ('_' counts as a word break).</summary>
    public static bool IsLabelMapFileName(string path)
    {
        string name = Path.GetFileName(path);
        foreach (var ext in new[] { ".nrrd", ".nhdr" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { name = name[..^ext.Length]; break; }
        return LabelMapName.IsMatch(name) || SegName.IsMatch(name);
    }

    // ============================================================== reading

    enum DataEncoding { Raw, Gzip, Ascii }

    /// <summary>NRRD spec "type": every spelling of the types we hold, and of those we refuse.</summary>
    static VoxelType ParseType(string s, string path)
    {
        string t = Regex.Replace(s.Trim().ToLowerInvariant(), "\\s+", " ");
        switch (t)
        {
            case "uchar": case "unsigned char": case "uint8": case "uint8_t": return VoxelType.UInt8;
            case "short": case "short int": case "signed short": case "signed short int": case "int16": case "int16_t": return VoxelType.Int16;
            case "ushort": case "unsigned short": case "unsigned short int": case "uint16": case "uint16_t": return VoxelType.UInt16;
            case "int": case "signed int": case "int32": case "int32_t": return VoxelType.Int32;
            case "float": return VoxelType.Float32;
            case "double": return VoxelType.Float64;
            case "signed char": case "int8": case "int8_t":
            case "uint": case "unsigned int": case "uint32": case "uint32_t":
            case "longlong": case "long long": case "long long int": case "signed long long": case "signed long long int": case "int64": case "int64_t":
            case "ulonglong": case "unsigned long long": case "unsigned long long int": case "uint64": case "uint64_t":
            case "block":
                throw new ImageFormatException(path, $"unsupported NRRD type '{s}': SlicerReg reads uint8, int16, uint16, int32, float and double");
            default:
                throw new ImageFormatException(path, $"unknown NRRD type '{s}'");
        }
    }

    /// <summary>Spec "kinds": domain and space are spatial; ??? and none say nothing; all others (vector, list, time, RGB-color, …) are not.</summary>
    static bool IsSpatialKind(string kind) => kind is "domain" or "space" or "???" or "none";

    public Volume Read(string path)
    {
        InputFile.RequireRegular(path);
        try { return ReadNrrd(path); }
        catch (Exception e) when (e is (IOException and not ImageFormatException) or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot read: {e.Message}", e);
        }
    }

    Volume ReadNrrd(string path)
    {
        NrrdHeader h;
        using (var hs = InputFile.OpenRead(path))
            h = NrrdHeader.Read(hs, path);

        string Require(string field) => h.Get(field) ?? throw new ImageFormatException(path, $"NRRD header lacks the required field '{field}'");

        var type = ParseType(Require("type"), path);
        if (!int.TryParse(Require("dimension"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int dim))
            throw new ImageFormatException(path, $"NRRD dimension '{h.Get("dimension")}' is not an integer");
        if (dim != 3 && dim != 4)
            throw new ImageFormatException(path, $"NRRD dimension {dim} is not supported (expected 3, or 4 with a vector axis first)");

        var sizeWords = NrrdHeader.Words(Require("sizes"));
        if (sizeWords.Length != dim) throw new ImageFormatException(path, $"NRRD sizes lists {sizeWords.Length} values for dimension {dim}");
        var sizes = new long[dim];
        for (int a = 0; a < dim; a++)
            if (!long.TryParse(sizeWords[a], NumberStyles.Integer, CultureInfo.InvariantCulture, out sizes[a]) || sizes[a] < 1 || sizes[a] > int.MaxValue)
                throw new ImageFormatException(path, $"NRRD sizes: '{sizeWords[a]}' is not a valid axis length");

        var encoding = Require("encoding").ToLowerInvariant() switch
        {
            "raw" => DataEncoding.Raw,
            "gzip" or "gz" => DataEncoding.Gzip,
            "ascii" or "text" or "txt" => DataEncoding.Ascii,
            var e => throw new ImageFormatException(path, $"unsupported NRRD encoding '{e}' (SlicerReg reads raw, gzip and ascii)"),
        };

        bool bigEndian = false;
        if (type.SizeOf() > 1 && encoding != DataEncoding.Ascii)
        {
            bigEndian = Require("endian").ToLowerInvariant() switch
            {
                "little" => false,
                "big" => true,
                var e => throw new ImageFormatException(path, $"NRRD endian '{e}' must be little or big"),
            };
        }

        // Which axis holds the vector components (only the first may, in 4D).
        string[]? kinds = null;
        if (h.Get("kinds") is string kindText)
        {
            kinds = NrrdHeader.Words(kindText).Select(k => k.ToLowerInvariant()).ToArray();
            // "RGB-color" etc. are single words; kinds count must match.
            if (kinds.Length != dim) throw new ImageFormatException(path, $"NRRD kinds lists {kinds.Length} values for dimension {dim}");
        }
        List<double[]?>? directions = null;
        if (h.Get("space directions") is string dirText)
        {
            directions = NrrdHeader.ParseVectors(dirText, "space directions", path);
            if (directions.Count != dim) throw new ImageFormatException(path, $"NRRD space directions lists {directions.Count} vectors for dimension {dim}");
        }
        string[]? spacingWords = h.Get("spacings") is string sp ? NrrdHeader.Words(sp) : null;
        if (spacingWords != null && spacingWords.Length != dim) throw new ImageFormatException(path, $"NRRD spacings lists {spacingWords.Length} values for dimension {dim}");

        bool AxisIsNonSpatial(int a) =>
            (kinds != null && !IsSpatialKind(kinds[a])) || (directions != null && directions[a] == null);
        int firstSpatial = 0;
        if (dim == 4)
        {
            if (AxisIsNonSpatial(3) && !AxisIsNonSpatial(0))
                throw new ImageFormatException(path, "4D NRRD with a non-spatial last axis (a time series?) is not supported; the components must be on the first axis");
            bool componentsFirst = AxisIsNonSpatial(0)
                || (kinds == null && directions == null && spacingWords != null && spacingWords[0].Equals("nan", StringComparison.OrdinalIgnoreCase));
            if (!componentsFirst)
                throw new ImageFormatException(path, "4D NRRD whose first axis is not marked as non-spatial (kinds vector/list/… or space direction 'none') is not supported");
            firstSpatial = 1;
        }
        for (int a = firstSpatial; a < dim; a++)
            if (AxisIsNonSpatial(a))
                throw new ImageFormatException(path, $"NRRD axis {a} is not spatial ("
                    + (kinds != null && !IsSpatialKind(kinds[a]) ? $"kind '{kinds[a]}'" : "space directions entry 'none'")
                    + "); expected three spatial axes" + (dim == 3 ? " (2D vector images are not supported)" : ""));
        int components = dim == 4 ? (int)sizes[0] : 1;
        if (components > 64) throw new ImageFormatException(path, $"NRRD has {components} components per voxel; at most 64 are supported");
        var grid = new GridSize((int)sizes[firstSpatial], (int)sizes[firstSpatial + 1], (int)sizes[firstSpatial + 2]);
        long elements = grid.VoxelCount * components;
        if (elements > Volume.MaxElements)
            throw new ImageFormatException(path, $"NRRD declares {grid}×{components} = {elements} voxel components, more than the limit of {Volume.MaxElements}");

        // World frame of the header.
        CoordinateSystem space = CoordinateSystem.LPS; // ITK's assumption when no space is given
        bool explicitSpace = false;
        if (h.Get("space") is string spaceText)
        {
            explicitSpace = true;
            space = spaceText.Trim().ToLowerInvariant() switch
            {
                "right-anterior-superior" or "ras" => CoordinateSystem.RAS,
                "left-posterior-superior" or "lps" => CoordinateSystem.LPS,
                _ => throw new ImageFormatException(path, $"unsupported NRRD space '{spaceText}': SlicerReg reads right-anterior-superior (RAS) and left-posterior-superior (LPS); other spaces do not say where the patient is"),
            };
        }
        else if (h.Get("space dimension") is string sd && sd.Trim() != "3")
            throw new ImageFormatException(path, $"NRRD space dimension {sd} is not supported (expected 3)");
        if (h.Get("space units") is string units)
            foreach (Match u in Regex.Matches(units, "\"([^\"]*)\""))
                if (u.Groups[1].Value is not ("mm" or "" or "millimeters" or "millimetres"))
                    throw new ImageFormatException(path, $"NRRD space units '{u.Groups[1].Value}' are not supported (expected mm)");

        var origin = Vec3.Zero;
        if (h.Get("space origin") is string originText)
        {
            var o = NrrdHeader.ParseVectors(originText, "space origin", path);
            if (o.Count != 1 || o[0] is not { Length: 3 } ov || !ov.All(double.IsFinite))
                throw new ImageFormatException(path, $"NRRD space origin '{originText}' must be one finite 3-vector");
            origin = Vec3.FromArray(ov);
        }

        Mat3 linear;
        if (directions != null)
        {
            var cols = new Vec3[3];
            for (int a = 0; a < 3; a++)
            {
                var d = directions[firstSpatial + a];
                if (d is not { Length: 3 } || !d.All(double.IsFinite))
                    throw new ImageFormatException(path, $"NRRD space directions: axis {firstSpatial + a} needs a finite 3-vector");
                cols[a] = Vec3.FromArray(d);
            }
            linear = Mat3.FromColumns(cols[0], cols[1], cols[2]);
        }
        else
        {
            // Fallback (spec: "spacings"): axis-aligned grid in the header space, origin from space origin or 0.
            var s = new double[] { 1, 1, 1 };
            if (spacingWords != null)
                for (int a = 0; a < 3; a++)
                    if (!NrrdHeader.TryParseDouble(spacingWords[firstSpatial + a], out s[a]) || !(s[a] > 0) || !double.IsFinite(s[a]))
                        throw new ImageFormatException(path, $"NRRD spacings: '{spacingWords[firstSpatial + a]}' is not a positive spacing");
            linear = Mat3.Diagonal(s[0], s[1], s[2]);
            // Without a space origin, ITK places voxel 0 at "axis mins", plus half a voxel on cell-centred axes (teem's
            // default centring is cell). Checked against plastimatch (ITK 5.2).
            if (h.Get("space origin") == null && h.Get("axis mins") is string minsText)
            {
                var mins = NrrdHeader.Words(minsText);
                var centers = h.Get("centers") is string ct ? NrrdHeader.Words(ct) : null;
                if (mins.Length != dim || (centers != null && centers.Length != dim))
                    throw new ImageFormatException(path, $"NRRD axis mins/centers must list {dim} values");
                var o = new double[3];
                for (int a = 0; a < 3; a++)
                {
                    if (!NrrdHeader.TryParseDouble(mins[firstSpatial + a], out o[a])) throw new ImageFormatException(path, $"NRRD axis mins: '{mins[firstSpatial + a]}' is not a number");
                    if (!double.IsFinite(o[a])) o[a] = 0;
                    bool node = centers != null && centers[firstSpatial + a].Equals("node", StringComparison.OrdinalIgnoreCase);
                    if (!node) o[a] += s[a] / 2;
                }
                origin = Vec3.FromArray(o);
            }
        }
        ImageGeometry geometry;
        try { geometry = ImageGeometry.FromIndexToWorld(grid, new Mat4(linear, origin), space); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ImageFormatException(path, $"NRRD space directions {linear} are degenerate (zero, parallel or not invertible): {e.Message}", e);
        }

        Mat3? measurementFrame = null;
        if (h.Get("measurement frame") is string mfText)
        {
            var mf = NrrdHeader.ParseVectors(mfText, "measurement frame", path);
            if (mf.Count != 3 || mf.Any(v => v is not { Length: 3 }))
                throw new ImageFormatException(path, "NRRD measurement frame must be three 3-vectors");
            // Spec: each vector is a column of the matrix from measurement frame to world space.
            measurementFrame = Mat3.FromColumns(Vec3.FromArray(mf[0]!), Vec3.FromArray(mf[1]!), Vec3.FromArray(mf[2]!));
        }

        // Voxels.
        var data = ReadData(h, path, type, elements, encoding, bigEndian);

        var metadata = new Dictionary<string, string>();
        foreach (var kv in h.KeyValues) metadata[kv.Key] = kv.Value;

        var kind = DecideKind(path, metadata, type, components, kinds, explicitSpace ? space : null);
        metadata.Remove(KindKey);
        if (kind == VolumeKind.DisplacementField)
        {
            if (metadata.TryGetValue(IntentCodeKey, out var ic) && ic.Trim() == DisplacementIntentCode) metadata.Remove(IntentCodeKey);
            if (type is not (VoxelType.Float32 or VoxelType.Float64))
                throw new ImageFormatException(path, $"displacement field of type {type} is not supported (expected float or double)");
            ConvertComponentsToRas(data, measurementFrame, space);
        }

        Volume volume;
        try { volume = new Volume(geometry, type, components, kind, data); }
        catch (ArgumentException e) { throw new ImageFormatException(path, e.Message, e); }
        foreach (var kv in metadata) volume.Metadata[kv.Key] = kv.Value;
        return volume;
    }

    static VolumeKind DecideKind(string path, Dictionary<string, string> metadata, VoxelType type, int components, string[]? kinds, CoordinateSystem? explicitSpace)
    {
        if (metadata.TryGetValue(KindKey, out var marker))
        {
            if (!Enum.TryParse<VolumeKind>(marker.Trim(), ignoreCase: true, out var k))
                throw new ImageFormatException(path, $"header key {KindKey} has unknown value '{marker}' (expected one of {string.Join(", ", Enum.GetNames<VolumeKind>())})");
            bool fits = k switch
            {
                VolumeKind.LabelMap => components == 1 && type.IsInteger(),
                VolumeKind.DisplacementField => components == 3,
                _ => true,
            };
            if (!fits) throw new ImageFormatException(path, $"header key {KindKey}={k} does not fit a {type} volume with {components} component(s)");
            return k;
        }
        if (components == 3)
        {
            if (metadata.TryGetValue(IntentCodeKey, out var ic) && ic.Trim() == DisplacementIntentCode) return VolumeKind.DisplacementField;
            if (type is VoxelType.Float32 or VoxelType.Float64 && kinds?[0] == "vector" && explicitSpace == CoordinateSystem.LPS)
                return VolumeKind.DisplacementField;
        }
        if (components > 1) return VolumeKind.Vector;
        return type.IsInteger() && IsLabelMapFileName(path) ? VolumeKind.LabelMap : VolumeKind.Scalar;
    }

    /// <summary>Displacement components: measurement frame → header space → RAS (flip x, y when the header space is LPS).</summary>
    static void ConvertComponentsToRas(Array data, Mat3? measurementFrame, CoordinateSystem space)
    {
        var m = measurementFrame ?? Mat3.Identity;
        m = PatientCoordinates.ConvertColumns(m, space, CoordinateSystem.RAS);
        if (m.ApproximatelyEquals(Mat3.Identity, 0)) return;
        switch (data)
        {
            case float[] f:
                for (long n = 0; n < f.LongLength; n += 3)
                {
                    var v = m * new Vec3(f[n], f[n + 1], f[n + 2]);
                    f[n] = (float)v.X; f[n + 1] = (float)v.Y; f[n + 2] = (float)v.Z;
                }
                break;
            case double[] d:
                for (long n = 0; n < d.LongLength; n += 3)
                {
                    var v = m * new Vec3(d[n], d[n + 1], d[n + 2]);
                    d[n] = v.X; d[n + 1] = v.Y; d[n + 2] = v.Z;
                }
                break;
        }
    }

    static Array ReadData(NrrdHeader h, string path, VoxelType type, long elements, DataEncoding encoding, bool bigEndian)
    {
        // Where the data lives: after the header, or in a detached file (spec "data file"; relative to the header's folder).
        string dataPath = path;
        long offset;
        if (h.Get("data file") is string dataFile)
        {
            if (dataFile.Equals("LIST", StringComparison.OrdinalIgnoreCase) || dataFile.StartsWith("LIST ", StringComparison.OrdinalIgnoreCase)
                || Regex.IsMatch(dataFile, @"^\S*%\S*\s+-?\d+\s+-?\d+\s+-?\d+(\s+\d+)?$"))
                throw new ImageFormatException(path, $"NRRD data split over several files ('data file: {dataFile}') is not supported");
            dataPath = Path.IsPathRooted(dataFile) ? dataFile : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", dataFile);
            if (!File.Exists(dataPath) && !Directory.Exists(dataPath)) throw new ImageFormatException(path, $"detached data file '{dataFile}' not found (looked for {dataPath})");
            InputFile.RequireRegular(dataPath, path);
            offset = 0;
        }
        else
        {
            if (h.DataOffset < 0) throw new ImageFormatException(path, "NRRD header has no 'data file' field and no blank line before attached data");
            offset = h.DataOffset;
        }

        long lineSkip = ParseSkip(h, "line skip", path, allowMinusOne: false);
        long byteSkip = ParseSkip(h, "byte skip", path, allowMinusOne: true);
        long bytes = elements * type.SizeOf();

        using var fs = InputFile.OpenRead(dataPath, path);
        fs.Position = offset;
        for (long l = 0; l < lineSkip; l++)
        {
            int b;
            while ((b = fs.ReadByte()) >= 0 && b != '\n') { }
            if (b < 0) throw new ImageFormatException(path, $"data ends before the {lineSkip} lines to skip ('line skip')");
        }
        long available = fs.Length - fs.Position;

        switch (encoding)
        {
            case DataEncoding.Raw:
                if (byteSkip == -1) // spec: data is the last bytes of the file
                {
                    if (available < bytes) throw new ImageFormatException(path, $"data is truncated: header declares {bytes} bytes of voxels, {dataPath} holds {available}");
                    fs.Position = fs.Length - bytes;
                }
                else
                {
                    if (available - byteSkip < bytes)
                        throw new ImageFormatException(path, $"data is truncated: header declares {bytes} bytes of voxels (after skipping {byteSkip}), {dataPath} holds {Math.Max(0, available - byteSkip)}");
                    fs.Position += byteSkip;
                }
                return VoxelCodec.ReadElements(fs, type, elements, bigEndian, gzip: false, path);

            case DataEncoding.Gzip:
                if (byteSkip == -1) throw new ImageFormatException(path, "'byte skip: -1' is only defined for raw encoding");
                if ((bytes + byteSkip) / MaxDeflateRatio > available + 1024)
                    throw new ImageFormatException(path, $"header declares {bytes} bytes of voxels, more than {available} bytes of gzip data can hold");
                if (byteSkip == 0) return VoxelCodec.ReadElements(fs, type, elements, bigEndian, gzip: true, path);
                // Spec: with compressed encodings the byte skip applies to the decompressed data.
                using (var z = new GZipStream(fs, CompressionMode.Decompress, leaveOpen: true))
                {
                    try
                    {
                        var skip = new byte[64 * 1024];
                        for (long left = byteSkip; left > 0;)
                        {
                            int n = z.Read(skip, 0, (int)Math.Min(skip.Length, left));
                            if (n == 0) throw new ImageFormatException(path, "compressed data ends within the 'byte skip' bytes");
                            left -= n;
                        }
                        return VoxelCodec.ReadElements(z, type, elements, bigEndian, gzip: false, path);
                    }
                    catch (InvalidDataException e) { throw new ImageFormatException(path, $"corrupt gzip data: {e.Message}", e); }
                }

            default:
                if (byteSkip != 0) fs.Position += Math.Max(0, byteSkip);
                if (elements > available / 2 + 1)
                    throw new ImageFormatException(path, $"data is truncated: header declares {elements} ascii values, {dataPath} holds only {available} bytes");
                return ReadAscii(fs, type, elements, path);
        }
    }

    static long ParseSkip(NrrdHeader h, string field, string path, bool allowMinusOne)
    {
        if (h.Get(field) is not string s) return 0;
        if (!long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < (allowMinusOne ? -1 : 0))
            throw new ImageFormatException(path, $"NRRD {field} '{s}' is not a valid count");
        return v;
    }

    /// <summary>Spec "ascii" encoding: whitespace-separated numbers, i fastest.</summary>
    static Array ReadAscii(Stream s, VoxelType type, long elements, string path)
    {
        var data = VoxelTypes.Allocate(type, elements);
        using var reader = new StreamReader(s, System.Text.Encoding.Latin1, false, 1 << 16, leaveOpen: true);
        var token = new StringBuilder(32);
        long n = 0;
        int c;
        while (n < elements)
        {
            token.Clear();
            while ((c = reader.Read()) >= 0 && (char.IsWhiteSpace((char)c) || c == ',')) { }
            if (c < 0) break;
            token.Append((char)c);
            while ((c = reader.Read()) >= 0 && !char.IsWhiteSpace((char)c) && c != ',') token.Append((char)c);
            string t = token.ToString();
            if (!NrrdHeader.TryParseDouble(t, out double v)) throw new ImageFormatException(path, $"ascii data: '{t}' is not a number");
            if (type.IsInteger() && (v != Math.Floor(v) || v < IntMin(type) || v > IntMax(type)))
                throw new ImageFormatException(path, $"ascii data: {t} is not a valid {type} value");
            switch (data)
            {
                case byte[] a: a[n] = (byte)v; break;
                case short[] a: a[n] = (short)v; break;
                case ushort[] a: a[n] = (ushort)v; break;
                case int[] a: a[n] = (int)v; break;
                case float[] a: a[n] = (float)v; break;
                case double[] a: a[n] = v; break;
            }
            n++;
        }
        if (n < elements) throw new ImageFormatException(path, $"data is truncated: got {n} of {elements} ascii values");
        return data;
    }

    static double IntMin(VoxelType t) => t switch { VoxelType.Int16 => short.MinValue, VoxelType.Int32 => int.MinValue, _ => 0 };
    static double IntMax(VoxelType t) => t switch { VoxelType.UInt8 => byte.MaxValue, VoxelType.Int16 => short.MaxValue, VoxelType.UInt16 => ushort.MaxValue, _ => int.MaxValue };

    // ============================================================== writing

    static string TypeName(VoxelType t) => t switch
    {
        VoxelType.UInt8 => "uint8", VoxelType.Int16 => "int16", VoxelType.UInt16 => "uint16",
        VoxelType.Int32 => "int32", VoxelType.Float32 => "float", VoxelType.Float64 => "double",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    static string Vec(Vec3 v) => $"({Num(v.X)},{Num(v.Y)},{Num(v.Z)})";

    public void Write(Volume volume, string path, VolumeWriteOptions? options = null)
    {
        options ??= VolumeWriteOptions.Default;
        bool gzip = options.Compress ?? true;
        bool displacement = volume.Kind == VolumeKind.DisplacementField;
        if (displacement && volume.VoxelType is not (VoxelType.Float32 or VoxelType.Float64))
            throw new ImageFormatException(path, $"a displacement field is written as float or double, not {volume.VoxelType}");
        // ITK displacement-field convention (what Slicer reads as a grid transform): LPS grid, LPS components.
        var space = displacement ? CoordinateSystem.LPS : options.Space ?? CoordinateSystem.RAS;

        foreach (var key in volume.Metadata.Keys)
            if (key.Length == 0 || key.Contains(":=") || key.StartsWith('#') || key.Trim() != key)
                throw new ImageFormatException(path, $"metadata key '{key}' cannot be written as a NRRD key:=value pair (empty, contains ':=', starts with '#' or has surrounding spaces)");

        bool detached = path.EndsWith(".nhdr", StringComparison.OrdinalIgnoreCase);
        string dataName = Path.GetFileNameWithoutExtension(path) + (gzip ? ".raw.gz" : ".raw");
        string dataPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", dataName);

        var g = volume.Geometry;
        var linear = g.IndexToWorld(space).Linear;
        var sb = new StringBuilder();
        sb.Append("NRRD0004\n");
        sb.Append("# Complete NRRD file format specification at:\n# http://teem.sourceforge.net/nrrd/format.html\n");
        sb.Append($"type: {TypeName(volume.VoxelType)}\n");
        bool vector = volume.Components > 1;
        sb.Append($"dimension: {(vector ? 4 : 3)}\n");
        sb.Append($"space: {(space == CoordinateSystem.RAS ? "right-anterior-superior" : "left-posterior-superior")}\n");
        sb.Append("sizes: ").Append(vector ? $"{volume.Components} " : "").Append($"{g.Size.I} {g.Size.J} {g.Size.K}\n");
        sb.Append("space directions: ").Append(vector ? "none " : "")
          .Append($"{Vec(linear.Column(0))} {Vec(linear.Column(1))} {Vec(linear.Column(2))}\n");
        sb.Append("kinds: ").Append(vector ? "vector " : "").Append("domain domain domain\n");
        sb.Append("endian: little\n");
        sb.Append($"encoding: {(gzip ? "gzip" : "raw")}\n");
        sb.Append($"space origin: {Vec(g.OriginIn(space))}\n");
        if (detached) sb.Append($"data file: {dataName}\n");
        foreach (var kv in volume.Metadata)
        {
            if (kv.Key == KindKey) continue;
            if (kv.Key == IntentCodeKey && (displacement || kv.Value.Trim() == DisplacementIntentCode)) continue;
            sb.Append($"{NrrdHeader.Escape(kv.Key)}:={NrrdHeader.Escape(kv.Value)}\n");
        }
        sb.Append($"{KindKey}:={volume.Kind}\n");
        if (displacement) sb.Append($"{IntentCodeKey}:={DisplacementIntentCode}\n");
        if (!detached) sb.Append('\n');
        byte[] header = System.Text.Encoding.UTF8.GetBytes(sb.ToString());

        // Displacement components go out in LPS: negate x and y (a copy; the caller's volume is untouched).
        Volume payload = volume;
        if (displacement)
        {
            payload = new Volume(volume.Geometry, volume.VoxelType, 3, VolumeKind.Vector, (Array)volume.Data.Clone());
            switch (payload.Data)
            {
                case float[] f: for (long n = 0; n < f.LongLength; n += 3) { f[n] = -f[n]; f[n + 1] = -f[n + 1]; } break;
                case double[] d: for (long n = 0; n < d.LongLength; n += 3) { d[n] = -d[n]; d[n + 1] = -d[n + 1]; } break;
            }
        }

        try
        {
            if (detached)
                AtomicFile.WriteAll(new (string, Action<Stream>)[]
            {
                    (path, s => s.Write(header)),
                    (dataPath, s => VoxelCodec.WriteElements(s, payload, gzip)),
                });
            else
                AtomicFile.Write(path, s => { s.Write(header); VoxelCodec.WriteElements(s, payload, gzip); });
        }
        catch (Exception e) when (e is (IOException and not ImageFormatException) or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot write: {e.Message}", e);
        }
    }
}
