using System.Diagnostics;
using System.Globalization;
using SlicerReg.Core.Anatomy;
using SlicerReg.Core.IO;

namespace SlicerReg.Cli.Commands;

/// <summary>
/// `slicerreg phantom --out DIR [--preset paper|standard|tiny] [--mean | --seed S]`: the parametric proximal-femur phantom.
/// Without a seed (or with --mean) it writes the atlas (mean parameters) as femur_atlas.nrrd, femur_atlas_label.nrrd and
/// femur_atlas.json; with --seed S a random subject as femur_seedS.nrrd, femur_seedS_label.nrrd, femur_seedS.json.
/// </summary>
public sealed class PhantomCommand : ICommand
{
    public string Name => "phantom";
    public string Summary => "write the femur atlas (mean phantom) or a random phantom subject: CT, label map and JSON card";
    public string Usage => "slicerreg phantom --out DIR [--preset paper|standard|tiny] [--mean | --seed S]";
    public IReadOnlySet<string> Flags { get; } = new HashSet<string> { "mean" };

    public int Run(Arguments args, TextWriter stdout)
    {
        string? outDir = args.Option("out");
        string presetName = args.Option("preset") ?? "paper";
        string? seedText = args.Option("seed");
        bool mean = args.Flag("mean");
        args.RejectUnknown();
        if (args.Positional.Count != 0) throw new UsageException($"phantom takes no positional arguments (got '{args.Positional[0]}')");
        if (outDir is null) throw new UsageException("--out DIR is required");
        if (mean && seedText is not null) throw new UsageException("--mean and --seed exclude each other (the atlas has no seed)");
        NetworkPreset preset;
        try { preset = NetworkPreset.Named(presetName); }
        catch (ArgumentException e) { throw new UsageException($"--preset: {e.Message}"); }
        int? seed = null;
        if (seedText is not null)
        {
            if (!int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) || s < 0)
                throw new UsageException($"--seed '{seedText}': expected a non-negative integer");
            seed = s;
        }
        if (!Directory.Exists(outDir)) throw new IOException($"output folder {outDir} does not exist");

        var parameters = seed is null ? FemurParameters.Mean : FemurParameters.Sample(seed.Value);
        var clock = Stopwatch.StartNew();
        var images = FemurPhantom.Rasterise(parameters, preset.AtlasGrid);
        double seconds = clock.Elapsed.TotalSeconds;

        string stem = seed is null ? "femur_atlas" : $"femur_seed{seed}";
        string ctName = stem + ".nrrd", labelName = stem + "_label.nrrd", cardName = stem + ".json";
        var rebuild = new List<string> { "phantom", "--preset", preset.Name };
        if (seed is null) rebuild.Add("--mean"); else { rebuild.Add("--seed"); rebuild.Add(seed.Value.ToString(CultureInfo.InvariantCulture)); }

        images.Ct.Metadata["SlicerReg_Phantom"] = stem;
        images.Label.Metadata["SlicerReg_Phantom"] = stem;
        VolumeFile.Write(images.Ct, Path.Combine(outDir, ctName));
        VolumeFile.Write(images.Label, Path.Combine(outDir, labelName));
        var card = PhantomCard.Build(preset, parameters, seed, images, rebuild, ctName, labelName);
        PhantomCard.Write(card, Path.Combine(outDir, cardName));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {ctName}, {labelName}, {cardName} to {outDir} ({preset.Name} grid {preset.VolumeSize}, rasterised in {seconds:F2} s on {Environment.ProcessorCount} cores)"));
        return 0;
    }
}
