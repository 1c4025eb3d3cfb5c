using System.Globalization;
using SlicerReg.Core.Xray;

namespace SlicerReg.Cli.Commands;

/// <summary>`simulate --realistic [--dose PHOTONS_PER_PIXEL]` (docs/radiographs.md, "The realistic simulation").</summary>
public static class RealisticArguments
{
    /// <summary>The exposure options, or null without --realistic.</summary>
    public static RealisticExposureOptions? Parse(Arguments args)
    {
        bool realistic = args.Flag("realistic");
        string? dose = args.Option("dose");
        if (!realistic) return dose is null ? null : throw new UsageException("--dose needs --realistic");
        var options = new RealisticExposureOptions();
        if (dose != null)
        {
            if (!double.TryParse(dose, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || !(n >= 1 && n <= 1e9))
                throw new UsageException($"--dose '{dose}': expected photons per open-field pixel, 1 … 1e9 (default 1e5)");
            options = options with { PhotonsPerPixel = n };
        }
        return options.Validate();
    }
}
