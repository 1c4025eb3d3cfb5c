#!/usr/bin/python3
"""Draws docs/images/geometry.png: the SlicerReg X-ray view convention (docs/geometry.md).

Run with Debian's python3 (needs python3-matplotlib): /usr/bin/python3 docs/tools/draw_geometry.py
The C-arm formulas are re-implemented here from the text of docs/geometry.md (not read from the C# code), so the picture
is a second, independent statement of the convention.
"""
import os
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse, FancyArrowPatch, Arc

SDD, SOD = 1000.0, 925.0


def rig(primary_deg, secondary_deg):
    """Source direction n, column and row directions (RAS) for the C-arm angles: R = Rz(primary) * Rx(secondary)."""
    p, s = np.radians(primary_deg), np.radians(secondary_deg)
    rz = np.array([[np.cos(p), -np.sin(p), 0], [np.sin(p), np.cos(p), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(s), -np.sin(s)], [0, np.sin(s), np.cos(s)]])
    r = rz @ rx
    return r @ [0, 1, 0], r @ [-1, 0, 0], r @ [0, 0, -1]


def arrow(ax, a, b, color, text=None, offset=(0, 0), **kw):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, color=color, lw=2, **kw))
    if text:
        ax.annotate(text, b, xytext=offset, textcoords="offset points", color=color, fontsize=9, ha="center", va="center")


# Drawing scale: distances are compressed (source at 0.925 -> 3.2 units) so patient and rig fit one panel.
def squash(d):
    return 3.2 * d / SOD


fig, axes = plt.subplots(1, 3, figsize=(16.5, 6.0))

# ---- panel 1: axial, seen from above the head (+S toward the viewer): x = patient Right to the right, y = Anterior up.
ax = axes[0]
ax.set_title("Primary angle: about the superior axis\n(seen from above the head, +S toward you)", fontsize=11)
ax.add_patch(Ellipse((0, 0), 2.2, 1.5, fc="#f3dcc8", ec="#a0785a"))
ax.text(0, 0.1, "patient", ha="center", fontsize=10)
ax.text(0, -0.25, "(supine, axial section)", ha="center", fontsize=8)
ax.text(1.25, 0, "R", fontsize=12, weight="bold", va="center")
ax.text(-1.45, 0, "L", fontsize=12, weight="bold", va="center")
ax.text(0, 0.9, "A", fontsize=12, weight="bold", ha="center")
ax.text(0, -1.05, "P", fontsize=12, weight="bold", ha="center")
for primary, color, label in [(0, "tab:red", "primary 0° (AP):\nsource anterior"), (90, "tab:blue", "+90°: source at\npatient's LEFT (−x)"),
                              (37, "tab:green", "+37°")]:
    n, col, row = rig(primary, 0)
    src = squash(SOD) * n[:2]
    det = -squash(SDD - SOD) * 6.5 * n[:2]  # detector drawn further out than to scale, to be visible
    ax.plot(*src, "o", color=color, ms=10)
    ax.annotate(label, src, xytext=(0, 22 if primary != 90 else -28), textcoords="offset points", ha="center", color=color, fontsize=9)
    ax.plot([src[0], det[0]], [src[1], det[1]], color=color, lw=0.8, ls="--")
    half = 0.9 * col[:2]
    ax.plot([det[0] - half[0], det[0] + half[0]], [det[1] - half[1], det[1] + half[1]], color=color, lw=5, solid_capstyle="butt")
    arrow(ax, tuple(det), tuple(det + 0.9 * col[:2]), color, "columns" if primary == 0 else None, offset=(0, -12))
ax.add_patch(Arc((0, 0), 4.2, 4.2, theta1=95, theta2=170, color="k", lw=1.5))
arrow(ax, (-1.2, 1.75), (-1.85, 1.0), "k", "+primary", offset=(-30, 12))
arrow(ax, (2.6, -3.2), (3.3, -3.2), "gray", "+x (R)", offset=(0, 9))
arrow(ax, (2.6, -3.2), (2.6, -2.5), "gray", "+y (A)", offset=(0, 9))
ax.text(0, -3.0, "detector (bar) with its column direction;\nat 0° columns run toward the patient's LEFT", ha="center", fontsize=8, color="tab:red")
ax.set_xlim(-3.6, 3.6); ax.set_ylim(-3.6, 4.0); ax.set_aspect("equal"); ax.axis("off")

