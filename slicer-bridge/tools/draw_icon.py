#!/usr/bin/python3
"""Draws SlicerReg/Resources/Icons/SlicerReg.png (128×128): a femur between two radiograph panels.
Regenerate with `/usr/bin/python3 slicer-bridge/tools/draw_icon.py` (Debian's python3-matplotlib)."""
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse, FancyBboxPatch, Rectangle

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "SlicerReg", "Resources", "Icons", "SlicerReg.png")
fig = plt.figure(figsize=(1.28, 1.28), dpi=100)
ax = fig.add_axes([0, 0, 1, 1])
ax.set_xlim(0, 128)
ax.set_ylim(0, 128)
ax.axis("off")
ax.add_patch(FancyBboxPatch((4, 4), 120, 120, boxstyle="round,pad=0,rounding_size=18", color="#1f3b5a"))
ax.add_patch(Rectangle((12, 22), 28, 84, color="#0b0b0b", ec="#9ec9ff", lw=1.5))   # AP radiograph
ax.add_patch(Rectangle((88, 22), 28, 84, color="#0b0b0b", ec="#9ec9ff", lw=1.5))   # lateral radiograph
ax.plot([26, 26], [34, 94], color="#d8d8d8", lw=3, alpha=0.7)                      # femur shadows
ax.plot([102, 102], [34, 94], color="#d8d8d8", lw=3, alpha=0.7)
bone = "#f3ead2"
ax.add_patch(Rectangle((59, 36), 10, 58, color=bone))                              # shaft
ax.add_patch(Ellipse((58, 100), 18, 16, color=bone))                               # head
ax.add_patch(Ellipse((56, 32), 16, 12, color=bone))                                # condyles
ax.add_patch(Ellipse((72, 32), 16, 12, color=bone))
ax.annotate("", xy=(84, 64), xytext=(44, 64), arrowprops=dict(arrowstyle="<->", color="#ffb000", lw=2))
fig.savefig(out, dpi=100, transparent=True)
print("wrote", os.path.normpath(out))
