"""The parts of putting results into a Slicer scene that need no Slicer: grid-transform geometry of a displacement
field, the pull-back warp of a point, and a projection overlay of a label map onto a radiograph."""
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


def project_label(label, view, samples_per_voxel=2.0):
    """A uint8 mask [row, column]: 1 where the ray from the source to the pixel centre crosses a voxel > 0 of the label
    map (nearest-voxel samples along the ray, samples_per_voxel per voxel step inside the grid's box). The overlay of a
    result on its radiograph; `slicerreg drr --mask-out` traces the same rays exactly."""
    inside = np.asarray(label.voxels) > 0
    mask = np.zeros((view.rows, view.columns), dtype=np.uint8)
    if not inside.any():
        return mask
    shape = np.array([inside.shape[2], inside.shape[1], inside.shape[0]], dtype=float)  # (I, J, K)
    ras_to_ijk = np.linalg.inv(label.ijk_to_ras)
    source = (ras_to_ijk @ np.append(view.source, 1.0))[:3]
    cc, rr = np.meshgrid(np.arange(view.columns), np.arange(view.rows))
    pixels = np.stack([cc.ravel(), rr.ravel()], -1)
    ends = np.array([view.pixel_center(c, r) for c, r in [(0, 0), (1, 0), (0, 1)]])
    ends = ends @ ras_to_ijk[:3, :3].T + ras_to_ijk[:3, 3]
    target = ends[0] + pixels[:, :1] * (ends[1] - ends[0]) + pixels[:, 1:] * (ends[2] - ends[0])  # affine: exact
    d = target - source
    with np.errstate(divide="ignore", invalid="ignore"):  # slab test against the box [-0.5, n-0.5] in index space
        t1, t2 = (-0.5 - source) / d, (shape - 0.5 - source) / d
    t_near = np.nanmax(np.where(np.isfinite(t1), np.minimum(t1, t2), -np.inf), axis=1)
    t_far = np.nanmin(np.where(np.isfinite(t1), np.maximum(t1, t2), np.inf), axis=1)
    hit = t_far > np.maximum(t_near, 0)
    flat = mask.reshape(-1)
    idx = np.nonzero(hit)[0]
    for block in np.array_split(idx, max(1, idx.size // 4096)):
        t0, t1b = np.maximum(t_near[block], 0), t_far[block]
        length = (t1b - t0) * np.linalg.norm(d[block], axis=1)  # chord in voxel units
        n = int(np.ceil(length.max() * samples_per_voxel)) + 1
        u = (np.arange(n) + 0.5) / n
        t = t0[:, None] + (t1b - t0)[:, None] * u[None, :]
        p = np.rint(source + t[..., None] * d[block][:, None, :]).astype(int)
        np.clip(p, 0, shape.astype(int) - 1, out=p)
        flat[block] = inside[p[..., 2], p[..., 1], p[..., 0]].any(axis=1)
    return mask
