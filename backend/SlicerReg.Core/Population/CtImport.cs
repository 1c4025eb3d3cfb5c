using SlicerReg.Core.Anatomy;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Population;

/// <summary>A CT and its femur label map found in an input folder.</summary>
public sealed record CtPair(string Name, string CtPath, string LabelPath);

/// <summary>What an import found and did.</summary>
public sealed record ImportedCt(CtPair Pair, FemoralHead.Estimate Head, FemurSide Side, PhantomImages Images);

/// <summary>
/// Brings real CTs into the atlas frame (docs/population.md, "Importing CTs"): pairs NAME.EXT + NAME_label.EXT (any format
/// <see cref="VolumeFile"/> reads; the two may differ in format), label 1 = femur. The femoral head is located
/// (<see cref="FemoralHead"/>), the side told from the anatomy or given, and the atlas grid is filled by sampling the CT at
/// head centre + M·x for every frame point x (M = identity for a right femur, the reflection diag(−1,1,1) for a left one, so
/// left femurs come out mirrored to right ones): trilinear for the CT (−1000 HU outside it), nearest neighbour for the label
/// (0 outside). Unlike the paper, the femur is not rotated to a neck/shaft reference frame: the CT's own axes are kept.
/// </summary>
public static class CtImport
{
    public const string LabelSuffix = "_label";
    public const byte FemurValue = 1;

    /// <summary>The pairs in a folder, sorted by name; a label without its CT is an error naming the file.</summary>
    public static IReadOnlyList<CtPair> FindPairs(string folder)
    {
        if (!Directory.Exists(folder)) throw new IOException($"CT folder {folder} does not exist");
        var files = Directory.GetFiles(folder).Where(IsVolume).OrderBy(f => f, StringComparer.Ordinal).ToList();
        var pairs = new List<CtPair>();
        foreach (var label in files)
        {
            var (stem, ext) = Split(label);
            if (!stem.EndsWith(LabelSuffix, StringComparison.Ordinal)) continue;
            string name = stem[..^LabelSuffix.Length];
            var ct = files.Where(f => f != label && Split(f).Stem == name).OrderBy(f => Split(f).Ext == ext ? 0 : 1).FirstOrDefault()
                     ?? throw new ImageFormatException(label, $"label map without its CT: expected {name}.EXT next to it");
            pairs.Add(new CtPair(name, ct, label));
        }
        if (pairs.Count == 0) throw new IOException($"no CT/label pairs in {folder} (expected NAME.nii.gz + NAME{LabelSuffix}.nii.gz, or .nrrd/.nhdr/.nii/.mha/.mhd)");
        return pairs;
    }

    public static ImportedCt Import(CtPair pair, NetworkPreset preset, FemurSide? side = null)
    {
        var ct = VolumeFile.Read(pair.CtPath);
        var label = VolumeFile.Read(pair.LabelPath);
        if (ct.Components != 1) throw new ImageFormatException(pair.CtPath, $"a CT has one component per voxel, this file has {ct.Components}");
        if (label.Components != 1) throw new ImageFormatException(pair.LabelPath, $"a label map has one component per voxel, this file has {label.Components}");
        var head = FemoralHead.Locate(label, FemurValue, pair.LabelPath);
        var s = side ?? FemoralHead.DetectSide(label, FemurValue, head.Centre, pair.LabelPath);
        var m = s == FemurSide.Left ? FemurMirror.Reflection : Mat3.Identity;
        var frameToCt = new Mat4(m, head.Centre);
        var images = Resample(ct, label, preset.AtlasGrid, frameToCt);
        foreach (var v in new[] { images.Ct, images.Label })
            v.Metadata["SlicerReg_Import"] = $"{Path.GetFileName(pair.CtPath)} side={s.ToString().ToLowerInvariant()}";
        return new ImportedCt(pair, head, s, images);
    }

