using Grpc.Core;
using SlicerReg.Core.Geometry;
using SlicerReg.Core.Xray;
using Wire = SlicerReg.Protocol.V1;

namespace SlicerReg.Client.Protocol;

/// <summary>What a Simulation call asks for, decoded and validated: the views, the DRR options, the label to project.</summary>
public sealed record SimulationSettings(IReadOnlyList<CalibratedView> Views, DrrOptions Options, int? LabelValue);

/// <summary>
/// Converts `slicerreg drr` settings (<see cref="DrrOptions"/>) to and from <see cref="Wire.SimulateHeader"/>. Decoding
/// validates every field and raises <see cref="ProtocolException"/> (INVALID_ARGUMENT) naming it.
/// </summary>
public static class SimulationWire
{
    static ProtocolException Bad(string problem) => new(StatusCode.InvalidArgument, "simulate: " + problem);

    public static Wire.SimulateHeader ToWire(IReadOnlyList<CalibratedView> views, DrrOptions o, int? labelValue, string client)
    {
        // The wire carries μ_water (HU → μ), the only attenuation model `slicerreg drr` offers.
        if (Math.Abs(o.Attenuation.Slope * 1000 - o.Attenuation.Intercept) > 1e-12 * o.Attenuation.Intercept)
            throw new ArgumentException("the daemon renders CTs in Hounsfield units only (AttenuationModel.FromHounsfield)");
        var h = new Wire.SimulateHeader
        {
            Mode = o.Mode == DrrMode.Uniform ? Wire.DrrMode.Uniform : Wire.DrrMode.Exact,
            Output = o.Output == DrrOutput.Intensity ? Wire.DrrOutput.Intensity : Wire.DrrOutput.LineIntegral,
            StepMm = o.StepMm ?? 0, I0 = o.I0, MuWaterPerMm = o.Attenuation.Intercept, NoisePhotons = o.NoisePhotons ?? 0, Seed = o.Seed,
            HasLabelValue = labelValue.HasValue, LabelValue = labelValue ?? 0, Client = client,
        };
        h.Views.Add(views.Select(WireConvert.ToWire));
        return h;
    }

    public static SimulationSettings FromWire(Wire.SimulateHeader h)
    {
        if (h.Views.Count == 0) throw Bad("no views: give at least one calibrated view");
        if (h.Views.Count > WireLimits.MaxSimulationViews) throw Bad($"{h.Views.Count} views, more than the limit of {WireLimits.MaxSimulationViews}");
        var views = new List<CalibratedView>();
        for (int n = 0; n < h.Views.Count; n++)
        {
            var w = h.Views[n];
            string what = $"simulate: view {n}";
            if (w.Size.Count == 2 && (w.Size[0] > WireLimits.MaxImageSide || w.Size[1] > WireLimits.MaxImageSide))
                throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: detector {w.Size[0]}×{w.Size[1]} is outside 1..{WireLimits.MaxImageSide} pixels per side");
            var view = WireConvert.FromWire(w, what);
            if ((long)view.Columns * view.Rows * sizeof(float) > WireLimits.MaxImageBytes)
                throw new ProtocolException(StatusCode.InvalidArgument, $"{what}: a {view.Columns}×{view.Rows} DRR is more than the limit of {WireLimits.MaxImageBytes} bytes");
            views.Add(view);
        }
        var mode = h.Mode switch
        {
            Wire.DrrMode.Unspecified or Wire.DrrMode.Exact => DrrMode.Exact,
            Wire.DrrMode.Uniform => DrrMode.Uniform,
            _ => throw Bad($"mode {(int)h.Mode} is not supported (expected EXACT or UNIFORM)"),
        };
        var output = h.Output switch
        {
            Wire.DrrOutput.Unspecified or Wire.DrrOutput.LineIntegral => DrrOutput.LineIntegral,
            Wire.DrrOutput.Intensity => DrrOutput.Intensity,
            _ => throw Bad($"output {(int)h.Output} is not supported (expected LINE_INTEGRAL or INTENSITY)"),
        };
        double NonNegative(double x, string name) => x >= 0 && double.IsFinite(x) ? x : throw Bad($"{name} must be a finite number ≥ 0 (0: default), got {x}");
        double step = NonNegative(h.StepMm, "step_mm"), i0 = NonNegative(h.I0, "i0"), mu = NonNegative(h.MuWaterPerMm, "mu_water_per_mm"), photons = NonNegative(h.NoisePhotons, "noise_photons");
        if (step > 0 && mode != DrrMode.Uniform) throw Bad("step_mm applies to UNIFORM mode only");
        var options = new DrrOptions
        {
            Mode = mode, Output = output, StepMm = step > 0 ? step : null, I0 = i0 > 0 ? i0 : 1,
            Attenuation = AttenuationModel.FromHounsfield(mu > 0 ? mu : AttenuationModel.DefaultMuWaterPerMm),
            NoisePhotons = photons > 0 ? photons : null, Seed = h.Seed,
        };
        return new SimulationSettings(views, options, h.HasLabelValue ? h.LabelValue : null);
    }
}
