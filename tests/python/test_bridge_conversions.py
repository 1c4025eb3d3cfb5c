#!/usr/bin/python3
"""SlicerRegLib's array/matrix ⇄ message conversions: axis order ([k, j, i] arrays, i fastest on the wire), RAS/LPS,
single-slice radiographs, vector (displacement) fields, chunked transfers with SHA-256, and its NRRD files read back by
independent tools (the C# CLI's `info --json`, nibabel after `slicerreg convert`)."""
import hashlib
import json
import os
import subprocess
import sys
import types
import unittest

import nibabel as nib
import numpy as np

import bridge_support as bs
from SlicerRegLib import nrrd, scene, views
from SlicerRegLib.volumes import (CHUNK_BYTES, ProtocolError, Volume, assemble, chunks, image_header, image_pixels,
                                  view_from_message, view_message, volume_from_message, volume_header)

M = np.array([[0, -1.2, 0, 10.5], [1.5, 0, 0, -20], [0, 0, 2.5, 30], [0, 0, 0, 1]])


def ramp(k, j, i):
    """a[k, j, i] = 100·i + 10·j + k: every voxel names its own index."""
    kk, jj, ii = np.meshgrid(np.arange(k), np.arange(j), np.arange(i), indexing="ij")
    return (100 * ii + 10 * jj + kk).astype(np.int16)