    /// <summary>Samples CT (trilinear) and label (nearest) at frameToCt·x for every voxel centre x of the output grid.</summary>
    public static PhantomImages Resample(Volume ct, Volume label, ImageGeometry output, Mat4 frameToCt)
    {
        var outCt = new Volume(output, VoxelType.Int16);
        var outLabel = new Volume(output, VoxelType.UInt8, kind: VolumeKind.LabelMap);
        var hu = outCt.As<short>(); var lab = outLabel.As<byte>();
        var ctValues = new float[ct.VoxelCount];
        for (long n = 0; n < ctValues.LongLength; n++) ctValues[n] = (float)ct.GetElement(n);
        var toCtIjk = ct.Geometry.RasToIjk * frameToCt * output.IjkToRas;
        var toLabelIjk = label.Geometry.RasToIjk * frameToCt * output.IjkToRas;
        var cs = ct.Size; var ls = label.Size; var os = output.Size;
        Parallel.For(0, os.K, k =>
        {
            for (int j = 0; j < os.J; j++)
                for (int i = 0; i < os.I; i++)
                {
                    long n = ((long)k * os.J + j) * os.I + i;
                    var p = new Vec3(i, j, k);
                    hu[n] = (short)Math.Round(Math.Clamp(Trilinear(ctValues, cs, toCtIjk.TransformPoint(p), FemurPhantom.AirHU), short.MinValue, short.MaxValue));
                    var q = toLabelIjk.TransformPoint(p);
                    int li = (int)Math.Round(q.X), lj = (int)Math.Round(q.Y), lk = (int)Math.Round(q.Z);
                    lab[n] = li < 0 || lj < 0 || lk < 0 || li >= ls.I || lj >= ls.J || lk >= ls.K ? (byte)0
                        : (byte)Math.Clamp(Math.Round(label.GetElement(((long)lk * ls.J + lj) * ls.I + li)), 0, 255);
                }
        });
        return new PhantomImages(outCt, outLabel);
    }

    /// <summary>Trilinear interpolation at a continuous index; points outside the voxel-centre hull take the edge values
    /// within half a voxel and <paramref name="outside"/> beyond it.</summary>
    static double Trilinear(float[] v, GridSize s, Vec3 q, double outside)
    {
        if (q.X < -0.5 || q.Y < -0.5 || q.Z < -0.5 || q.X > s.I - 0.5 || q.Y > s.J - 0.5 || q.Z > s.K - 0.5) return outside;
        double x = Math.Clamp(q.X, 0, s.I - 1), y = Math.Clamp(q.Y, 0, s.J - 1), z = Math.Clamp(q.Z, 0, s.K - 1);
        int i0 = Math.Min((int)x, Math.Max(s.I - 2, 0)), j0 = Math.Min((int)y, Math.Max(s.J - 2, 0)), k0 = Math.Min((int)z, Math.Max(s.K - 2, 0));
        int i1 = Math.Min(i0 + 1, s.I - 1), j1 = Math.Min(j0 + 1, s.J - 1), k1 = Math.Min(k0 + 1, s.K - 1);
        double fx = x - i0, fy = y - j0, fz = z - k0;
        double At(int i, int j, int k) => v[((long)k * s.J + j) * s.I + i];
        double c00 = At(i0, j0, k0) * (1 - fx) + At(i1, j0, k0) * fx, c10 = At(i0, j1, k0) * (1 - fx) + At(i1, j1, k0) * fx;
        double c01 = At(i0, j0, k1) * (1 - fx) + At(i1, j0, k1) * fx, c11 = At(i0, j1, k1) * (1 - fx) + At(i1, j1, k1) * fx;
        return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
    }

    static bool IsVolume(string path)
    {
        try { VolumeFile.FormatFor(path); return !Path.GetFileName(path).StartsWith('.'); }
        catch (ImageFormatException) { return false; }
    }

    /// <summary>File name without its volume extension (".nii.gz" counts as one), and that extension.</summary>
    static (string Stem, string Ext) Split(string path)
    {
        string name = Path.GetFileName(path);
        foreach (var ext in new[] { ".nii.gz", ".nrrd", ".nhdr", ".nii", ".mha", ".mhd" })
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return (name[..^ext.Length], ext);
        return (Path.GetFileNameWithoutExtension(name), Path.GetExtension(name));
    }
}
