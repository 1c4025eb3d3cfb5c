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
