"""The parts of putting results into a Slicer scene that need no Slicer: grid-transform geometry of a displacement
field, radiograph placement, and a projection overlay of a label map onto a radiograph."""
import numpy as np


def grid_geometry(ijk_to_ras):
    """(origin, spacing, direction 3×3) of an IJK→RAS matrix, as vtkImageData + SetGridDirectionMatrix want them
    (vtkImageData has no direction: the grid transform carries it). Columns of direction are unit vectors."""
    m = np.asarray(ijk_to_ras, dtype=float)
    spacing = np.linalg.norm(m[:3, :3], axis=0)
    if np.any(spacing <= 0):
        raise ValueError(f"IJK→RAS has a zero column: {m.tolist()}")
    return m[:3, 3].copy(), spacing, m[:3, :3] / spacing


def warp_point(displacement, ras):
    """Where the pull-back field sends a patient RAS point: x + u(x) in the atlas, u trilinearly interpolated
    (the mapping Slicer applies with the field set as the transform FROM parent). displacement: Volume [k, j, i, 3]."""
    m = displacement.ijk_to_ras
    ijk = np.linalg.solve(m, np.append(np.asarray(ras, dtype=float), 1.0))[:3]
    u = trilinear(displacement.voxels, ijk)
    return np.asarray(ras, dtype=float) + u


def trilinear(voxels, ijk):
    """Value at fractional index (i, j, k) of an array [k, j, i(, c)], edge values outside."""
    shape = np.array([voxels.shape[2], voxels.shape[1], voxels.shape[0]])  # (I, J, K)
    p = np.clip(np.asarray(ijk, dtype=float), 0, shape - 1)
    lo = np.minimum(np.floor(p).astype(int), shape - 1)
    hi = np.minimum(lo + 1, shape - 1)
    f = p - lo
    out = 0.0
    for di in (0, 1):
        for dj in (0, 1):
            for dk in (0, 1):
                w = (f[0] if di else 1 - f[0]) * (f[1] if dj else 1 - f[1]) * (f[2] if dk else 1 - f[2])
                i, j, k = (hi[0] if di else lo[0]), (hi[1] if dj else lo[1]), (hi[2] if dk else lo[2])
                out = out + w * voxels[k, j, i]
    return out


def project_points(view, points):
    """(columns, rows) of N×3 RAS points on a view; NaN for points behind the source."""
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    n = view.normal
    d = pts - view.source
    denom = d @ n
    t = np.where(denom < 0, ((view.detector_center - view.source) @ n) / np.where(denom < 0, denom, -1.0), np.nan)
    hit = view.source + t[:, None] * d - view.detector_center
    c = hit @ view.column_direction / view.pixel_spacing[0] + (view.columns - 1) / 2
    r = hit @ view.row_direction / view.pixel_spacing[1] + (view.rows - 1) / 2
    return c, r


def project_label(label, view, subdivide=2):
    """A uint8 mask [row, column] of the view's pixels hit by the label map's voxels > 0 (voxel centres, each voxel
    subdivided subdivide³ times so thin structures leave no holes): the overlay of a result on its radiograph."""
    k, j, i = np.nonzero(label.voxels > 0)
    mask = np.zeros((view.rows, view.columns), dtype=np.uint8)
    if i.size == 0:
        return mask
    offsets = (np.arange(subdivide) + 0.5) / subdivide - 0.5
    grid = np.stack(np.meshgrid(offsets, offsets, offsets, indexing="ij"), -1).reshape(-1, 3)
    ijk = (np.stack([i, j, k], -1)[:, None, :] + grid[None]).reshape(-1, 3)
    ras = ijk @ label.ijk_to_ras[:3, :3].T + label.ijk_to_ras[:3, 3]
    c, r = project_points(view, ras)
    ok = np.isfinite(c) & np.isfinite(r)
    c, r = np.rint(c[ok]).astype(int), np.rint(r[ok]).astype(int)
    inside = (c >= 0) & (c < view.columns) & (r >= 0) & (r < view.rows)
    mask[r[inside], c[inside]] = 1
    return mask
