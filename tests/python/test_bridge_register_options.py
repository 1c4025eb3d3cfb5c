#!/usr/bin/python3
"""The options of `register` through SlicerRegLib's client (protocol revision 5) against the real daemon serving the
shipped femur-tiny model: femur masks and head clicks arrive bit for bit (the daemon's placement.json carries each mask's
SHA-256 and the clicks, and equals the one `slicerreg register` writes locally from mask files written here), and a
client from before revision 5 is refused, naming both revisions, when the masked model needs a mask it cannot send."""
import hashlib
import json
import os
import unittest

import numpy as np

import bridge_support as bs
from SlicerRegLib import nrrd
from SlicerRegLib.client import RegistrationClient, SlicerRegError
from SlicerRegLib.daemon import LocalDaemon
from SlicerRegLib.protocol import PROTOCOL_REVISION
from SlicerRegLib.register_options import RegisterOptions
from SlicerRegLib.volumes import Volume, chunks, image_header

MODELS = os.path.join(bs.ROOT, "atlas", "models")
HEAD = ((81.5, 96.25), (78.0, 99.75))


class BridgeRegisterOptionsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bs.require_cli()
        cls.dir = bs.temp_dir("options-")
        cls.ap_path, cls.lat_path = bs.drr_pair(cls.dir)
        cls.ap, cls.ap_view = nrrd.read_radiograph(cls.ap_path)
        cls.lat, cls.lat_view = nrrd.read_radiograph(cls.lat_path)
        cls.daemon = LocalDaemon(bs.ATLAS, bs.ATLAS_LABELS, extra_args=["--workers", "1", "--models", MODELS])
        cls.client = RegistrationClient.connect(cls.daemon.address)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.daemon.stop()

    def mask_file(self, pixels, radiograph_path, name):
        """A femur mask (the radiograph's brightest pixels, one row cut off so it is not symmetric) written on the radiograph's grid."""
        mask = (pixels > 0.25 * pixels.max()).astype(np.uint8)
        mask[int(np.argmax(mask.any(axis=1)))] = 0
        path = os.path.join(self.dir, name)
        nrrd.write(Volume(mask[None], nrrd.read(radiograph_path).ijk_to_ras, "label_map"), path)
        return mask, path

    def test_masks_and_head_arrive_bit_for_bit(self):
        ap_mask, ap_mask_path = self.mask_file(self.ap, self.ap_path, "ap_mask.nrrd")
        lat_mask, lat_mask_path = self.mask_file(self.lat, self.lat_path, "lat_mask.nrrd")
        options = RegisterOptions(ap_mask=ap_mask, lateral_mask=lat_mask, head=HEAD, output_grid="model")
        result = self.client.register(self.ap, self.ap_view, self.lat, self.lat_view, model="femur-tiny", register_options=options)
        placement = result.placement
        for role, mask in (("ap", ap_mask), ("lateral", lat_mask)):
            self.assertTrue(placement["radiographs"][role]["femur_mask"])
            self.assertEqual(placement["radiographs"][role]["femur_mask_sha256"], hashlib.sha256((mask != 0).astype(np.uint8).tobytes()).hexdigest(), role)
        self.assertEqual(placement["head"]["ap_pixel"], list(HEAD[0]))
        self.assertEqual(placement["head"]["lateral_pixel"], list(HEAD[1]))
        # `slicerreg register` run locally on the files writes the same placement.json (head triangulated alike).
        out = os.path.join(self.dir, "local")
        bs.cli("register", "--ap", self.ap_path, "--lat", self.lat_path, "--model", os.path.join(MODELS, "femur-tiny"), "--out", out,
               "--ap-mask", ap_mask_path, "--lat-mask", lat_mask_path, "--head", "81.5,96.25:78,99.75", "--output-grid", "model")
        with open(os.path.join(out, "placement.json")) as f:
            self.assertEqual(json.load(f), placement)
        local = nrrd.read(os.path.join(out, "warped_atlas.nrrd"))
        np.testing.assert_array_equal(result.volumes["warped_atlas"].voxels, local.voxels)

    def test_a_client_before_revision_5_is_refused_when_the_model_needs_a_mask(self):
        pb = self.client.pb
        r, d = pb["registration_pb2"], pb["data_pb2"]
        unmasked = self.ap + 0.5  # every pixel non-zero: a masked model cannot take it without a mask

        def messages():  # what a revision-4 client sends: no client_revision, no mask
            yield r.SubmitRequest(header=r.SubmitHeader(model="femur-tiny", client="SlicerRegLib 4"))
            for role, pixels, view in (("AP", unmasked, self.ap_view), ("LAT", self.lat, self.lat_view)):
                header, payload = image_header(pixels, view, role)
                yield r.SubmitRequest(image=header)
                pieces, digest = chunks(payload)
                for off, data in pieces:
                    yield r.SubmitRequest(chunk=d.Chunk(offset=off, data=data))
                yield r.SubmitRequest(end=d.TransferEnd(sha256=digest))

        with self.assertRaises(SlicerRegError) as ctx:
            self.client._call("submit", self.client.registration.Submit, messages(), timeout=60)
        self.assertEqual(ctx.exception.code, "FAILED_PRECONDITION")
        self.assertIn("protocol revision 4 or older", str(ctx.exception))
        self.assertIn(f"revision {PROTOCOL_REVISION}", str(ctx.exception))
        self.assertIn("femur mask", str(ctx.exception))

    def test_bad_options_are_refused_before_anything_is_sent(self):
        for options, words in ((RegisterOptions(output_grid="/tmp/atlas.nrrd"), "output_grid"),
                               (RegisterOptions(ap_mask=np.ones((3, 3))), "both femur masks"),
                               (RegisterOptions(ap_mask=np.ones((3, 3)), lateral_mask=np.ones((3, 3))), "radiograph's own grid"),
                               (RegisterOptions(refine_pose=True), "need refine")):
            with self.assertRaises(SlicerRegError) as ctx:
                self.client.submit(self.ap, self.ap_view, self.lat, self.lat_view, model="femur-tiny", register_options=options)
            self.assertIn(words, str(ctx.exception))


