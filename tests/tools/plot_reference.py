#!/usr/bin/python3
"""Independent checks of SlicerReg's PNG figures and evaluation report (Debian's python3-matplotlib, -numpy, -scipy).

PNGs are decoded by matplotlib.image.imread (Pillow), never by SlicerReg or SkiaSharp; chunk CRCs are checked with zlib.crc32.
Each command prints one JSON line.

  plot_reference.py decode PNG OUT.raw
      {"width", "height", "channels", "opaque", "chunks": [types], "crc_ok"}; OUT.raw gets the pixels as uint8 RGB,
      row-major; "opaque": no pixel has alpha below 255 (always true without an alpha channel).
  plot_reference.py decode_many OUT_DIR PNG [PNG ...]
      As decode for each PNG, pixels into OUT_DIR/<png file name>.raw: {"images": [{"png", "raw", "width", ...}, ...]}.
  plot_reference.py viridis T [T ...]
      matplotlib's viridis at each T in [0, 1], as 8-bit RGB: {"rgb": [[r, g, b], ...]}.
  plot_reference.py outline PNG MASK.raw COLS ROWS LEFT TOP SCALE R G B
      MASK.raw: float32 (COLS fastest). Mask = MASK > 0.5; boundary = mask & ~binary_erosion(mask, 4-connected cross,
      border_value=0). The image occupies [LEFT, LEFT+COLS*SCALE) x [TOP, TOP+ROWS*SCALE); a mask pixel is "coloured"
      when its whole SCALE x SCALE block has colour R G B.
      {"boundary", "coloured", "coloured_not_boundary", "boundary_not_coloured", "partial_blocks"}.
  plot_reference.py boxstats DATA.raw
      DATA.raw: float64 values, NaN dropped. matplotlib.cbook.boxplot_stats(whis=1.5) (numpy.percentile quartiles):
      {"q1", "median", "q3", "lower_whisker", "upper_whisker", "outliers": [sorted]}.
  plot_reference.py summary CASES.csv
      Per method and metric column (empty fields dropped): {method: {metric: {"n", "mean", "sd" (ddof=1), "median", "min", "max"}}}.
  plot_reference.py anglebins CASES.csv METHOD BIN_DEG
      Dice medians over half-open bins of AP offset (angle - 0) and lateral offset (angle - 90), edges at multiples of
      BIN_DEG from floor(min/BIN): {"ap_centres", "lateral_centres", "median": [[row = lateral bin][col = AP bin]] (null: empty)}.
"""
import csv
import json
import math
import struct
import sys
import zlib

import numpy as np


def read_png(path):
    import matplotlib.image as mpimg
    a = mpimg.imread(path)
    if a.dtype != np.uint8:
        a = np.round(a * 255).astype(np.uint8)
    return a


def chunks(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
    pos, types, ok = 8, [], True
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        ok = ok and (zlib.crc32(kind + body) & 0xFFFFFFFF) == crc
        types.append(kind.decode("ascii"))
        pos += 12 + length
    return types, ok


def decode(png, out):
    a = read_png(png)
    types, ok = chunks(png)
    a[..., :3].astype(np.uint8).tofile(out)
    opaque = a.shape[2] < 4 or bool((a[..., 3] == 255).all())
    return {"width": int(a.shape[1]), "height": int(a.shape[0]), "channels": int(a.shape[2]), "opaque": opaque,
            "chunks": types, "crc_ok": ok}


def decode_many(out_dir, *pngs):
    import os
    images = []
    for png in pngs:
        raw = os.path.join(out_dir, os.path.basename(png) + ".raw")
        images.append(dict(decode(png, raw), png=png, raw=raw))
    return {"images": images}


def viridis(*ts):
    from matplotlib import cm
    return {"rgb": [[int(round(v * 255)) for v in cm.viridis(float(t))[:3]] for t in ts]}


def outline(png, mask_path, cols, rows, left, top, scale, r, g, b):
    from scipy import ndimage
    cols, rows, left, top, scale = map(int, (cols, rows, left, top, scale))
    mask = np.fromfile(mask_path, dtype="<f4").reshape((rows, cols)) > 0.5
    cross = ndimage.generate_binary_structure(2, 1)
    boundary = mask & ~ndimage.binary_erosion(mask, structure=cross, border_value=0)
    a = read_png(png)[..., :3].astype(int)
    img = a[top:top + rows * scale, left:left + cols * scale]
    hit = (img[..., 0] == int(r)) & (img[..., 1] == int(g)) & (img[..., 2] == int(b))
    blocks = hit.reshape(rows, scale, cols, scale).sum(axis=(1, 3))
    coloured = blocks == scale * scale
    partial = (blocks > 0) & ~coloured
    return {"boundary": int(boundary.sum()), "coloured": int(coloured.sum()),
            "coloured_not_boundary": int((coloured & ~boundary).sum()),
            "boundary_not_coloured": int((boundary & ~coloured).sum()), "partial_blocks": int(partial.sum())}


def boxstats(path):
    from matplotlib import cbook
    x = np.fromfile(path, dtype="<f8")
    x = x[np.isfinite(x)]
    s = cbook.boxplot_stats(x, whis=1.5)[0]
    return {"q1": float(s["q1"]), "median": float(s["med"]), "q3": float(s["q3"]),
            "lower_whisker": float(s["whislo"]), "upper_whisker": float(s["whishi"]),
            "outliers": sorted(float(v) for v in s["fliers"]),
            "numpy_q1": float(np.percentile(x, 25)), "numpy_q3": float(np.percentile(x, 75))}


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def summary(path):
    rows = rows_of(path)
    metrics = [k for k in rows[0].keys() if k not in ("case", "method", "ap_primary_angle_deg", "lateral_primary_angle_deg")]
    out = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        out[method] = {}
        for m in metrics:
            v = np.array([float(r[m]) for r in rows if r["method"] == method and r[m] != ""])
            out[method][m] = {"n": int(v.size),
                              "mean": float(np.mean(v)) if v.size else None,
                              "sd": (float(np.std(v, ddof=1)) if v.size > 1 else 0.0) if v.size else None,
                              "median": float(np.median(v)) if v.size else None,
                              "min": float(np.min(v)) if v.size else None, "max": float(np.max(v)) if v.size else None}
    return out


def anglebins(path, method, bin_deg):
    bin_deg = float(bin_deg)
    rows = [r for r in rows_of(path) if r["method"] == method]
    ap = np.array([float(r["ap_primary_angle_deg"]) - 0.0 for r in rows])
    lat = np.array([float(r["lateral_primary_angle_deg"]) - 90.0 for r in rows])
    dice = np.array([float(r["dice"]) if r["dice"] != "" else np.nan for r in rows])

    def edges(x):
        low = math.floor(x.min() / bin_deg + 1e-9) * bin_deg
        idx = np.floor((x - low) / bin_deg + 1e-9).astype(int)
        return low, idx, int(idx.max()) + 1

    ap_low, ap_i, ap_n = edges(ap)
    lat_low, lat_i, lat_n = edges(lat)
    med = [[None] * ap_n for _ in range(lat_n)]
    for r in range(lat_n):
        for c in range(ap_n):
            v = dice[(lat_i == r) & (ap_i == c)]
            v = v[np.isfinite(v)]
            if v.size:
                med[r][c] = float(np.median(v))
    return {"ap_centres": [ap_low + (n + 0.5) * bin_deg for n in range(ap_n)],
            "lateral_centres": [lat_low + (n + 0.5) * bin_deg for n in range(lat_n)], "median": med}


if __name__ == "__main__":
    print(json.dumps(globals()[sys.argv[1]](*sys.argv[2:])))
