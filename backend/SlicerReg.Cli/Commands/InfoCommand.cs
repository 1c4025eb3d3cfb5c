using Newtonsoft.Json;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Cli.Commands;

/// <summary>`slicerreg info FILE [--json]`: size, spacing, origin, direction and voxel type of an image file.</summary>
public sealed class InfoCommand : ICommand
{
    public string Name => "info";
    public string Summary => "print an image's size, spacing, origin, direction and voxel type";
    public string Usage => "slicerreg info FILE [--json]";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "json" };

    public int Run(Arguments args, TextWriter stdout)
    {
        bool json = args.Flag("json");
        args.RejectUnknown();
        if (args.Positional.Count != 1) throw new UsageException("info takes exactly one FILE");
        string path = args.Positional[0];
        var v = VolumeFile.Read(path);
        var g = v.Geometry;
        var (min, max) = Range(v);
        if (json)
        {
            var o = new
            {
                file = path,
                format = VolumeFile.ReadFormatName(path),
                size = g.Size.ToArray(),
                components = v.Components,
                kind = v.Kind.ToString(),
                voxelType = v.VoxelType.ToString().ToLowerInvariant(),
                spacing = g.Spacing.ToArray(),
                coordinateSystem = "RAS",
                origin = g.Origin.ToArray(),
                direction = new[] { g.Direction.Column(0).ToArray(), g.Direction.Column(1).ToArray(), g.Direction.Column(2).ToArray() },
                ijkToRas = g.IjkToRas.ToRowMajor(),
                originLps = g.OriginIn(CoordinateSystem.LPS).ToArray(),
                min, max,
                metadata = v.Metadata,
            };
            stdout.WriteLine(JsonConvert.SerializeObject(o, Formatting.Indented));
            return 0;
        }
        string F(double x) => x.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
        string V(Vec3 p) => $"{F(p.X)} {F(p.Y)} {F(p.Z)}";
        stdout.WriteLine($"file:          {path}");
        stdout.WriteLine($"format:        {VolumeFile.ReadFormatName(path)}");
        stdout.WriteLine($"size (i j k):  {g.Size.I} {g.Size.J} {g.Size.K}");
        stdout.WriteLine($"voxel type:    {v.VoxelType.ToString().ToLowerInvariant()} × {v.Components} ({v.Kind})");
        stdout.WriteLine($"spacing (mm):  {V(g.Spacing)}");
        stdout.WriteLine($"origin RAS:    {V(g.Origin)}   (LPS: {V(g.OriginIn(CoordinateSystem.LPS))})");
        stdout.WriteLine($"direction RAS: i→[{V(g.Direction.Column(0))}] j→[{V(g.Direction.Column(1))}] k→[{V(g.Direction.Column(2))}]");
        stdout.WriteLine($"value range:   {F(min)} .. {F(max)}");
        foreach (var kv in v.Metadata) stdout.WriteLine($"meta {kv.Key}: {kv.Value}");
        return 0;
    }

    static (double Min, double Max) Range(Volume v)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (long n = 0; n < v.ElementCount; n++) { double x = v.GetElement(n); if (x < min) min = x; if (x > max) max = x; }
        return (min, max);
    }
}