class RadiographInputsTests(unittest.TestCase):
    """The module's section turned into options without Slicer (SlicerRegLib.radiograph_inputs)."""

    def test_head_point_on_a_placed_radiograph_becomes_its_pixel(self):
        from SlicerRegLib import radiograph_inputs
        pixels = np.zeros((224, 160), np.float32)
        ijk_to_world = np.array([[0.0, 0.5, 0, 10], [-0.5, 0, 0, 20], [0, 0, 1.0, -300], [0, 0, 0, 1]])  # rotated, moved
        ras = ijk_to_world @ np.array([81.5, 96.25, 0.0, 1.0])
        column, row = radiograph_inputs.head_pixel(ras[:3], ijk_to_world, pixels, "AP head")
        self.assertAlmostEqual(column, 81.5, places=9)
        self.assertAlmostEqual(row, 96.25, places=9)
        with self.assertRaises(ValueError) as ctx:
            radiograph_inputs.head_pixel((ijk_to_world @ np.array([200.0, 10.0, 0.0, 1.0]))[:3], ijk_to_world, pixels, "AP head")
        self.assertIn("outside the 160 × 224 radiograph", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            radiograph_inputs.head_pixel((ijk_to_world @ np.array([80.0, 10.0, 5.0, 1.0]))[:3], ijk_to_world, pixels, "AP head")
        self.assertIn("off the radiograph's plane", str(ctx.exception))

    def test_segmentation_label_map_becomes_the_mask_and_options_check_pairs(self):
        from SlicerRegLib import radiograph_inputs
        pixels = np.zeros((4, 3), np.float32)
        labels = np.zeros((1, 4, 3), np.uint8)
        labels[0, 1, 2] = 3
        mask = radiograph_inputs.mask_from_labelmap(labels, pixels, "AP mask")
        self.assertEqual(mask.shape, (4, 3))
        self.assertEqual(np.argwhere(mask).tolist(), [[1, 2]])
        with self.assertRaises(ValueError) as ctx:
            radiograph_inputs.mask_from_labelmap(np.zeros((1, 4, 3)), pixels, "AP mask")
        self.assertIn("paint the femur", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            radiograph_inputs.mask_from_labelmap(np.ones((1, 3, 4)), pixels, "AP mask")
        self.assertIn("reference geometry", str(ctx.exception))
        with self.assertRaises(ValueError):
            radiograph_inputs.register_options(ap_head=(1.0, 2.0))
        options = radiograph_inputs.register_options(refine=False, refine_pose=True, refine_iterations=60, side="left")
        self.assertEqual((options.refine_pose, options.refine_iterations, options.side), (False, None, "left"))


if __name__ == "__main__":
    unittest.main()
