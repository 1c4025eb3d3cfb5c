namespace SlicerReg.Core.Registration;

/// <summary>
/// The names of a registration's results, one vocabulary for everything that names them: the protocol (ResultInfo.name,
/// FetchRequest.name, SubmitHeader.results), the files `slicerreg register` writes (the name plus ".nrrd"; the overlays
/// drawn as ".png"), the C# client and the Slicer bridge. The bridge's copy of this
/// table, slicer-bridge/SlicerReg/SlicerRegLib/names.py, is checked against this file by tests/python/test_result_names.py.
/// </summary>
public static class ResultNames
{
    /// <summary>The atlas CT warped by Ψ (HU).</summary>
    public const string WarpedAtlas = "warped_atlas";
    /// <summary>The atlas label map warped by Ψ.</summary>
    public const string WarpedLabels = "warped_labels";
    /// <summary>Ψ, the pull-back displacement field (mm).</summary>
    public const string DisplacementField = "displacement_field";
    /// <summary>The warped femur projected through the AP / lateral view: a label map on that radiograph's detector grid.</summary>
    public const string OverlayAp = "overlay_ap", OverlayLateral = "overlay_lateral";

    /// <summary>Every result name, in the order a full registration lists them.</summary>
    public static IReadOnlyList<string> All { get; } = new[] { WarpedAtlas, WarpedLabels, DisplacementField, OverlayAp, OverlayLateral };
}