class BridgeConversionTests(unittest.TestCase):
    def test_axis_order_kji_array_is_i_fastest_on_the_wire(self):
        a = ramp(2, 3, 4)  # K=2, J=3, I=4
        header, payload = volume_header(Volume(a, M))
        self.assertEqual(list(header.shape), [4, 3, 2])
        values = np.frombuffer(payload, dtype="<i2")
        self.assertEqual(values[:5].tolist(), [0, 100, 200, 300, 10])  # i runs first, then j
        self.assertEqual(values[12], 1)                                 # after I·J voxels: k = 1
        back = volume_from_message(header, payload)
        np.testing.assert_array_equal(back.voxels, a)
        np.testing.assert_array_equal(back.ijk_to_ras, M)
        np.testing.assert_allclose(back.ras_of_index([3, 2, 1]), (M @ [3, 2, 1, 1])[:3])

    def test_lps_header_flips_matrix_and_vector_components(self):
        rng = np.random.default_rng(3)
        u = rng.normal(size=(2, 3, 4, 3)).astype(np.float32)
        field = Volume(u, M, "displacement_field")
        header, payload = volume_header(field, "LPS")
        lps = np.frombuffer(payload, dtype="<f4").reshape(2, 3, 4, 3)
        np.testing.assert_array_equal(lps[..., 0], -u[..., 0])
        np.testing.assert_array_equal(lps[..., 1], -u[..., 1])
        np.testing.assert_array_equal(lps[..., 2], u[..., 2])
        np.testing.assert_array_equal(np.array(header.index_to_world).reshape(4, 4), np.diag([-1, -1, 1, 1]) @ M)
        back = volume_from_message(header, payload)
        self.assertEqual(back.kind, "displacement_field")
        np.testing.assert_array_equal(back.voxels, u)
        np.testing.assert_allclose(back.ijk_to_ras, M)
        # A scalar volume in LPS: only the matrix flips.
        header, payload = volume_header(Volume(ramp(2, 3, 4), M), "LPS")
        np.testing.assert_array_equal(volume_from_message(header, payload).voxels, ramp(2, 3, 4))
        with self.assertRaises(ValueError):
            volume_header(field, "XYZ")

    def test_bad_volume_messages_are_refused(self):
        header, payload = volume_header(Volume(ramp(2, 3, 4), M))
        with self.assertRaises(ProtocolError) as ctx:
            volume_from_message(header, payload[:-2])
        self.assertIn("bytes received", str(ctx.exception))
        header.coordinate_system = 0
        with self.assertRaises(ProtocolError) as ctx:
            volume_from_message(header, payload)
        self.assertIn("coordinate_system must be RAS or LPS", str(ctx.exception))

    def test_single_slice_radiographs(self):
        view = views.CArm(primary_angle=0, size=(5, 3), pixel_spacing=(1, 1)).to_view()
        img = np.arange(15, dtype=np.float64).reshape(3, 5)                      # [row, column]
        np.testing.assert_array_equal(image_pixels(img[None], view), img)        # Slicer's (1, rows, columns)
        np.testing.assert_array_equal(image_pixels(img, view), img)
        header, payload = image_header(image_pixels(img, view), view, "AP")
        self.assertEqual(list(header.shape), [5, 3])                             # [columns, rows]
        self.assertEqual(np.frombuffer(payload, "<f4")[:6].tolist(), [0, 1, 2, 3, 4, 5])  # column fastest, row 0 first
        self.assertEqual(header.byte_length, 60)
        with self.assertRaises(ValueError) as ctx:
            image_pixels(img.T, view, "AP image")
        self.assertIn("AP image: image is 3×5 pixels (columns × rows) but its view declares 5×3", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            image_pixels(np.zeros((2, 3, 5)), view, "LAT image")
        self.assertIn("LAT image: a radiograph is one slice", str(ctx.exception))

    def test_view_messages_are_ras_and_lps_views_are_converted(self):
        view = views.CArm(primary_angle=30, secondary_angle=10, size=(5, 3), pixel_spacing=(1, 2)).to_view()
        m = view_message(view)
        self.assertTrue(view_from_message(m).allclose(view))
        m.coordinate_system = 2  # LPS
        for name in ("source", "detector_center", "column_direction", "row_direction"):
            values = list(getattr(m, name))
            del getattr(m, name)[:]
            getattr(m, name).extend([-values[0], -values[1], values[2]])
        self.assertTrue(view_from_message(m).allclose(view))

    def test_chunks_and_checksum(self):
        payload = os.urandom(CHUNK_BYTES * 2 + 123)
        pieces, digest = chunks(payload)
        self.assertEqual([o for o, _ in pieces], [0, CHUNK_BYTES, 2 * CHUNK_BYTES])
        self.assertEqual(digest, hashlib.sha256(payload).digest())
        parts = [("chunk", types.SimpleNamespace(offset=o, data=d)) for o, d in pieces]
        self.assertEqual(assemble(len(payload), parts + [("end", digest)], "x"), payload)
        with self.assertRaises(ProtocolError) as ctx:
            assemble(len(payload), parts + [("end", bytes(32))], "result warped_atlas")
        self.assertIn("result warped_atlas: SHA-256 mismatch", str(ctx.exception))
        with self.assertRaises(ProtocolError) as ctx:
            assemble(len(payload), [parts[0], parts[2], ("end", digest)], "x")
        self.assertIn(f"missing chunk: expected offset {CHUNK_BYTES}", str(ctx.exception))
        with self.assertRaises(ProtocolError) as ctx:
            assemble(len(payload), parts, "x")
        self.assertIn("without its checksum", str(ctx.exception))

    def test_grid_transform_geometry(self):
        origin, spacing, direction = scene.grid_geometry(M)
        np.testing.assert_allclose(spacing, [1.5, 1.2, 2.5])
        np.testing.assert_allclose(direction @ np.diag(spacing), M[:3, :3])
        np.testing.assert_allclose(origin, M[:3, 3])

    def test_pull_back_direction(self):
        """A constant field u = (+5, 0, 0) mm: the patient point x is sent to x + 5 mm toward the patient's right in the
        atlas, so the atlas placed under it (transform FROM parent) appears shifted 5 mm to the patient's left."""
        u = np.zeros((4, 4, 4, 3), np.float32)
        u[..., 0] = 5
        field = Volume(u, np.diag([2.0, 2.0, 2.0, 1.0]), "displacement_field")
        np.testing.assert_allclose(scene.warp_point(field, [1.0, 2.0, 3.0]), [6.0, 2.0, 3.0])

    def test_nrrd_files_are_read_back_by_the_cli_and_nibabel(self):
        bs.require_cli()
        folder = bs.temp_dir("nrrd-")
        a = ramp(5, 6, 7)
        path = os.path.join(folder, "ramp.nrrd")
        nrrd.write(Volume(a, M), path)
        info = json.loads(bs.cli("info", path, "--json").stdout)
        self.assertEqual(info["size"], [7, 6, 5])
        np.testing.assert_allclose(np.array(info["ijkToRas"]).reshape(4, 4), M, atol=1e-9)
        self.assertEqual((info["min"], info["max"]), (0, 654))
        bs.cli("convert", path, os.path.join(folder, "ramp.nii"))
        nii = nib.load(os.path.join(folder, "ramp.nii"))
        np.testing.assert_array_equal(np.asarray(nii.dataobj).transpose(2, 1, 0), a)  # nibabel [i, j, k] vs ours [k, j, i]
        np.testing.assert_allclose(nii.affine, M, atol=1e-6)
        # A displacement field: written LPS (ITK), kind recognised by the CLI, read back as RAS.
        u = np.random.default_rng(5).normal(size=(5, 6, 7, 3)).astype(np.float32)
        fpath = os.path.join(folder, "field.nrrd")
        nrrd.write(Volume(u, M, "displacement_field"), fpath)
        with open(fpath, "rb") as f:
            self.assertIn(b"space: left-posterior-superior", f.read(400))
        info = json.loads(bs.cli("info", fpath, "--json").stdout)
        self.assertEqual((info["kind"], info["components"]), ("DisplacementField", 3))
        np.testing.assert_allclose(np.array(info["ijkToRas"]).reshape(4, 4), M, atol=1e-9)
        back = nrrd.read(fpath)
        np.testing.assert_array_equal(back.voxels, u)
        # The CLI rewrites it (its own LPS writer); we read its file back to the same RAS vectors.
        bs.cli("convert", fpath, os.path.join(folder, "field2.nrrd"), "--no-compress")
        np.testing.assert_array_equal(nrrd.read(os.path.join(folder, "field2.nrrd")).voxels, u)

    def test_protocol_stubs_are_generated_into_a_fresh_cache_by_a_new_process(self):
        cache = bs.temp_dir("stub-cache-")
        code = ("import SlicerRegLib.protocol as p; m = p.stubs(); "
                "print(m['data_pb2'].__file__); print(m['registration_pb2'].DESCRIPTOR.package)")
        env = dict(os.environ, SLICERREG_STUB_CACHE=cache, PYTHONPATH=bs.BRIDGE)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        path, package = done.stdout.split()
        self.assertTrue(path.startswith(cache), path)
        self.assertEqual(package, "slicerreg.v1")
        self.assertEqual(len(os.listdir(cache)), 1)  # one folder, keyed by the protos and the protobuf version
        env["SLICERREG_PROTOS"] = cache
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(f"SLICERREG_PROTOS={cache}: no slicerreg/v1/data.proto there", done.stderr)


if __name__ == "__main__":
    unittest.main()
