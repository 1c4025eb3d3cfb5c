#!/usr/bin/python3
"""The VTK side of the Slicer module with real VTK (Debian's python3-vtk9), on the real results of the real daemon: a
network job of the shipped default model (which the client picks by itself) and an identity job, both registering a
DRR pair of the tiny atlas. The results go through SlicerRegLib.results.load_results (the module's loadResults) into a
recording scene (recording_scene.py) that keeps the VTK objects the module built; Slicer itself is not installable here.

- each result is loaded once, by its role; re-running replaces (or numbers) the previous results, never the user's nodes;
- the grid transform maps points as our own pull-back warp does (from parent) and back (to parent), within 0.01 mm;
  the affine likewise;
- each volume's vtkImageData and IJK→RAS equal what `slicerreg info` prints for the same result written to a file;
- each overlay, placed by its node and projected through its view, lies on the daemon's projected mask (IoU ≥ 0.99).
"""
import json
import os
import unittest

import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy

import bridge_support as bs
import recording_scene as rs
from SlicerRegLib import nrrd, scene, views, vtkobjects
from SlicerRegLib.client import RegistrationClient, default_model
from SlicerRegLib.daemon import LocalDaemon
from SlicerRegLib.results import ROLE_ATTRIBUTE, load_results
from SlicerRegLib.volumes import Volume


def shipped_default():
    """The shipped model whose card says it is the default (ShippedModel.DefaultName; ShippedModelTests checks the two agree)."""
    models = os.path.join(bs.ROOT, "atlas", "models")
    names = [n for n in sorted(os.listdir(models)) if os.path.isfile(os.path.join(models, n, "card.json"))
             and json.load(open(os.path.join(models, n, "card.json"))).get("default")]
    assert len(names) == 1, f"exactly one card in atlas/models must say default: {names}"
    return names[0]


SHIPPED_MODEL = shipped_default()


class BridgeVtkTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bs.require_cli()
        cls.dir = bs.temp_dir("vtk-")
        paths = {role: os.path.join(cls.dir, f"{role}.nrrd") for role in ("AP", "LAT")}
        bs.cli("drr", "--ct", bs.ATLAS, "--view", "ap", "--out", paths["AP"])
        bs.cli("drr", "--ct", bs.ATLAS, "--view", "lateral", "--out", paths["LAT"])
        cls.pixels, cls.views = {}, {}
        for role, path in paths.items():
            cls.pixels[role], cls.views[role] = nrrd.read_radiograph(path)
        # The daemon's default models folder (the repository's atlas/models) plus the identity placeholder on the tiny atlas.
        cls.daemon = LocalDaemon(bs.ATLAS, bs.ATLAS_LABELS, extra_args=["--workers", "1"])
        try:
            with RegistrationClient.connect(cls.daemon.address) as client:
                cls.cards = client.models()
                args = (cls.pixels["AP"], cls.views["AP"], cls.pixels["LAT"], cls.views["LAT"])
                cls.network = client.register(*args)  # no model named: the daemon's best trained model
                cls.identity = client.register(*args, model="identity")
        except Exception:
            cls.daemon.stop()
            raise
        for name, v in cls.network.volumes.items():
            if not np.all(np.isfinite(v.voxels)):
                cls.daemon.stop()
                raise AssertionError(f"the network job's {name} is not finite: on AVX-512 CPUs this is libtorch's oneDNN "
                                     "convolution bug; merge main's 'oneDNN self-check'")

    @classmethod
    def tearDownClass(cls):
        cls.daemon.stop()

    def user_radiographs(self, scene_):
        """The user's radiograph nodes as Slicer would hold them (loaded from file: identity IJK→RAS)."""
        out = {}
        for role in ("AP", "LAT"):
            node = scene_.AddNewNodeByClass("vtkMRMLScalarVolumeNode", role.lower())
            node.SetAndObserveImageData(vtkobjects.image_data(Volume(self.pixels[role][None], np.eye(4))))
            node.SetIJKToRASMatrix(vtkobjects.vtk_matrix(np.eye(4)))
            out[role] = (node, self.views[role])
        return out

    def load(self, result, scene_=None, **kw):
        scene_ = scene_ or rs.RecordingScene()
        radiographs = kw.pop("radiographs", None) or self.user_radiographs(scene_)
        loaded = load_results(result, scene_, radiographs, import_labelmap=rs.import_labelmap, **kw)
        return scene_, radiographs, loaded

    # -- model choice ------------------------------------------------------------------------------------------------

    def test_the_shipped_model_is_preselected_and_used(self):
        cards = {c.name: c for c in self.cards}
        self.assertTrue(cards[SHIPPED_MODEL].available, cards[SHIPPED_MODEL].unavailable_reason)
        self.assertTrue(cards[SHIPPED_MODEL].is_default)
        self.assertFalse(cards["identity"].is_default)
        self.assertEqual(default_model(self.cards), SHIPPED_MODEL)
        self.assertEqual(self.network.model, SHIPPED_MODEL)
        self.assertGreater(np.abs(self.network.volumes["displacement_field"].voxels).max(), 1.0, "the network warps")

    # -- nodes -------------------------------------------------------------------------------------------------------

    def assert_counts(self, scene_, per_role=1):
        counts = {role: sum(1 for n in scene_.nodes if n.GetAttribute(ROLE_ATTRIBUTE) == role)
                  for role in ("warped_atlas", "warped_labels", "segmentation", "displacement_field", "affine", "overlay_ap", "overlay_lateral")}
        self.assertEqual(counts, dict.fromkeys(counts, per_role))
        self.assertEqual(scene_.count("vtkMRMLScalarVolumeNode"), per_role + 2)  # + the user's two radiographs
        self.assertEqual(scene_.count("vtkMRMLLabelMapVolumeNode"), 3 * per_role)  # labels + two overlays
        self.assertEqual(scene_.count("vtkMRMLSegmentationNode"), per_role)
        self.assertEqual(scene_.count("vtkMRMLGridTransformNode"), per_role)
        self.assertEqual(scene_.count("vtkMRMLLinearTransformNode"), per_role)

    def test_a_network_job_loads_each_result_once(self):
        scene_, radiographs, loaded = self.load(self.network)
        self.assertEqual(len(scene_.nodes), 2 + 7)
        self.assert_counts(scene_)
        nodes = loaded.nodes
        self.assertIs(nodes["segmentation"].imported_from, nodes["warped_labels"])
        self.assertTrue(nodes["segmentation"].closed_surface)
        for name in ("overlay_ap", "overlay_lateral"):  # the daemon's exact projection, not a second one of ours
            np.testing.assert_array_equal(self.voxels(nodes[name]), self.network.volumes[name].voxels, err_msg=name)
        self.assertEqual(nodes["warped_atlas"].GetName(), "SlicerReg warped atlas")
        # The user's radiographs were moved into their detector planes, and the notes say so.
        for role, (node, view) in radiographs.items():
            np.testing.assert_allclose(vtkobjects.matrix_array(node.ijk_to_ras), view.image_ijk_to_ras(), atol=1e-12)
            self.assertTrue(any(f"'{node.GetName()}' into its detector plane" in n for n in loaded.notes), loaded.notes)

        # Again: the previous results are replaced; the user's nodes stay, one they put under the field moves to the new one.
        first = set(map(id, scene_.nodes)) - {id(n) for n, _ in radiographs.values()}
        atlas = scene_.AddNewNodeByClass("vtkMRMLScalarVolumeNode", "my atlas")
        atlas.SetAndObserveTransformNodeID(nodes["displacement_field"].GetID())
        _, _, again = self.load(self.network, scene_, radiographs=radiographs)
        scene_.RemoveNode(atlas)
        self.assert_counts(scene_)
        self.assertEqual({id(n) for n in scene_.removed} - {id(atlas)}, first)
        self.assertEqual(atlas.GetTransformNodeID(), again.nodes["displacement_field"].GetID())
        self.assertIn("'my atlas' was under the previous displacement field: it is now under 'SlicerReg displacement'", again.notes)
        self.assertIn("replaced the previous results (7 nodes)", again.notes)
        # Kept instead: numbered names, twice the nodes.
        _, _, kept = self.load(self.network, scene_, radiographs=radiographs, keep_previous=True)
        self.assertEqual(kept.run, 2)
        self.assert_counts(scene_, per_role=2)
        self.assertEqual(kept.nodes["warped_atlas"].GetName(), "SlicerReg warped atlas 2")
        # Without placing: the user's radiographs are left as they are, and nothing is said about them.
        fresh = rs.RecordingScene()
        _, untouched, quiet = self.load(self.network, fresh, place_radiographs=False, show_overlay=False, make_segmentation=False)
        for node, _ in untouched.values():
            np.testing.assert_array_equal(vtkobjects.matrix_array(node.ijk_to_ras), np.eye(4))
        self.assertEqual(quiet.notes, [])
        self.assertEqual(sorted(quiet.nodes), ["affine", "displacement_field", "warped_atlas", "warped_labels"])

    def test_without_daemon_overlays_the_bridge_projects_once(self):
        self.assertNotIn("overlay_ap", self.identity.volumes)
        scene_, _, loaded = self.load(self.identity)
        self.assert_counts(scene_)
        for role, name in (("AP", "overlay_ap"), ("LAT", "overlay_lateral")):
            ours = scene.project_label(self.identity.volumes["warped_labels"], self.views[role])
            np.testing.assert_array_equal(self.voxels(loaded.nodes[name])[0], ours)

    # -- transforms --------------------------------------------------------------------------------------------------

    def test_grid_transform_maps_like_our_pullback_warp(self):
        _, _, loaded = self.load(self.network)
        node = loaded.nodes["displacement_field"]
        field = self.network.volumes["displacement_field"]
        rng = np.random.default_rng(17)
        ijk = rng.uniform(0, np.array(field.shape_ijk) - 1, size=(300, 3))
        patient = ijk @ field.ijk_to_ras[:3, :3].T + field.ijk_to_ras[:3, 3]
        atlas = np.array([scene.warp_point(field, x) for x in patient])
        self.assertGreater(np.linalg.norm(atlas - patient, axis=1).max(), 1.0, "a field that moves points")
        from_parent, to_parent = node.GetTransformFromParent(), node.GetTransformToParent()
        mapped = np.array([from_parent.TransformPoint(*x) for x in patient])
        back = np.array([to_parent.TransformPoint(*a) for a in atlas])
        err_from, err_to = np.linalg.norm(mapped - atlas, axis=1).max(), np.linalg.norm(back - patient, axis=1).max()
        print(f"\n  grid transform vs pull-back warp, 300 points: from parent {err_from:.2e} mm, to parent {err_to:.2e} mm", end=" ")
        self.assertLess(err_from, 0.01)
        self.assertLess(err_to, 0.01)

    def test_affine_is_the_transform_to_parent(self):
        _, _, loaded = self.load(self.network)
        affine = self.network.affine  # atlas → patient
        self.assertGreater(np.abs(affine - np.eye(4)).max(), 1e-3, "the network's affine is not the identity")
        to_parent, from_parent = vtk.vtkMatrix4x4(), vtk.vtkMatrix4x4()
        loaded.nodes["affine"].GetMatrixTransformToParent(to_parent)
        loaded.nodes["affine"].GetMatrixTransformFromParent(from_parent)
        pullback = np.linalg.inv(affine)  # the affine module's T: patient → atlas, as the field
        rng = np.random.default_rng(5)
        for x in rng.uniform(-60, 60, size=(20, 3)):
            a = (pullback @ np.append(x, 1))[:3]
            np.testing.assert_allclose(to_parent.MultiplyPoint([*a, 1.0])[:3], x, atol=1e-9)
            np.testing.assert_allclose(from_parent.MultiplyPoint([*x, 1.0])[:3], a, atol=1e-9)

    def test_a_rotated_field_needs_slicers_oriented_grid(self):
        field = self.network.volumes["displacement_field"]
        rotated = Volume(field.voxels, field.ijk_to_ras @ np.diag([-1.0, -1.0, 1.0, 1.0]), "displacement_field")
        with self.assertRaises(ValueError) as ctx:
            vtkobjects.grid_transform(rotated)
        self.assertIn("vtkOrientedGridTransform", str(ctx.exception))

    # -- geometry against slicerreg info --------------------------------------------------------------------------

    @staticmethod
    def voxels(node):
        image = node.GetImageData()
        i, j, k = image.GetDimensions()
        c = image.GetNumberOfScalarComponents()
        a = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(k, j, i, c)
        return a[..., 0] if c == 1 else a

    def test_volume_geometry_equals_slicerreg_info(self):
        _, _, loaded = self.load(self.network)
        for name, volume in self.network.volumes.items():
            path = os.path.join(self.dir, name + ".nrrd")
            nrrd.write(volume, path)
            info = json.loads(bs.cli("info", path, "--json").stdout)
            self.assertEqual(info["coordinateSystem"], "RAS")
            ijk_to_ras = np.array(info["ijkToRas"]).reshape(4, 4)
            direction = np.array(info["direction"]).T  # info lists the i, j, k direction vectors
            node = loaded.nodes[name]
            if name == "displacement_field":
                grid = node.GetTransformFromParent().GetDisplacementGrid()
                np.testing.assert_allclose(grid.GetOrigin(), info["origin"], atol=1e-9, err_msg=name)
                np.testing.assert_allclose(grid.GetSpacing(), info["spacing"], atol=1e-9, err_msg=name)
                np.testing.assert_allclose(direction, np.eye(3), atol=1e-12, err_msg="a plain vtkGridTransform has no direction")
                self.assertEqual(list(grid.GetDimensions()), info["size"])
                i, j, k = grid.GetDimensions()
                u = vtk_to_numpy(grid.GetPointData().GetScalars()).reshape(k, j, i, 3)
                np.testing.assert_allclose(u, nrrd.read(path).voxels, atol=1e-6)
                continue
            m = vtk.vtkMatrix4x4()
            node.GetIJKToRASMatrix(m)
            np.testing.assert_allclose(vtkobjects.matrix_array(m), ijk_to_ras, atol=1e-9, err_msg=name)
            origin, spacing, dirs = scene.grid_geometry(vtkobjects.matrix_array(m))  # what Slicer shows as the node's
            np.testing.assert_allclose(origin, info["origin"], atol=1e-9, err_msg=name)
            np.testing.assert_allclose(spacing, info["spacing"], atol=1e-9, err_msg=name)
            np.testing.assert_allclose(dirs, direction, atol=1e-9, err_msg=name)
            image = node.GetImageData()  # Slicer's convention: the geometry lives in the node, not the image
            self.assertEqual(list(image.GetDimensions()), info["size"], name)
            self.assertEqual(image.GetOrigin(), (0.0, 0.0, 0.0), name)
            self.assertEqual(image.GetSpacing(), (1.0, 1.0, 1.0), name)
            d = image.GetDirectionMatrix()
            self.assertEqual([d.GetElement(r, c) for r in range(3) for c in range(3)], np.eye(3).ravel().tolist(), name)
            np.testing.assert_array_equal(self.voxels(node), nrrd.read(path).voxels, err_msg=name)
            # One voxel by VTK's own index: i fastest, as the file.
            i, j, k = (n // 2 for n in info["size"])
            self.assertEqual(image.GetScalarComponentAsDouble(i, j, k, 0), float(volume.voxels[k, j, i]), name)

    # -- overlays ----------------------------------------------------------------------------------------------------

    def test_overlays_lie_on_the_daemons_projected_mask(self):
        """Every overlay pixel, placed in RAS by its node's IJK→RAS and projected through its view with the bridge's
        projection, falls on the daemon's mask: the network's own overlay_* for the network job, and for the identity job
        (overlays projected by the bridge) the mask the daemon renders from the warped labels (`drr --server --mask-out`)."""
        presets = {"AP": "ap", "LAT": "lateral"}
        labels_path = os.path.join(self.dir, "identity_labels.nrrd")
        nrrd.write(self.identity.volumes["warped_labels"], labels_path)
        for job, result in (("network", self.network), ("identity", self.identity)):
            _, _, loaded = self.load(result)
            for role, name in (("AP", "overlay_ap"), ("LAT", "overlay_lateral")):
                if job == "network":
                    daemons = result.volumes[name].voxels[0] > 0
                else:
                    mask_path = os.path.join(self.dir, f"daemon_{name}.nrrd")
                    bs.cli("drr", "--server", self.daemon.address, "--ct", bs.ATLAS, "--view", presets[role],
                           "--out", os.path.join(self.dir, "drr.nrrd"), "--label", labels_path, "--mask-out", mask_path)
                    daemons = nrrd.read(mask_path).voxels[0] > 0
                node = loaded.nodes[name]
                m = vtk.vtkMatrix4x4()
                node.GetIJKToRASMatrix(m)
                k, j, i = np.nonzero(self.voxels(node))
                ras = np.array([m.MultiplyPoint([float(a), float(b), float(c), 1.0])[:3] for a, b, c in zip(i, j, k)])
                c, r = np.rint(views.project_points(self.views[role], ras)).astype(int).T
                ours = np.zeros_like(daemons)
                ours[r, c] = True
                iou = (ours & daemons).sum() / (ours | daemons).sum()
                print(f"\n  {job} {name}: IoU {iou:.4f} ({daemons.sum()} pixels)", end=" ")
                self.assertGreater(daemons.sum(), 100)
                self.assertGreaterEqual(iou, 0.99, f"{job} {name}")


if __name__ == "__main__":
    unittest.main()
