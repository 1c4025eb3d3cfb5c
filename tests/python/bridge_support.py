"""Shared by tests/python/test_bridge_*.py: SlicerRegLib on sys.path (stubs cached in a per-run temp folder), the
built `slicerreg` (DLL) for CLI calls and local daemons, and small tiny-atlas inputs."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.environ.get("CONFIGURATION", "Release")
DLL = os.environ.get("SLICERREG_DLL", os.path.join(ROOT, "backend", "SlicerReg.Cli", "bin", CONFIG, "net10.0", "linux-x64", "slicerreg.dll"))
ATLAS = os.path.join(ROOT, "atlas", "tiny", "femur_atlas.nrrd")
ATLAS_LABELS = os.path.join(ROOT, "atlas", "tiny", "femur_atlas_label.nrrd")
BRIDGE = os.path.join(ROOT, "slicer-bridge", "SlicerReg")

_tmp = tempfile.mkdtemp(prefix="slicerreg-bridge-tests-")
atexit.register(shutil.rmtree, _tmp, True)
os.environ.setdefault("SLICERREG_STUB_CACHE", os.path.join(_tmp, "stubs"))
os.environ["SLICERREG"] = DLL  # LocalDaemon runs `dotnet slicerreg.dll serve ...`
if BRIDGE not in sys.path:
    sys.path.insert(0, BRIDGE)


def require_cli():
    if not os.path.exists(DLL):
        raise unittest.SkipTest(f"{DLL} not built")


def cli(*args, check=True):
    """Runs the C# command line; returns the CompletedProcess (text)."""
    done = subprocess.run(["dotnet", DLL] + [str(a) for a in args], capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"slicerreg {' '.join(map(str, args))} failed ({done.returncode}): {done.stderr}")
    return done


def temp_dir(prefix):
    return tempfile.mkdtemp(prefix=prefix, dir=_tmp)


def cli_view(view_arg, ct, folder, name):
    """The canonical view the C# CLI reads from VIEW (a file or preset), taken from the metadata of a DRR it renders."""
    from SlicerRegLib import nrrd, views
    out = os.path.join(folder, name + ".nrrd")
    cli("drr", "--ct", ct, "--view", view_arg, "--out", out)
    volume = nrrd.read(out)
    return views.parse_view(json.loads(volume.metadata["slicerreg_view"]), out), volume


def drr_pair(folder):
    """AP and lateral DRRs of the tiny atlas rendered by the C# CLI into FOLDER/ap.nrrd and FOLDER/lat.nrrd; their paths."""
    ap, lat = os.path.join(folder, "ap.nrrd"), os.path.join(folder, "lat.nrrd")
    cli("drr", "--ct", ATLAS, "--view", "ap", "--out", ap)
    cli("drr", "--ct", ATLAS, "--view", "lateral", "--out", lat)
    return ap, lat
