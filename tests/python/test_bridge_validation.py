#!/usr/bin/python3
"""SlicerRegLib's radiograph check (validation.py) gives, fault for fault, the message the C# command line gives
(`slicerreg submit`, which runs RadiographValidation before it connects — the daemon runs the same C# check), so a user
reads the same words in Slicer, on the command line and from the daemon."""
import json
import os
import shutil
import unittest

import numpy as np

import bridge_support as bs
from SlicerRegLib import nrrd, validation, views
from SlicerRegLib.client import RegistrationClient, SlicerRegError


class BridgeValidationTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bs.require_cli()
        cls.dir = bs.temp_dir("validation-")
        cls.ap_path, cls.lat_path = bs.drr_pair(cls.dir)

    def faulty(self, source, name, edit):
        """A copy of a radiograph file (its calibration metadata kept) with its pixels edited in place."""
        v = nrrd.read(source)
        edit(v.voxels[0])
        path = os.path.join(self.dir, name)
        nrrd.write(v, path)
        return path

    def cli_message(self, ap, lat, *extra):
        done = bs.cli("submit", "--server", "127.0.0.1:9", "--ap", ap, "--lat", lat, "--out", os.path.join(self.dir, "never"), *extra, check=False)
        self.assertEqual(done.returncode, 1, done.stderr)
        prefix = "slicerreg submit: "
        self.assertTrue(done.stderr.startswith(prefix), done.stderr)
        return done.stderr[len(prefix):].strip()

    def bridge_message(self, ap, lat, ap_view=None, lat_view=None):
        a, av = nrrd.read_radiograph(ap, ap_view)
        b, bv = nrrd.read_radiograph(lat, lat_view)
        with self.assertRaises(validation.InvalidRadiograph) as ctx:
            validation.check(a, av, ap, b, bv, lat)
        return str(ctx.exception)

    def same(self, ap, lat, expected_start, *cli_extra, ap_view=None, lat_view=None):
        cli = self.cli_message(ap, lat, *cli_extra)
        bridge = self.bridge_message(ap, lat, ap_view, lat_view)
        self.assertEqual(bridge, cli)
        self.assertTrue(cli.startswith(expected_start), cli)
        self.assertNotIn("Parameter", cli)

    def test_nan_every_100th_pixel(self):
        def every_100th(p):
            p.reshape(-1)[::100] = np.nan
        path = self.faulty(self.ap_path, "ap_nan.nrrd", every_100th)
        self.same(path, self.lat_path, f"{path}: 359 of 35840 pixels are NaN or infinite (first at column 0, row 0)")

    def test_all_infinite(self):
        path = self.faulty(self.lat_path, "lat_inf.nrrd", lambda p: p.fill(np.inf))
        self.same(self.ap_path, path, f"{path}: 35840 of 35840 pixels are NaN or infinite")

    def test_constant_image(self):
        path = self.faulty(self.lat_path, "lat_blank.nrrd", lambda p: p.fill(0.1))
        self.same(self.ap_path, path, f"{path}: every pixel is 0.1: a blank image")

    def test_views_along_the_same_direction(self):
        twin = os.path.join(self.dir, "ap_twin.nrrd")
        shutil.copy(self.ap_path, twin)
        self.same(self.ap_path, twin, f"{self.ap_path} and {twin}: the two views look along the same direction (0° apart)")

    def test_calibration_in_metres(self):
        ap_view = views.preset("ap").to_view()
        metres = views.CalibratedView(ap_view.source / 1000, ap_view.detector_center / 1000, ap_view.column_direction,
                                      ap_view.row_direction, ap_view.pixel_spacing, ap_view.size)
        view_file = os.path.join(self.dir, "metres.json")
        views.save_view(metres, view_file)
        lat_view = views.preset("lateral").to_view()
        self.same(self.ap_path, self.lat_path, f"{self.ap_path}: its view puts the source 1 mm from the detector",
                  "--ap-view", view_file, "--lat-view", "lateral", ap_view=metres, lat_view=lat_view)

    def test_client_refuses_before_sending_with_the_daemons_words(self):
        a, av = nrrd.read_radiograph(self.ap_path)
        b, bv = nrrd.read_radiograph(self.lat_path)
        a = a.copy()
        a[2, 3] = np.nan
        client = RegistrationClient("127.0.0.1:9")  # nothing listens there: the check must come first
        try:
            with self.assertRaises(SlicerRegError) as ctx:
                client.submit(a, av, b, bv)
        finally:
            client.close()
        self.assertEqual(ctx.exception.code, "INVALID_ARGUMENT")
        self.assertEqual(str(ctx.exception), "AP image: 1 of 35840 pixels is NaN or infinite (first at column 3, row 2); every pixel must be a finite number")


if __name__ == "__main__":
    unittest.main()
