#!/usr/bin/python3
"""The extension as Slicer gets it, without Slicer: installed into a temporary folder with the layout of its CMake
install (slicerMacroBuildScriptedModule: only the listed scripts and resources, in qt-scripted-modules/, plus the protos
copied into SlicerRegLib/protos), that folder put on the module path as the Extension Wizard's "Select Extension" does,
then imported by a fresh Debian python3 with real VTK and neither slicer nor qt (blocked, so a stray import fails here
as it would in a broken install). The logic — every SlicerRegLib module — must import and run from there; what cannot be
imported without Slicer is listed and must be exactly the module file. And the first-use pip install: progress, and a
clear message when pip fails (a real pip, offline)."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import bridge_support as bs

SLICER_ONLY = {"SlicerReg": "qt"}  # module → the first Slicer module it imports; everything else must import without Slicer

PROBE = r'''
import importlib, importlib.abc, json, os, sys
install, tests = sys.argv[1], sys.argv[2]

class NoSlicer(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("slicer", "qt", "ctk", "slicer_python"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoSlicer())
sys.path.insert(0, install)
out = {"imported": [], "failed": {}}
modules = [m for m in json.loads(sys.argv[3])]
for name in modules:
    try:
        importlib.import_module(name)
        out["imported"].append(name)
    except ModuleNotFoundError as e:
        out["failed"][name] = e.name
import SlicerRegLib, SlicerRegLib.protocol as protocol
out["lib"] = os.path.dirname(SlicerRegLib.__file__)
out["protos"] = protocol.proto_dir()
out["stubs"] = sorted(protocol.stubs())
# The logic with real VTK: a small result into the recording scene, its grid transform applied.
import numpy as np, vtk
sys.path.insert(0, tests)
import recording_scene
from SlicerRegLib.client import RegistrationResult
from SlicerRegLib.results import load_results
from SlicerRegLib.volumes import Volume
m = np.diag([2.0, 2.0, 2.0, 1.0]); m[:3, 3] = [-5, -4, -3]
u = np.zeros((4, 5, 6, 3), np.float32); u[..., 0] = 1.5
result = RegistrationResult("job", "test", {"warped_atlas": Volume(np.ones((4, 5, 6), np.int16), m),
                                            "displacement_field": Volume(u, m, "displacement_field")}, np.eye(4), "", 0.0)
scene = recording_scene.RecordingScene()
nodes = load_results(result, scene).nodes
out["nodes"] = sorted(nodes)
out["mapped"] = list(nodes["displacement_field"].GetTransformFromParent().TransformPoint(0.0, 0.0, 0.0))
out["vtk"] = vtk.vtkVersion.GetVTKVersion()
out["slicer_loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in ("slicer", "qt", "ctk"))
print(json.dumps(out))
'''


def cmake_list(text, variable):
    body = re.search(r"set\(" + variable + r"\s+(.*?)\)", text, re.S).group(1)
    return [line.strip().replace("${MODULE_NAME}", "SlicerReg") for line in body.splitlines() if line.strip()]


class BridgeInstallTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = bs.temp_dir("install-")
        with open(os.path.join(bs.BRIDGE, "CMakeLists.txt")) as f:
            cmake = f.read()
        cls.scripts = cmake_list(cmake, "MODULE_PYTHON_SCRIPTS")
        resources = cmake_list(cmake, "MODULE_PYTHON_RESOURCES")
        cls.install = os.path.join(cls.dir, "lib", "Slicer-5.8", "qt-scripted-modules")
        for rel in cls.scripts + resources:
            os.makedirs(os.path.dirname(os.path.join(cls.install, rel)), exist_ok=True)
            shutil.copy(os.path.join(bs.BRIDGE, rel), os.path.join(cls.install, rel))
        self_protos = os.path.join(cls.install, "SlicerRegLib", "protos", "slicerreg", "v1")
        os.makedirs(self_protos)
        for name in os.listdir(os.path.join(bs.ROOT, "protos", "slicerreg", "v1")):
            if name.endswith(".proto"):
                shutil.copy(os.path.join(bs.ROOT, "protos", "slicerreg", "v1", name), self_protos)

    def test_the_installed_logic_imports_and_runs_with_real_vtk_and_without_slicer(self):
        modules = [rel[:-3].replace("/", ".") for rel in self.scripts]
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SLICERREG_PROTOS")}
        env["SLICERREG_STUB_CACHE"] = os.path.join(self.dir, "stubs")
        done = subprocess.run([sys.executable, "-s", "-c", PROBE, self.install, os.path.dirname(__file__), json.dumps(modules)],
                              capture_output=True, text=True, timeout=120, cwd=self.dir, env=env)
        self.assertEqual(done.returncode, 0, done.stderr)
        out = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"\n  installed {len(self.scripts)} scripts; without Slicer: {len(out['imported'])} import, "
              f"not importable: {out['failed']} (VTK {out['vtk']})", end=" ")
        self.assertEqual(out["failed"], SLICER_ONLY)
        self.assertEqual(sorted(out["imported"]), sorted(set(modules) - set(SLICER_ONLY)))
        self.assertIn("SlicerRegLib.results", out["imported"])
        self.assertIn("SlicerRegLib.vtkobjects", out["imported"])
        self.assertEqual(out["slicer_loaded"], [])
        self.assertEqual(out["lib"], os.path.join(self.install, "SlicerRegLib"), "the installed copy, not the source tree")
        self.assertEqual(out["protos"], os.path.join(self.install, "SlicerRegLib", "protos"))
        self.assertIn("registration_pb2_grpc", out["stubs"])
        self.assertEqual(out["nodes"], ["affine", "displacement_field", "warped_atlas"])
        self.assertEqual(out["mapped"], [1.5, 0.0, 0.0])
        # The Slicer-only file is at least valid Python.
        with open(os.path.join(self.install, "SlicerReg.py")) as f:
            compile(f.read(), "SlicerReg.py", "exec")

    def test_first_use_install_reports_progress_and_a_clear_failure(self):
        """slicer.util.pip_install runs `python -m pip install` and raises CalledProcessError when it fails: here the same
        with a real pip that cannot reach any index."""
        import SlicerRegLib
        target = os.path.join(self.dir, "site")
        env = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_FIND_LINKS="", PIP_DISABLE_PIP_VERSION_CHECK="1")

        def pip_install(requirements):
            subprocess.run([sys.executable, "-m", "pip", "install", "--target", target] + requirements.split(),
                           check=True, capture_output=True, text=True, env=env, timeout=120)
        seen = []
        with self.assertRaises(SlicerRegLib.DependencyInstallError) as ctx:
            SlicerRegLib.install_dependencies(pip_install, lambda *a: seen.append(a), missing=["grpcio", "protobuf"])
        message = str(ctx.exception)
        self.assertEqual(seen, [(0, 2, "installing grpcio with pip (1 of 2)")])
        self.assertIn("pip could not install grpcio (CalledProcessError", message)
        self.assertIn("No matching distribution found for grpcio", message)  # pip's own words
        self.assertIn("HTTPS_PROXY", message)
        self.assertIn("slicer.util.pip_install('grpcio protobuf')", message)
        self.assertFalse(os.path.exists(os.path.join(target, "grpc")))
        # Nothing missing: nothing to run, progress says done.
        seen.clear()
        SlicerRegLib.install_dependencies(lambda r: self.fail("pip ran"), lambda *a: seen.append(a), missing=[])
        self.assertEqual(seen, [(0, 0, "dependencies installed")])


if __name__ == "__main__":
    unittest.main()
