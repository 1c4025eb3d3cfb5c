using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Cli.Commands;

/// <summary>`slicerreg convert IN OUT`: rewrites an image in the format its output name says, geometry intact.</summary>
public sealed class ConvertCommand : ICommand
{
    public string Name => "convert";
    public string Summary => "convert between NRRD, NIfTI and MetaImage (format from the extension)";
    public string Usage => "slicerreg convert IN OUT [--type uint8|int16|uint16|int32|float32|float64] [--space RAS|LPS] [--no-compress] [--label | --displacement]";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "no-compress", "label", "displacement" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string? type = args.Option("type");
        string? space = args.Option("space");
        bool noCompress = args.Flag("no-compress");
        bool label = args.Flag("label"), displacement = args.Flag("displacement");
        args.RejectUnknown();
        if (args.Positional.Count != 2) throw new UsageException("convert takes IN and OUT");
        if (label && displacement) throw new UsageException("--label and --displacement exclude each other");
        string input = args.Positional[0], output = args.Positional[1];
        VolumeFile.FormatFor(output); // fail on an unknown output type before reading a large input

        var v = VolumeFile.Read(input);
        if (type != null)
        {
            if (!Enum.TryParse<VoxelType>(type, ignoreCase: true, out var t)) throw new UsageException($"--type '{type}': expected uint8, int16, uint16, int32, float32 or float64");
            v = v.ConvertTo(t);
        }
        if (label)
        {
            if (v.Components != 1 || !v.VoxelType.IsInteger()) throw new UsageException($"--label: {input} is {v.VoxelType}×{v.Components}; a label map needs one integer component (add --type uint8|int16|...)");
            v.Kind = VolumeKind.LabelMap;
        }
        if (displacement)
        {
            if (v.Components != 3) throw new UsageException($"--displacement: {input} has {v.Components} components, a displacement field has 3");
            v.Kind = VolumeKind.DisplacementField;
        }
        var options = new VolumeWriteOptions
        {
            Compress = noCompress ? false : null,
            Space = space == null ? null : PatientCoordinates.Parse(space),
        };
        VolumeFile.Write(v, output, options);
        if (v.Kind == VolumeKind.LabelMap && !LooksLikeLabelName(output))
            Console.Error.WriteLine($"note: 3D Slicer recognises label maps by file name (a word 'label' or 'seg'); consider naming it e.g. {Path.GetFileNameWithoutExtension(output).Split('.')[0]}_label{string.Concat(Path.GetFileName(output).SkipWhile(ch => ch != '.'))}");
        stdout.WriteLine($"wrote {output} ({v.Size}, {v.VoxelType.ToString().ToLowerInvariant()}×{v.Components}, {v.Kind})");
        return 0;
    }

    static bool LooksLikeLabelName(string path)
    {
        string n = Path.GetFileName(path).ToLowerInvariant();
        return n.Contains("label") || n.Contains("seg");
    }
}
