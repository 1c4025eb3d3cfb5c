"""Overlap of two label maps on the same grid (for the batch example's metrics)."""
import numpy as np


def dice(a, b, label=None):
    """Dice = 2|A∩B| / (|A| + |B|) of the voxels > 0 (or == label); 1.0 when both are empty."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"dice: label maps differ in shape {a.shape} vs {b.shape} (resample one onto the other's grid first)")
    ma, mb = (a > 0, b > 0) if label is None else (a == label, b == label)
    total = int(ma.sum()) + int(mb.sum())
    return 1.0 if total == 0 else 2.0 * int((ma & mb).sum()) / total


def resample_nearest(volume, onto_ijk_to_ras, onto_shape_kji):
    """The voxels of volume sampled (nearest voxel, 0 outside) at the voxel centres of another grid
    (IJK→RAS onto_ijk_to_ras, array shape onto_shape_kji = (K, J, I)): to compare a label map given on another grid."""
    k, j, i = np.meshgrid(*(np.arange(n) for n in onto_shape_kji), indexing="ij")
    ijk1 = np.stack([i.ravel(), j.ravel(), k.ravel(), np.ones(i.size)])
    src = np.rint((np.linalg.inv(volume.ijk_to_ras) @ onto_ijk_to_ras @ ijk1)[:3]).astype(int)
    shape = np.array(volume.voxels.shape[2::-1])[:, None]
    ok = np.all((src >= 0) & (src < shape), axis=0)
    out = np.zeros(i.size, dtype=volume.voxels.dtype)
    out[ok] = volume.voxels[src[2, ok], src[1, ok], src[0, ok]]
    return out.reshape(onto_shape_kji)