# ---- panel 2: sagittal, seen from the patient's right (+R toward the viewer): y = Anterior to the right, z = Superior up.
ax = axes[1]
ax.set_title("Secondary angle: cranial/caudal tilt\n(seen from the patient's right, +R toward you)", fontsize=11)
ax.add_patch(Ellipse((0, 0), 1.4, 3.2, fc="#f3dcc8", ec="#a0785a"))
ax.text(0, 1.75, "S (head)", ha="center", fontsize=10, weight="bold")
ax.text(0, -1.95, "I (feet)", ha="center", fontsize=10, weight="bold")
ax.text(0.85, 0, "A", fontsize=12, weight="bold")
ax.text(-1.05, 0, "P", fontsize=12, weight="bold")
for secondary, color, label in [(0, "tab:red", "secondary 0°"), (25, "tab:purple", "+25°: source toward\nCRANIAL (+S)")]:
    n, col, row = rig(0, secondary)
    src = squash(SOD) * np.array([n[1], n[2]])
    det = -squash(SDD - SOD) * 6.5 * np.array([n[1], n[2]])
    ax.plot(*src, "o", color=color, ms=10)
    ax.annotate(label, src, xytext=(0, 18), textcoords="offset points", ha="center", color=color, fontsize=9)
    ax.plot([src[0], det[0]], [src[1], det[1]], color=color, lw=0.8, ls="--")
    r2 = np.array([row[1], row[2]])
    ax.plot([det[0] - 1.2 * r2[0], det[0] + 1.2 * r2[0]], [det[1] - 1.2 * r2[1], det[1] + 1.2 * r2[1]], color=color, lw=5, solid_capstyle="butt")
    arrow(ax, tuple(det), tuple(det + 1.1 * r2), color, "rows" if secondary == 0 else None, offset=(-16, 0))
ax.text(-2.0, -3.3, "rows run toward INFERIOR", fontsize=8, color="tab:red", ha="center")
arrow(ax, (2.3, -3.2), (3.0, -3.2), "gray", "+y (A)", offset=(0, 9))
arrow(ax, (2.3, -3.2), (2.3, -2.5), "gray", "+z (S)", offset=(0, 9))
ax.set_xlim(-3.6, 3.8); ax.set_ylim(-3.6, 4.0); ax.set_aspect("equal"); ax.axis("off")

# ---- panel 3: the detector image as displayed (AP, radiological display).
ax = axes[2]
ax.set_title("The image as displayed (AP, primary 0°)\nradiological display: patient's right on your left", fontsize=11)
C, R = 8, 11
for c in range(C + 1):
    ax.plot([c - 0.5, c - 0.5], [-0.5, R - 0.5], color="#cccccc", lw=0.7)
for r in range(R + 1):
    ax.plot([-0.5, C - 0.5], [r - 0.5, r - 0.5], color="#cccccc", lw=0.7)
ax.plot(0, 0, "s", color="k", ms=7)
ax.annotate("pixel (0, 0): top left", (0, 0), xytext=(-5, 14), textcoords="offset points", fontsize=9)
cc, rc = (C - 1) / 2, (R - 1) / 2
ax.plot(cc, rc, "+", color="k", ms=14, mew=2)
ax.annotate("detectorCenter\n((C−1)/2, (R−1)/2)", (cc, rc), xytext=(24, -4), textcoords="offset points", fontsize=8)
ax.plot(cc + 1.3, rc - 1.6, "x", color="tab:orange", ms=10, mew=2)
ax.annotate("principal point\n(foot of the source)\n= centre + offset", (cc + 1.3, rc - 1.6), xytext=(8, 8), textcoords="offset points", fontsize=8, color="tab:orange")
arrow(ax, (-0.5, -1.4), (C - 0.5, -1.4), "tab:red", "column c → patient's LEFT (−R)", offset=(-90, 10))
arrow(ax, (-1.4, -0.5), (-1.4, R - 0.5), "tab:blue")
ax.text(-1.9, rc, "row r → INFERIOR (−S)", color="tab:blue", fontsize=9, rotation=-90, ha="center", va="center")
ax.text(cc, R + 0.6, "pixel centre(c, r) = detectorCenter + (c − (C−1)/2)·colMm·columnDirection\n"
        "                         + (r − (R−1)/2)·rowMm·rowDirection", ha="center", fontsize=8.5, family="monospace")
ax.text(-0.8, rc, "R", fontsize=13, weight="bold", ha="right", va="center")
ax.text(C, rc, "L", fontsize=13, weight="bold", ha="left", va="center")
ax.set_xlim(-3.2, C + 1.5); ax.set_ylim(R + 2.0, -2.6); ax.set_aspect("equal"); ax.axis("off")

fig.suptitle("SlicerReg X-ray view convention (patient RAS mm; SDD 1000 mm, SOD 925 mm by default; distances not to scale)", fontsize=12)
fig.tight_layout()
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "images", "geometry.png")
fig.savefig(out, dpi=100)
print("wrote", os.path.normpath(out))

# Self-check of the convention drawn above (the C# tests check the same statements against rendered DRRs).
n, col, row = rig(90, 0)
assert n[0] < -0.99, "primary +90 must put the source at the patient's left (−x)"
n, col, row = rig(0, 25)
assert n[2] > 0, "+secondary tilts the source toward cranial"
n, col, row = rig(0, 0)
assert np.allclose(n, [0, 1, 0]) and np.allclose(col, [-1, 0, 0]) and np.allclose(row, [0, 0, -1])
