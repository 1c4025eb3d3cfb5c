#!/usr/bin/python3
"""Figures for docs/population.md from files the slicerreg CLI writes (run with /usr/bin/python3: numpy + matplotlib).

Make the inputs first (from the repository root, CLI = dotnet backend/SlicerReg.Cli/bin/Release/net10.0/linux-x64/slicerreg.dll):
  $CLI simulate --out /tmp/popfig --count 3 --seed 2026 --views orthogonal --preset standard --quiet
  $CLI drr --ct atlas/standard/femur_atlas.nrrd --label atlas/standard/femur_atlas_label.nrrd --label-value 1 \
       --view /tmp/popfig/subject_0000/ap_view.json --out /tmp/popfig/atlas_ap_drr.nrrd --mask-out /tmp/popfig/atlas_ap_mask.nrrd
  (the same with lateral_view.json -> atlas_lateral_*.nrrd)
then:
  /usr/bin/python3 docs/tools/population_figures.py /tmp/popfig atlas/standard docs/images
"""
import gzip
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

TYPES = {"int16": np.int16, "short": np.int16, "uint8": np.uint8, "uchar": np.uint8, "unsigned char": np.uint8,
         "float": np.float32, "double": np.float64}


def read_nrrd(path):
    """Minimal reader for the attached-header NRRD files slicerreg writes (raw or gzip, little endian)."""
    with open(path, "rb") as f:
        data = f.read()
    end = data.index(b"\n\n")
    fields = {}
    for line in data[:end].decode("latin-1").splitlines()[1:]:
        if line.startswith("#") or ":" not in line:
            continue
        key, value = line.split(":", 1)
        fields[key.strip()] = value.lstrip("=").strip()
    payload = data[end + 2:]
    if fields.get("encoding") in ("gzip", "gz"):
        payload = gzip.decompress(payload)
    sizes = [int(s) for s in fields["sizes"].split()]
    array = np.frombuffer(payload, dtype=np.dtype(TYPES[fields["type"]]).newbyteorder("<"))
    return array.reshape(sizes[::-1])  # (k, j, i)


def show_drr(ax, drr, mask, title):
    ax.imshow(drr, cmap="gray", interpolation="nearest")
    ax.contour(mask, levels=[0.5], colors="orange", linewidths=0.6)
    ax.set_title(title, fontsize=8)
    ax.axis("off")


def main(dataset, atlas, out):
    ct = read_nrrd(os.path.join(atlas, "femur_atlas.nrrd"))
    label = read_nrrd(os.path.join(atlas, "femur_atlas_label.nrrd"))
    nk, nj, ni = ct.shape
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.6))
    # Radiological display: patient's right on the viewer's left, superior up.
    views = [("coronal (y = head centre)", ct[::-1, nj // 2, ::-1], label[::-1, nj // 2, ::-1], (2.0, 1.328)),
             ("sagittal through the head", ct[::-1, :, ni // 2 - 9], label[::-1, :, ni // 2 - 9], (2.0, 1.328)),
             ("axial (z = head centre)", ct[75, ::-1, ::-1], label[75, ::-1, ::-1], (1.328, 1.328))]
    for ax, (title, img, lab, (sy, sx)) in zip(axes, views):
        ax.imshow(img, cmap="gray", vmin=-300, vmax=1600, aspect=sy / sx, interpolation="nearest")
        ax.contour(lab == 1, levels=[0.5], colors="orange", linewidths=0.7)
        ax.contour(lab == 2, levels=[0.5], colors="deepskyblue", linewidths=0.5)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
    fig.suptitle("standard atlas: CT (HU −300..1600), femur (orange) and pelvis (blue) label outlines", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "population_atlas_slices.png"), dpi=90)
    plt.close(fig)

    rows = [("atlas", os.path.join(dataset, "atlas_{v}_drr.nrrd"), os.path.join(dataset, "atlas_{v}_mask.nrrd"))]
    for n in range(3):
        sub = os.path.join(dataset, f"subject_{n:04d}")
        rows.append((f"subject_{n:04d}", os.path.join(sub, "{v}_drr.nrrd"), os.path.join(sub, "{v}_mask.nrrd")))
    fig, axes = plt.subplots(2, 4, figsize=(8, 6.2))
    for c, (name, drr_path, mask_path) in enumerate(rows):
        for r, v in enumerate(["ap", "lateral"]):
            drr = read_nrrd(drr_path.format(v=v))[0]
            mask = read_nrrd(mask_path.format(v=v))[0]
            show_drr(axes[r, c], drr, mask, f"{name} {v}")
    fig.suptitle("DRRs (line integrals) with the projected femur mask outline (orange)", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "population_drrs.png"), dpi=80)
    plt.close(fig)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
