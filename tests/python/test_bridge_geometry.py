#!/usr/bin/python3
"""SlicerRegLib's view geometry against the C# command line: presets, the three view JSON forms, DICOM tags → view,
the radiograph's placement in its detector plane, and the projection overlay against `slicerreg drr --mask-out`.
The C# side's reading of a view is taken from the `slicerreg_view` metadata of a DRR it renders."""
import json
import os
import unittest

import numpy as np

import bridge_support as bs
from SlicerRegLib import dicom, nrrd, scene, views
from SlicerRegLib.volumes import Volume


class BridgeGeometryTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bs.require_cli()
        cls.dir = bs.temp_dir("geometry-")
        # A small CT (the CLI renders a DRR for every view it reads): 6×5×4 voxels of bone around the isocentre.
        m = np.array([[2.0, 0, 0, -5], [0, 2.0, 0, -4], [0, 0, 2.0, -3], [0, 0, 0, 1]])
        cls.ct = os.path.join(cls.dir, "ct.nrrd")
        nrrd.write(Volume(np.full((4, 5, 6), 1000, dtype=np.int16), m), cls.ct)

    def assert_same_view(self, ours, theirs, atol=1e-6):
        self.assertTrue(ours.allclose(theirs, atol), f"\nours:   {ours}\ntheirs: {theirs}")

    def write_json(self, name, obj):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            json.dump(obj, f)
        return path

    def test_presets_equal_the_cli(self):
        for name in ("ap", "lateral"):
            theirs, _ = bs.cli_view(name, self.ct, self.dir, "preset-" + name)
            self.assert_same_view(views.load_view(name), theirs)
        ap, lat = views.load_view("ap"), views.load_view("lat")
        np.testing.assert_allclose(ap.source, [0, 925, 0])     # AP: source anterior
        np.testing.assert_allclose(lat.source, [-925, 0, 0], atol=1e-9)  # lateral: source at the patient's left

    def test_carm_form_with_tilt_offsets_and_isocentre_equals_the_cli(self):
        carm = {"primaryAngle": 37, "secondaryAngle": -12.5, "sourceToDetectorDistance": 1100, "sourceToIsocenterDistance": 800,
                "isocenter": [10, -20, 30], "size": [40, 30], "pixelSpacing": [0.8, 1.1], "principalPointOffset": [3, -2]}
        theirs, _ = bs.cli_view(self.write_json("carm.json", carm), self.ct, self.dir, "carm")
        ours = views.parse_view(carm)
        self.assert_same_view(ours, theirs)
        back = views.CArm.from_view(ours, source_to_isocenter=800)
        self.assertAlmostEqual(back.primary_angle, 37)
        self.assertAlmostEqual(back.secondary_angle, -12.5)
        np.testing.assert_allclose(back.isocenter, [10, -20, 30], atol=1e-9)
        np.testing.assert_allclose(back.principal_point_offset, [3, -2], atol=1e-9)

    def test_projection_matrix_form_equals_the_cli_and_projects_like_the_view(self):
        view = views.CArm(primary_angle=-60, secondary_angle=15, size=(50, 40), pixel_spacing=(0.9, 0.9),
                          principal_point_offset=(4, 5), isocenter=(1, 2, 3)).to_view()
        p = views.projection_matrix(view)
        point = np.array([12.0, -7.0, 20.0])
        w = p @ np.append(point, 1)
        self.assertGreater(w[2], 0)
        np.testing.assert_allclose(w[:2] / w[2], views.project_points(view, point), atol=1e-9)
        path = self.write_json("matrix.json", {"projectionMatrix": p.tolist(), "size": [50, 40], "pixelSpacing": [0.9, 0.9]})
        theirs, _ = bs.cli_view(path, self.ct, self.dir, "matrix")
        self.assert_same_view(views.load_view(path), theirs)
        self.assert_same_view(views.load_view(path), view)
        by_sdd = views.parse_view({"projectionMatrix": p.tolist(), "size": [50, 40], "sourceToDetectorDistance": 1000})
        self.assert_same_view(by_sdd, view)

    def test_canonical_form_round_trips_through_the_cli(self):
        view = views.CArm(primary_angle=150, secondary_angle=25, size=(20, 30), pixel_spacing=(1.5, 1.5)).to_view()
        path = os.path.join(self.dir, "canonical.json")
        views.save_view(view, path)
        theirs, _ = bs.cli_view(path, self.ct, self.dir, "canonical")
        self.assert_same_view(theirs, view)

    def test_projection_equals_the_cli_ray_tracer(self):
        """views.project_points against C#: `slicerreg drr --mask-out` marks the pixels whose ray (source → pixel centre)
        crosses a labelled voxel, traced exactly. A voxel is a convex box, so its mask is exactly the pixel centres inside
        the convex hull of its 8 projected corners; pixels within 0.01 px of the hull's edge are left out (a ray grazing
        the box). An oblique, offset, non-square view and boxes off the central ray, near and far from the source."""
        from scipy.spatial import ConvexHull
        view_json = {"primaryAngle": 37, "secondaryAngle": -12.5, "sourceToDetectorDistance": 1100, "sourceToIsocenterDistance": 800,
                     "isocenter": [10, -20, 30], "size": [120, 90], "pixelSpacing": [0.8, 1.1], "principalPointOffset": [3, -2]}
        view = views.parse_view(view_json)
        m = np.array([[7.0, 0, 0, -20], [0, 6.0, 0, -40], [0, 0, 5.0, 10], [0, 0, 0, 1]])
        boxes = [(0, 0, 0), (4, 5, 6), (7, 1, 3)]  # (i, j, k), far apart: their masks do not touch
        labels = np.zeros((8, 8, 8), dtype=np.uint8)
        for i, j, k in boxes:
            labels[k, j, i] = 1
        label_path, mask_path = os.path.join(self.dir, "boxes.nrrd"), os.path.join(self.dir, "boxes_mask.nrrd")
        nrrd.write(Volume(labels, m, "label_map"), label_path)
        bs.cli("drr", "--ct", label_path, "--view", self.write_json("oblique.json", view_json), "--out", os.path.join(self.dir, "boxes_drr.nrrd"),
               "--label", label_path, "--mask-out", mask_path)
        theirs = nrrd.read(mask_path).voxels[0] > 0
        cc, rr = np.meshgrid(np.arange(view.columns), np.arange(view.rows))
        pixels = np.stack([cc.ravel(), rr.ravel()], -1).astype(float)
        inside, margin = np.zeros(pixels.shape[0], bool), np.full(pixels.shape[0], np.inf)
        for i, j, k in boxes:
            corners = [(m @ [i + di, j + dj, k + dk, 1])[:3] for di in (-.5, .5) for dj in (-.5, .5) for dk in (-.5, .5)]
            hull = ConvexHull(views.project_points(view, corners))
            signed = (pixels @ hull.equations[:, :2].T + hull.equations[:, 2]).max(axis=1)  # < 0 inside, in pixels
            inside |= signed < 0
            margin = np.minimum(margin, np.abs(signed))
        clear = (margin > 0.01).reshape(theirs.shape)
        ours = inside.reshape(theirs.shape)
        self.assertGreater(ours.sum(), 3 * 20, "each box covers some pixels")
        self.assertLess((~clear).sum(), 0.05 * ours.sum())
        np.testing.assert_array_equal(ours[clear], theirs[clear])

    def test_bad_view_json_is_refused_naming_the_key_as_the_cli_does(self):
        cases = [({"primaryAngle": 0, "size": [4, 4], "pixelSpacing": [1, 1], "tilt": 3}, 'unknown key "tilt" in a C-arm view'),
                 ({"primaryAngle": 0, "source": [0, 0, 0], "size": [4, 4], "pixelSpacing": [1, 1]}, "mixes view forms"),
                 ({"primaryAngle": 0, "size": [4, 4], "pixelSpacing": [1]}, '"pixelSpacing" must be an array of 2 numbers'),
                 ({"size": [4, 4]}, "not a view")]
        for i, (obj, message) in enumerate(cases):
            path = self.write_json(f"bad{i}.json", obj)
            with self.assertRaises(ValueError) as ctx:
                views.load_view(path)
            self.assertIn(message, str(ctx.exception))
            self.assertIn(f"bad{i}.json", str(ctx.exception))
            done = bs.cli("drr", "--ct", self.ct, "--view", path, "--out", os.path.join(self.dir, "never.nrrd"), check=False)
            self.assertEqual(done.returncode, 1)
            self.assertIn(message, done.stderr)
        with self.assertRaises(ValueError) as ctx:
            views.load_view("oblique")
        self.assertIn("not a preset", str(ctx.exception))

    def test_dicom_tags_give_the_cli_view_of_the_same_carm(self):
        """DICOM angles name the detector side ("LAO +"), SlicerReg's the source side: LAO 30 CRA 15 puts the detector
        left-anterior-cranial, so the source right-posterior-caudal."""
        tags = {"DistanceSourceToDetector": "1200", "DistanceSourceToPatient": "900", "ImagerPixelSpacing": "0.4\\0.3",
                "PositionerPrimaryAngle": 30, "PositionerSecondaryAngle": "15", "Rows": 48, "Columns": 64}
        carm = dicom.carm_from_dicom(tags)
        self.assertAlmostEqual(carm.primary_angle, -150)
        self.assertAlmostEqual(carm.secondary_angle, -15)
        self.assertEqual(carm.pixel_spacing, (0.3, 0.4))  # DICOM order is row\column; ours column, row
        ours = dicom.view_from_dicom(tags)
        theirs, _ = bs.cli_view(self.write_json("dicom-carm.json", carm.to_json()), self.ct, self.dir, "dicom")
        self.assert_same_view(ours, theirs)
        self.assertEqual(ours.size, (64, 48))
        self.assertAlmostEqual(ours.source_to_detector, 1200)
        self.assertAlmostEqual(np.linalg.norm(ours.source), 900)
        s = ours.source
        self.assertGreater(s[0], 0, "source at the patient's right (RAS +x)")
        self.assertLess(s[1], 0, "source posterior")
        self.assertLess(s[2], 0, "source caudal")
        # Keys as "(gggg,eeee)" or "ggggeeee" work the same.
        by_number = {"(0018,1110)": "1200", "00181111": 900, "(0018,1164)": [0.4, 0.3], "(0018,1510)": 30,
                     "(0018,1511)": 15, "(0028,0010)": 48, "(0028,0011)": 64}
        self.assert_same_view(dicom.view_from_dicom(by_number), ours)

    def test_dicom_view_position_without_angles(self):
        base = {"DistanceSourceToDetector": 1000, "DistanceSourceToPatient": 925, "ImagerPixelSpacing": [1, 1]}
        ap = dicom.view_from_dicom(dict(base, ViewPosition="AP"), size=(160, 224))
        self.assert_same_view(ap, views.load_view("ap"))
        rl = dicom.view_from_dicom(dict(base, ViewPosition="RL"), size=(160, 224))  # right side on the detector
        self.assert_same_view(rl, views.load_view("lateral"))
        ll = dicom.view_from_dicom(dict(base, ViewPosition="LL"), size=(160, 224))
        self.assertGreater(ll.source[0], 900)
        pa = dicom.view_from_dicom(dict(base, ViewPosition="PA"), size=(160, 224))
        self.assertLess(pa.source[1], -900)
        # A PA stored for display as seen from the front: PatientOrientation says columns run to the patient's left.
        pa_front = dicom.view_from_dicom(dict(base, ViewPosition="PA", PatientOrientation="L\\F"), size=(160, 224))
        np.testing.assert_allclose(pa.column_direction, [1, 0, 0], atol=1e-12)
        np.testing.assert_allclose(pa_front.column_direction, [-1, 0, 0], atol=1e-12)
        np.testing.assert_allclose(pa_front.source, pa.source)
        # No SOD: from the magnification factor.
        mag = dicom.carm_from_dicom({"DistanceSourceToDetector": 1100, "EstimatedRadiographicMagnificationFactor": 1.1,
                                     "ImagerPixelSpacing": [1, 1], "ViewPosition": "AP"}, size=(8, 8))
        self.assertAlmostEqual(mag.source_to_isocenter, 1000)

    def test_dicom_errors_name_the_tag(self):
        with self.assertRaises(ValueError) as ctx:
            dicom.view_from_dicom({"ViewPosition": "AP"}, size=(8, 8))
        self.assertIn("ImagerPixelSpacing (0018,1164)", str(ctx.exception))
        # No distance is guessed (as `register --ap-view dicom`): a wrong SOD would scale the femur silently.
        with self.assertRaises(ValueError) as ctx:
            dicom.view_from_dicom({"ImagerPixelSpacing": [1, 1], "ViewPosition": "AP"}, size=(8, 8))
        self.assertIn("DistanceSourceToDetector (0018,1110)", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            dicom.view_from_dicom({"ImagerPixelSpacing": [1, 1], "ViewPosition": "AP", "DistanceSourceToDetector": 1000}, size=(8, 8))
        self.assertIn("DistanceSourceToPatient (0018,1111)", str(ctx.exception))
        distances = {"DistanceSourceToDetector": 1000, "DistanceSourceToPatient": 925}
        with self.assertRaises(ValueError) as ctx:
            dicom.view_from_dicom(dict(distances, ImagerPixelSpacing=[1, 1]), size=(8, 8))
        self.assertIn("ViewPosition (0018,5101)", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            dicom.view_from_dicom(dict(distances, ImagerPixelSpacing="1", ViewPosition="AP"), size=(8, 8))
        self.assertIn("expected 2 numbers", str(ctx.exception))
        with self.assertRaises(ValueError) as ctx:
            dicom.view_from_dicom(dict(distances, ImagerPixelSpacing=[1, 1], ViewPosition="OBLIQUE"), size=(8, 8))
        self.assertIn("'OBLIQUE'", str(ctx.exception))

    def test_radiograph_node_matrix_equals_the_cli_radiograph_file(self):
        for name in ("ap", "lateral"):
            theirs, volume = bs.cli_view(name, self.ct, self.dir, "placed-" + name)
            np.testing.assert_allclose(theirs.image_ijk_to_ras(), volume.ijk_to_ras, atol=1e-9)
            # Voxel (c, r, 0) sits at the pixel centre of the view.
            np.testing.assert_allclose(volume.ras_of_index([7, 11, 0]), theirs.pixel_center(7, 11), atol=1e-9)

    def test_projection_overlay_matches_the_cli_label_mask(self):
        out, mask_path = os.path.join(self.dir, "ov.nrrd"), os.path.join(self.dir, "ov_mask.nrrd")
        for name in ("ap", "lateral"):
            bs.cli("drr", "--ct", bs.ATLAS, "--view", name, "--out", out, "--label", bs.ATLAS_LABELS, "--mask-out", mask_path)
            theirs = nrrd.read(mask_path).voxels[0] > 0
            ours = scene.project_label(nrrd.read(bs.ATLAS_LABELS), views.load_view(name)) > 0
            iou = (ours & theirs).sum() / (ours | theirs).sum()
            print(f"\n  {name} IoU {iou:.4f}", end=" "); self.assertGreater(iou, 0.98, f"{name}: overlay IoU {iou:.3f} with the exact label projection")


if __name__ == "__main__":
    unittest.main()
