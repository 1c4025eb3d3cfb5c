#!/usr/bin/python3
"""Independent reference values for SlicerReg's evaluation metrics (Debian's python3-numpy, -scipy, -skimage).

Volumes are passed as raw little-endian files, index i fastest (numpy shape (K, J, I)).

  metrics_reference.py surface REF.raw TEST.raw I J K SX SY SZ [BORDER_VALUE]
      REF/TEST: uint8 masks (nonzero = foreground); SX SY SZ: spacing (mm) along i, j, k;
      BORDER_VALUE: binary_erosion's border_value (0, MONAI's default: grid faces are surface; 1: they are not).
      Prints JSON with the surface-distance definitions of MONAI's compute_average_surface_distance(symmetric=True)
      and compute_hausdorff_distance(percentile=95), written here directly on scipy:
        edges = mask XOR binary_erosion(mask)        (6-connected cross, border_value=0: outside is background)
        d(A->B) = distance_transform_edt(~edges_B, sampling=spacing)[edges_A]
        assd = mean(concat(d(R->T), d(T->R))), hd95 = max(percentile95 of each direction), hausdorff = max
      plus dice and jaccard from numpy counts.

  metrics_reference.py ssim X.raw Y.raw I J K DATA_RANGE [uniform|gaussian] [sample|population]
      X/Y: float64. Prints JSON {"ssim": skimage.metrics.structural_similarity(X, Y, data_range=DATA_RANGE, ...)}
      with its defaults (win_size 7, uniform) or gaussian_weights=True (sigma 1.5); sample|population sets
      use_sample_covariance.
"""
import json
import sys

import numpy as np


def load(path, dtype, shape):
    i, j, k = shape
    return np.fromfile(path, dtype=np.dtype(dtype).newbyteorder("<")).reshape((k, j, i))


def surface(ref_path, test_path, i, j, k, sx, sy, sz, border_value="0"):
    from scipy import ndimage
    shape = (int(i), int(j), int(k))
    sampling = (float(sz), float(sy), float(sx))   # numpy axes are (k, j, i)
    ref = load(ref_path, np.uint8, shape) > 0
    test = load(test_path, np.uint8, shape) > 0
    inter = int(np.logical_and(ref, test).sum())
    nr, nt = int(ref.sum()), int(test.sum())
    out = {"reference_voxels": nr, "test_voxels": nt, "intersection_voxels": inter,
           "dice": 2.0 * inter / (nr + nt) if nr + nt else None,
           "jaccard": inter / (nr + nt - inter) if nr + nt - inter else None}
    er = ref ^ ndimage.binary_erosion(ref, border_value=int(border_value))
    et = test ^ ndimage.binary_erosion(test, border_value=int(border_value))
    out["reference_surface_voxels"] = int(er.sum())
    out["test_surface_voxels"] = int(et.sum())
    if er.any() and et.any():
        d_rt = ndimage.distance_transform_edt(~et, sampling=sampling)[er]
        d_tr = ndimage.distance_transform_edt(~er, sampling=sampling)[et]
        out["assd"] = float(np.concatenate([d_rt, d_tr]).mean())
        out["hd95"] = float(max(np.percentile(d_rt, 95), np.percentile(d_tr, 95)))
        out["hausdorff"] = float(max(d_rt.max(), d_tr.max()))
        out["mean_reference_to_test"] = float(d_rt.mean())
        out["mean_test_to_reference"] = float(d_tr.mean())
    print(json.dumps(out))


def ssim(x_path, y_path, i, j, k, data_range, window="uniform", covariance="sample"):
    from skimage.metrics import structural_similarity
    shape = (int(i), int(j), int(k))
    x = load(x_path, np.float64, shape)
    y = load(y_path, np.float64, shape)
    kwargs = {"data_range": float(data_range), "use_sample_covariance": covariance == "sample"}
    if window == "gaussian":
        kwargs.update(gaussian_weights=True, sigma=1.5)
    print(json.dumps({"ssim": float(structural_similarity(x, y, **kwargs))}))


if __name__ == "__main__":
    commands = {"surface": surface, "ssim": ssim}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
