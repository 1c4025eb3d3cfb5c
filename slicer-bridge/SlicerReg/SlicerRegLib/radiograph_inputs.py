"""What the module's "Real radiographs and refinement" section turns into a RegisterOptions, without Slicer: a femur
mask exported from a segmentation onto a radiograph's grid, a femoral-head markups point as the radiograph's pixel, and
the chosen kind, side, output grid and refinement. SlicerReg.py only reads the nodes (arrays, matrices) and calls these."""
import numpy as np

from .register_options import RegisterOptions, mask_flags


def mask_from_labelmap(labels, pixels, what):
    """A femur mask [row, column] (bool) from a label map exported on the radiograph's own grid (arrayFromVolume:
    [1, rows, columns]); ValueError when it is not on that grid or holds no femur."""
    return mask_flags(labels, pixels, what, grid_hint="export the segmentation with the radiograph as reference geometry",
                      empty_hint="paint the femur on the radiograph with the Segment Editor")


def head_pixel(ras, ijk_to_ras, pixels, what, max_off_plane=1.0):
    """The (column, row) pixel of a markups point at world position `ras` on a radiograph node whose IJK→world matrix is
    `ijk_to_ras` (the node's IJK→RAS composed with its parent transforms); ValueError when it is off the image."""
    ijk = np.linalg.solve(np.asarray(ijk_to_ras, dtype=float), np.append(np.asarray(ras, dtype=float), 1.0))[:3]
    column, row, k = (float(v) for v in ijk)
    rows, columns = pixels.shape
    if abs(k) > max_off_plane:
        raise ValueError(f"{what}: the point lies {abs(k):.1f} pixels off the radiograph's plane: place it on the radiograph in a slice view")
    if not (-0.5 <= column <= columns - 0.5 and -0.5 <= row <= rows - 0.5):
        raise ValueError(f"{what}: the point ({column:.1f}, {row:.1f}) lies outside the {columns} × {rows} radiograph")
    return column, row


def register_options(radiograph_kind="auto", side="right", output_grid="paper", refine=False, refine_pose=False,
                     refine_iterations=None, refine_grid="standard", ap_mask=None, lateral_mask=None, ap_head=None, lateral_head=None,
                     ap_metadata=None, lateral_metadata=None):
    """The RegisterOptions of the module's choices; head points both or neither."""
    if (ap_head is None) != (lateral_head is None):
        raise ValueError("place the femoral head point in both radiographs, or in neither")
    return RegisterOptions(refine=refine, refine_pose=refine and refine_pose, refine_iterations=refine_iterations if refine else None,
                           refine_grid=refine_grid, output_grid=output_grid, radiograph_kind=radiograph_kind, ap_mask=ap_mask,
                           lateral_mask=lateral_mask, head=None if ap_head is None else (ap_head, lateral_head), side=side,
                           ap_metadata=ap_metadata, lateral_metadata=lateral_metadata).check()
