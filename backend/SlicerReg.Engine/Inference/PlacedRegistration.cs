using SlicerReg.Core.Geometry;
using SlicerReg.Core.Xray;

namespace SlicerReg.Engine.Inference;

/// <summary>
/// A registration run in the atlas frame (on radiographs moved by <see cref="AtlasPlacement.ToAtlas(Radiograph)"/>) moved
/// back onto the patient: every volume by <see cref="AtlasPlacement.ToPatient(Core.Imaging.Volume)"/> (Ψ becomes the
/// patient's pull-back to the atlas as stored), T as T∘P, the radiographs the patient's own (a refined lateral view moved
/// back), the projected labels in the patient's pixel order. The velocity v is dropped: it lives in the atlas frame and
/// only a refinement in that frame could start from it.
/// </summary>
public static class PlacedRegistration
{
    public static RegistrationResult ToPatient(RegistrationResult r, AtlasPlacement placement, Radiograph ap, Radiograph lateral)
    {
        var back = placement.Inverse();
        Core.Imaging.Volume? Move(Core.Imaging.Volume? v) => v is null ? null : placement.ToPatient(v);
        return r with
        {
            WarpedAtlas = placement.ToPatient(r.WarpedAtlas), WarpedLabel = Move(r.WarpedLabel),
            AffineWarpedAtlas = Move(r.AffineWarpedAtlas), AffineWarpedLabel = Move(r.AffineWarpedLabel),
            WarpedMaskedAtlas = Move(r.WarpedMaskedAtlas), AffineWarpedMaskedAtlas = Move(r.AffineWarpedMaskedAtlas),
            Displacement = placement.ToPatient(r.Displacement), AffinePatientToAtlas = placement.ToPatient(r.AffinePatientToAtlas), Velocity = null,
            Ap = ap, Lateral = new Radiograph(lateral.Image, back.ToAtlas(r.Lateral.View)),
            ApProjectedLabel = r.ApProjectedLabel is null ? null : back.ToAtlas(r.ApProjectedLabel), LateralProjectedLabel = r.LateralProjectedLabel is null ? null : back.ToAtlas(r.LateralProjectedLabel),
        };
    }
}
