"""The options of `slicerreg register` as the bridge sends them (protocol revision 5, SubmitHeader and femur-mask
ImageHeaders; docs/daemon.md "Registration options"): one name from the CLI down — refine, refine_pose, refine_iterations,
refine_grid, output_grid, radiograph_kind, ap_i0/lateral_i0, ap_mask/lateral_mask, head, side."""
from dataclasses import dataclass

import numpy as np

from .protocol import stubs

# The revision that added these fields: a daemon below it would ignore them, so a request using them refuses such a daemon.
REGISTER_OPTIONS_REVISION = 5
RADIOGRAPH_KINDS = ("auto", "line-integral", "intensity")
REFINE_GRIDS = ("standard", "paper", "tiny")
OUTPUT_GRIDS = ("paper", "model")   # an atlas FILE grid is local-only (`slicerreg register --output-grid FILE`)
SIDES = ("right", "left")
# The radiograph file metadata the daemon's `auto` kind and MONOCHROME1 handling read (RadiographUpload.MetadataKeys in C#).
METADATA_KEYS = ("slicerreg_radiograph_kind", "Modality", "PhotometricInterpretation", "slicerreg_white_level", "BitsStored")


@dataclass
class RegisterOptions:
    refine: bool = False
    refine_pose: bool = False
    refine_iterations: int = None        # None: the daemon's default (60)
    refine_grid: str = "standard"
    output_grid: str = "paper"           # as `slicerreg register`; "model" keeps the network's coarse grid
    radiograph_kind: str = "auto"
    ap_i0: float = None                  # None: estimated from the open field
    lateral_i0: float = None
    ap_mask: np.ndarray = None           # [row, column] (or [1, row, column]) on the radiograph's pixels, non-zero on the femur
    lateral_mask: np.ndarray = None
    head: tuple = None                   # ((ap_column, ap_row), (lateral_column, lateral_row)) pixel indices, or None
    side: str = "right"
    ap_metadata: dict = None             # the radiograph files' metadata (METADATA_KEYS travel), for radiograph_kind auto
    lateral_metadata: dict = None

    def check(self):
        """ValueError naming the option when a value cannot be sent."""
        for name, value, allowed in (("refine_grid", self.refine_grid, REFINE_GRIDS), ("output_grid", self.output_grid, OUTPUT_GRIDS),
                                     ("radiograph_kind", self.radiograph_kind, RADIOGRAPH_KINDS), ("side", self.side, SIDES)):
            if value not in allowed:
                raise ValueError(f"{name} '{value}': expected {', '.join(allowed)}")
        if not self.refine and (self.refine_pose or self.refine_iterations is not None):
            raise ValueError("refine_pose and refine_iterations need refine")
        if (self.ap_mask is None) != (self.lateral_mask is None):
            raise ValueError("give both femur masks (AP and lateral), or neither")
        for name, i0 in (("ap_i0", self.ap_i0), ("lateral_i0", self.lateral_i0)):
            if i0 is not None and not (np.isfinite(i0) and i0 > 0):
                raise ValueError(f"{name} {i0}: expected a positive number")
        return self

    def needs_revision_5(self):
        """Whether a daemon before revision 5 could not run this request as asked."""
        return (self.refine or self.output_grid != "model" or self.radiograph_kind == "intensity" or self.ap_i0 is not None
                or self.lateral_i0 is not None or self.ap_mask is not None or self.head is not None or self.side != "right")

    def header_fields(self):
        """The SubmitHeader fields (keyword arguments) of these options."""
        pb, d = stubs()["registration_pb2"], stubs()["data_pb2"]
        f = dict(refine=self.refine, refine_pose=self.refine_pose, output_grid=self.output_grid, radiograph_kind=self.radiograph_kind,
                 side=self.side)
        if self.refine:
            f["refine_grid"] = self.refine_grid
            if self.refine_iterations is not None:
                f["refine_iterations"] = d.OptionalInt32(value=int(self.refine_iterations))
        if self.ap_i0 is not None:
            f["ap_i0"] = d.OptionalDouble(value=float(self.ap_i0))
        if self.lateral_i0 is not None:
            f["lateral_i0"] = d.OptionalDouble(value=float(self.lateral_i0))
        if self.head is not None:
            (ac, ar), (lc, lr) = self.head
            f["head"] = pb.HeadClicks(ap_column=float(ac), ap_row=float(ar), lateral_column=float(lc), lateral_row=float(lr))
        return f

    def metadata(self, role):
        m = (self.ap_metadata if role == "AP" else self.lateral_metadata) or {}
        return {str(k): str(v) for k, v in m.items() if k in METADATA_KEYS}

    def mask(self, role):
        return self.ap_mask if role == "AP" else self.lateral_mask


def mask_flags(mask, pixels, what, grid_hint="draw it on the radiograph's own grid", empty_hint="paint the femur"):
    """A femur mask [row, column] (or [1, row, column], as arrayFromVolume gives) as bools on the radiograph's pixels;
    ValueError, with the hint, when it is on another grid or holds no femur."""
    m = np.asarray(mask)
    if m.ndim == 3 and m.shape[0] == 1:
        m = m[0]
    if m.shape != pixels.shape:
        raise ValueError(f"{what}: the mask is {m.shape[-1]} × {m.shape[0]} pixels but its radiograph is "
                         f"{pixels.shape[1]} × {pixels.shape[0]}: {grid_hint}")
    flags = m != 0
    if not flags.any():
        raise ValueError(f"{what}: the femur mask is empty (no non-zero pixel): {empty_hint}")
    return flags


def mask_bytes(mask, pixels, what):
    """A femur mask as sent: one byte per pixel, 1 on the femur, row-major (column fastest)."""
    return np.ascontiguousarray(mask_flags(mask, pixels, what).astype(np.uint8)).tobytes()


def mask_header(payload, pixels, role):
    """The ImageHeader of a femur-mask transfer (UINT8, no view: the mask shares its radiograph's)."""
    d = stubs()["data_pb2"]
    return d.ImageHeader(role=d.ViewRole.Value("VIEW_ROLE_" + role), shape=[pixels.shape[1], pixels.shape[0]],
                         voxel_type=d.VOXEL_TYPE_UINT8, byte_length=len(payload), femur_mask=True)
