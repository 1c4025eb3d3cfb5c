#!/usr/bin/python3
"""The batch example (slicer-bridge/examples/register_folder.py) with plain python: it starts a local daemon, registers
every case of a folder, writes results and metrics.csv with the Dice against each case's ground-truth label (computed
here independently with numpy), and records a broken case without stopping."""
import csv
import json
import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

import bridge_support as bs
from SlicerRegLib import nrrd

SCRIPT = os.path.join(bs.ROOT, "slicer-bridge", "examples", "register_folder.py")


class BridgeBatchTests(unittest.TestCase):
    def test_register_folder(self):
        bs.require_cli()
        cases, out = bs.temp_dir("cases-"), bs.temp_dir("batch-out-")
        for case in ("case1", "case2", "case3"):
            os.makedirs(os.path.join(cases, case))
        for case in ("case1", "case2"):
            bs.cli("drr", "--ct", bs.ATLAS, "--view", "ap", "--out", os.path.join(cases, case, "ap.nrrd"))
            bs.cli("drr", "--ct", bs.ATLAS, "--view", "lateral", "--out", os.path.join(cases, case, "lat.nrrd"))
        atlas_labels = nrrd.read(bs.ATLAS_LABELS)
        shutil.copy(bs.ATLAS_LABELS, os.path.join(cases, "case1", "label.nrrd"))  # identity engine: Dice 1
        shifted = atlas_labels.voxels.copy()
        shifted[:, :, 3:] = atlas_labels.voxels[:, :, :-3]  # 3 voxels along i
        shifted[:, :, :3] = 0
        atlas_labels.voxels = shifted
        nrrd.write(atlas_labels, os.path.join(cases, "case2", "label.nrrd"))
        a, b = nrrd.read(bs.ATLAS_LABELS).voxels > 0, shifted > 0
        expected = 2 * (a & b).sum() / (a.sum() + b.sum())
        shutil.copy(os.path.join(cases, "case1", "ap.nrrd"), os.path.join(cases, "case3", "ap.nrrd"))  # no lat.nrrd

        done = subprocess.run([sys.executable, SCRIPT, "--input", cases, "--out", out, "--atlas", bs.ATLAS,
                               "--atlas-labels", bs.ATLAS_LABELS, "--slicerreg", bs.DLL, "--model", "identity"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 1, done.stderr)  # case3 failed
        self.assertIn("2 of 3 cases registered", done.stdout)
        with open(os.path.join(out, "metrics.csv")) as f:
            rows = {r["case"]: r for r in csv.DictReader(f)}
        self.assertEqual(rows["case1"]["status"], "ok")
        self.assertAlmostEqual(float(rows["case1"]["dice"]), 1.0)
        self.assertAlmostEqual(float(rows["case2"]["dice"]), expected, places=5)
        self.assertLess(expected, 0.95)
        self.assertEqual(rows["case3"]["status"], "failed")
        self.assertIn("lat.nrrd", rows["case3"]["message"])
        for name in ("warped_atlas", "warped_labels", "displacement_field"):
            self.assertTrue(os.path.isfile(os.path.join(out, "case1", name + ".nrrd")))
        info = json.loads(bs.cli("info", os.path.join(out, "case1", "warped_atlas.nrrd"), "--json").stdout)
        np.testing.assert_allclose(np.array(info["ijkToRas"]).reshape(4, 4), nrrd.read(bs.ATLAS).ijk_to_ras, atol=1e-9)
        with open(os.path.join(out, "case2", "summary.json")) as f:
            self.assertEqual(json.load(f)["model"], "identity")


if __name__ == "__main__":
    unittest.main()
