using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SlicerReg.Core.Imaging;
using SlicerReg.Core.IO;

namespace SlicerReg.Core.Anatomy;

/// <summary>
/// The JSON card that travels with a phantom's volumes: grid, frame, every parameter (value, unit, range, source), how it
/// was made, the command that rebuilds it, SHA-256 hashes of the voxel data (so a rebuild can be checked bit for bit)
/// and the program version.
/// </summary>
public static class PhantomCard
{
    public const string Frame =
        "femur reference frame, patient RAS in mm: origin at the atlas femoral-head centre; +x patient right (lateral for this right femur), "
        + "+y anterior, +z superior; proximal shaft axis (chord through the shaft centre at the neck-shaft point and 120 mm below) parallel to z; "
        + "index axes i, j, k along +x, +y, +z: an AP radiograph projects along j, a lateral one along i";

    /// <summary>SHA-256 (lower-case hex) of the voxel buffer in little-endian byte order, i fastest (the layout NRRD stores).</summary>
    public static string VoxelSha256(Volume v)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("voxel hashes are defined on little-endian bytes");
        return Convert.ToHexStringLower(SHA256.HashData(v.Bytes));
    }

    public static JObject Build(NetworkPreset preset, FemurParameters parameters, int? seed, PhantomImages images,
        IReadOnlyList<string> rebuildArgs, string ctFile, string labelFile)
    {
        var g = images.Ct.Geometry;
        var ps = new JObject();
        foreach (var s in FemurParameters.Specs)
            ps[s.Name] = new JObject
            {
                ["value"] = parameters[s.Id], ["unit"] = s.Unit, ["mean"] = s.Mean, ["min"] = s.Min, ["max"] = s.Max,
                ["meaning"] = s.Meaning, ["source"] = s.Source,
            };
        string version = ProgramVersion();
        return new JObject
        {
            ["kind"] = seed is null ? "femur atlas (mean-parameter phantom)" : "random femur phantom subject",
            ["files"] = new JObject { ["ct"] = ctFile, ["label"] = labelFile },
            ["grid"] = new JObject
            {
                ["preset"] = preset.Name, ["size"] = new JArray(g.Size.ToArray()), ["spacing"] = new JArray(g.Spacing.ToArray()),
                ["coordinateSystem"] = "RAS", ["origin"] = new JArray(g.Origin.ToArray()),
                ["direction"] = new JArray(g.Direction.ToRowMajor()), ["ijkToRas"] = new JArray(g.IjkToRas.ToRowMajor()),
            },
            ["frame"] = Frame,
            ["labels"] = new JObject { ["0"] = "background", ["1"] = "femur (head, neck, trochanters, shaft)", ["2"] = "pelvis (acetabulum, ilium, ischium, pubis)" },
            ["seed"] = seed is null ? JValue.CreateNull() : new JValue(seed.Value),
            ["parameters"] = ps,
            ["landmarks"] = Landmarks(new FemurShape(parameters)),
            ["method"] = "parametric proximal femur (SlicerReg.Core.Anatomy.FemurShape): signed distance functions evaluated at every voxel centre, "
                + "partial-volume ramp over the mean voxel spacing; parameters drawn as truncated normals (sigma = range/4) from System.Random(seed) "
                + "or set to the literature means for the atlas; see docs/phantom.md",
            ["rebuild"] = new JObject
            {
                ["command"] = "slicerreg " + string.Join(' ', rebuildArgs) + " --out DIR",
                ["args"] = new JArray(rebuildArgs),
            },
            ["sha256"] = new JObject { ["ct"] = VoxelSha256(images.Ct), ["label"] = VoxelSha256(images.Label), ["of"] = "voxel data, little-endian, i fastest" },
            ["program"] = new JObject { ["name"] = "slicerreg", ["version"] = version },
        };
    }

    /// <summary>Derived anatomy in the frame (RAS mm): where a generator or an evaluation finds the head, the axes and the cup.</summary>
    static JObject Landmarks(FemurShape s) => new()
    {
        ["headCentre"] = new JArray(s.HeadCentre.ToArray()),
        ["headRadius"] = s.HeadRadius,
        ["neckAxis"] = new JArray(s.NeckAxis.ToArray()),
        ["neckShaftPoint"] = new JArray(s.NeckShaftPoint.ToArray()),
        ["shaftDirection"] = new JArray(s.ShaftDirection.ToArray()),
        ["lesserTrochanterLevelZ"] = s.LesserTrochanterLevel,
        ["acetabularCupAxis"] = new JArray(s.CupAxis.ToArray()),
    };

    public static void Write(JObject card, string path)
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(card.ToString(Formatting.Indented) + "\n");
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    public static string ProgramVersion()
    {
        var a = Assembly.GetEntryAssembly() ?? typeof(PhantomCard).Assembly;
        return a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? a.GetName().Version?.ToString() ?? "unknown";
    }
}
