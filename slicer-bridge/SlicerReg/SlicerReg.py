"""SlicerReg: register a femur atlas CT to two calibrated radiographs (AP + lateral) on a SlicerReg daemon.

The Slicer layer is thin on purpose: geometry, conversions, the gRPC client, the background task and the local daemon
live in SlicerRegLib/ (pure Python, tested outside Slicer by tests/python/test_bridge_*.py). This file holds what needs
Slicer: the module, its parameter node, the widget, MRML node creation in the logic, and the in-Slicer test.
"""
import atexit
import os

import numpy as np
import qt
import slicer
import vtk
from slicer.ScriptedLoadableModule import (ScriptedLoadableModule, ScriptedLoadableModuleLogic,
                                           ScriptedLoadableModuleTest, ScriptedLoadableModuleWidget)
from slicer.parameterNodeWrapper import Choice, parameterNodeWrapper
from slicer.util import VTKObservationMixin
from typing import Annotated

import SlicerRegLib
from SlicerRegLib import dicom, views

GEOMETRY_SOURCES = ["auto", "preset", "C-arm fields", "view file", "DICOM"]


class SlicerReg(ScriptedLoadableModule):
    def __init__(self, parent):
        ScriptedLoadableModule.__init__(self, parent)
        self.parent.title = "SlicerReg"
        self.parent.categories = ["Registration"]
        self.parent.dependencies = []
        self.parent.contributors = ["SlicerReg developers"]
        self.parent.helpText = (
            "Registers a femur atlas CT to an AP and a lateral radiograph on a SlicerReg daemon (`slicerreg serve`) and "
            "loads the warped atlas, its label map (and a segmentation), the displacement field (grid transform) and "
            "the radiographs placed in their detector planes. See slicer-bridge/README.md.")
        self.parent.acknowledgementText = "Method: Van Houtte et al. 2022 (deep learning 2D/3D registration of a femur atlas)."


# ---- parameter node ------------------------------------------------------------------------------------------------

@parameterNodeWrapper
class SlicerRegParameterNode:
    apVolume: slicer.vtkMRMLScalarVolumeNode
    latVolume: slicer.vtkMRMLScalarVolumeNode
    apGeometry: Annotated[str, Choice(GEOMETRY_SOURCES)] = "auto"
    latGeometry: Annotated[str, Choice(GEOMETRY_SOURCES)] = "auto"
    apPreset: str = "ap"
    latPreset: str = "lateral"
    apPrimaryAngle: float = 0.0       # SlicerReg C-arm angles (source side; docs/geometry.md §2)
    apSecondaryAngle: float = 0.0
    latPrimaryAngle: float = 90.0
    latSecondaryAngle: float = 0.0
    sourceToDetector: float = 1000.0
    sourceToIsocenter: float = 925.0
    apViewFile: str = ""
    latViewFile: str = ""
    serverAddress: str = "127.0.0.1:50051"
    token: str = ""
    caFile: str = ""                  # PEM CA certificate for a TLS daemon with a private CA ("" = the system's roots)
    model: str = "identity"
    slicerregExecutable: str = ""
    atlasFile: str = ""
    atlasLabelsFile: str = ""
    placeRadiographs: bool = True
    showOverlay: bool = True
    makeSegmentation: bool = True


# ---- widget --------------------------------------------------------------------------------------------------------

class SlicerRegWidget(ScriptedLoadableModuleWidget, VTKObservationMixin):
    def __init__(self, parent=None):
        ScriptedLoadableModuleWidget.__init__(self, parent)
        VTKObservationMixin.__init__(self)
        self.logic = None
        self._parameterNode = None
        self._parameterNodeGuiTag = None
        self._task = None
        self._timer = qt.QTimer()
        self._timer.setInterval(100)
        self._timer.connect("timeout()", self._poll)

    def setup(self):
        ScriptedLoadableModuleWidget.setup(self)
        uiWidget = slicer.util.loadUI(self.resourcePath("UI/SlicerReg.ui"))
        self.layout.addWidget(uiWidget)
        self.ui = slicer.util.childWidgetVariables(uiWidget)
        uiWidget.setMRMLScene(slicer.mrmlScene)
        self.logic = SlicerRegLogic()
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.StartCloseEvent, self.onSceneStartClose)
        self.addObserver(slicer.mrmlScene, slicer.mrmlScene.EndCloseEvent, self.onSceneEndClose)
        self.ui.registerButton.connect("clicked(bool)", self.onRegister)
        self.ui.cancelButton.connect("clicked(bool)", self.onCancel)
        self.ui.startDaemonButton.connect("clicked(bool)", self.onStartDaemon)
        self.ui.checkServerButton.connect("clicked(bool)", self.onCheckServer)
        self.ui.installButton.connect("clicked(bool)", self.onInstall)
        self.ui.cancelButton.enabled = False
        self.initializeParameterNode()

    def cleanup(self):
        self._timer.stop()
        if self._task:
            self._task.cancel()
        self.removeObservers()
        if self.logic:
            self.logic.stopLocalDaemon()

    def enter(self):
        self.initializeParameterNode()

    def exit(self):
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
            self._parameterNodeGuiTag = None

    def onSceneStartClose(self, caller, event):
        self.setParameterNode(None)

    def onSceneEndClose(self, caller, event):
        if self.parent.isEntered:
            self.initializeParameterNode()

    def initializeParameterNode(self):
        self.setParameterNode(self.logic.getParameterNode())

    def setParameterNode(self, inputParameterNode):
        if self._parameterNode:
            self._parameterNode.disconnectGui(self._parameterNodeGuiTag)
        self._parameterNode = inputParameterNode
        if self._parameterNode:
            self._parameterNodeGuiTag = self._parameterNode.connectGui(self.ui)

    def _status(self, text):
        self.ui.statusLabel.text = text
        slicer.app.processEvents()

    def onInstall(self):
        try:
            self.logic.ensureDependencies(ask=True)
            self._status("dependencies installed: " + ("none missing" if not SlicerRegLib.missing_dependencies() else "incomplete"))
        except Exception as e:
            slicer.util.errorDisplay(str(e))

    def onCheckServer(self):
        p = self._parameterNode
        try:
            self.logic.ensureDependencies(ask=True)
            cards = self.logic.models(p.serverAddress, p.token or None, p.caFile or None)
            self._status("daemon OK: " + "; ".join(f"{c.name} ({'available' if c.available else c.unavailable_reason}): {c.summary}" for c in cards))
        except Exception as e:
            self._status(str(e))
            slicer.util.errorDisplay(str(e))

    def onStartDaemon(self):
        p = self._parameterNode
        try:
            self.logic.ensureDependencies(ask=True)
            with slicer.util.WaitCursor():
                p.serverAddress = self.logic.startLocalDaemon(p.atlasFile, p.atlasLabelsFile or None, p.slicerregExecutable or None)
            self._status(f"local daemon listening on {p.serverAddress}")
        except Exception as e:
            slicer.util.errorDisplay(str(e))

    def onRegister(self):
        p = self._parameterNode
        try:
            self.logic.ensureDependencies(ask=True)
            self._task = self.logic.startRegistration(p)
        except Exception as e:
            slicer.util.errorDisplay(f"SlicerReg: {e}")
            return
        self.ui.registerButton.enabled = False
        self.ui.cancelButton.enabled = True
        self.ui.progressBar.value = 0
        self._timer.start()

    def onCancel(self):
        if self._task:
            self._task.cancel()
            self._status("cancelling...")

    def _poll(self):
        """Runs on the main thread every 100 ms: mirrors the task's progress; results become nodes here only."""
        task = self._task
        if task is None:
            self._timer.stop()
            return
        s = task.snapshot()
        self.ui.progressBar.value = int(round(100 * s["fraction"]))
        self.ui.statusLabel.text = f"{s['state']}: {s['stage']} {s['message']}".strip()
        if not task.done:
            return
        self._timer.stop()
        self._task = None
        self.ui.registerButton.enabled = True
        self.ui.cancelButton.enabled = False
        if task.state == "succeeded":
            with slicer.util.WaitCursor():
                nodes = self.logic.loadResults(task.result, self._parameterNode, task.views)
            self._status(f"done in {task.result.seconds:.1f} s: {task.result.message} ({len(nodes)} nodes)")
        elif task.state == "failed":
            slicer.util.errorDisplay(f"SlicerReg: {task.error}")


# ---- logic ---------------------------------------------------------------------------------------------------------

class SlicerRegLogic(ScriptedLoadableModuleLogic):
    """All the work, usable without the GUI (Python console, `Slicer --no-main-window --python-script`)."""

    def __init__(self):
        ScriptedLoadableModuleLogic.__init__(self)
        self.localDaemon = None

    def getParameterNode(self):
        return SlicerRegParameterNode(super().getParameterNode())

    # -- dependencies (installed on first use, never at import) ------------------------------------------------------

    @staticmethod
    def ensureDependencies(ask=True):
        missing = SlicerRegLib.missing_dependencies()
        if not missing:
            return
        text = ("SlicerReg needs the Python packages " + ", ".join(missing) + " to talk to the SlicerReg daemon. "
                "Install them now with pip (a few MB, about a minute)?")
        if ask and not slicer.app.testingEnabled() and not slicer.util.confirmOkCancelDisplay(text):
            raise RuntimeError("SlicerReg cannot run without " + ", ".join(missing) + ": press 'Install dependencies' "
                               "or run slicer.util.pip_install('" + " ".join(missing) + "') in the Python console")
        with slicer.util.WaitCursor():
            slicer.util.pip_install(" ".join(missing))  # pip's output goes to the Python console
        still = SlicerRegLib.missing_dependencies()
        if still:
            raise RuntimeError("pip did not install " + ", ".join(still) + ": see the Python console for pip's output")

    # -- daemon ------------------------------------------------------------------------------------------------------

    def models(self, address, token=None, caFile=None):
        from SlicerRegLib.client import RegistrationClient
        with RegistrationClient.connect(address, token, ca_file=caFile) as c:
            return c.models()

    def startLocalDaemon(self, atlas, atlasLabels=None, slicerreg=None):
        """Starts `slicerreg serve --socket ...` (stopped with the module or when Slicer exits); returns its address."""
        from SlicerRegLib.daemon import LocalDaemon
        self.stopLocalDaemon()
        self.localDaemon = LocalDaemon(atlas, atlasLabels, slicerreg)
        atexit.register(self.stopLocalDaemon)
        return self.localDaemon.address

    def stopLocalDaemon(self):
        if self.localDaemon is not None:
            self.localDaemon.stop()
            self.localDaemon = None

    # -- inputs ------------------------------------------------------------------------------------------------------

    @staticmethod
    def radiographPixels(volumeNode):
        """The node's pixels [row, column] (arrayFromVolume gives [k, j, i] = (1, rows, columns))."""
        from SlicerRegLib.volumes import image_pixels
        return image_pixels(slicer.util.arrayFromVolume(volumeNode), None, volumeNode.GetName())

    def viewForNode(self, volumeNode, source, role, p):
        """The CalibratedView of a radiograph node from the chosen geometry source (see GEOMETRY_SOURCES)."""
        columns, rows = volumeNode.GetImageData().GetDimensions()[:2]
        prefix = "ap" if role == "AP" else "lat"
        if source == "preset":
            view = views.load_view(getattr(p, prefix + "Preset"))
        elif source == "view file":
            view = views.load_view(getattr(p, prefix + "ViewFile"))
        elif source == "C-arm fields":
            spacing = volumeNode.GetSpacing()
            view = views.CArm(primary_angle=getattr(p, prefix + "PrimaryAngle"), secondary_angle=getattr(p, prefix + "SecondaryAngle"),
                              size=(columns, rows), pixel_spacing=(spacing[0], spacing[1]),
                              source_to_detector=p.sourceToDetector, source_to_isocenter=p.sourceToIsocenter).to_view()
        elif source == "DICOM":
            view = dicom.view_from_dicom(self.dicomTags(volumeNode), size=(columns, rows))
        else:  # auto: the file's slicerreg_view (slicerreg drr), then DICOM tags
            view = self.viewFromStorage(volumeNode)
            if view is None:
                tags = self.dicomTags(volumeNode, required=False)
                if tags is None:
                    raise ValueError(f"{volumeNode.GetName()}: no geometry found (no slicerreg_view in its file, no DICOM "
                                     "tags): choose a preset, C-arm fields or a view file for it")
                view = dicom.view_from_dicom(tags, size=(columns, rows))
        if view.size != (columns, rows):
            raise ValueError(f"{volumeNode.GetName()}: image is {columns}×{rows} pixels but its {source} view is {view.size[0]}×{view.size[1]}")
        return view

    @staticmethod
    def viewFromStorage(volumeNode):
        import json
        from SlicerRegLib import nrrd
        storage = volumeNode.GetStorageNode()
        path = storage.GetFileName() if storage else None
        if not path or not path.lower().endswith(".nrrd") or not os.path.isfile(path):
            return None
        text = nrrd.read_metadata(path).get("slicerreg_view")
        return views.parse_view(json.loads(text), path) if text else None

    @staticmethod
    def dicomTags(volumeNode, required=True):
        uids = (volumeNode.GetAttribute("DICOM.instanceUIDs") or "").split()
        if not uids:
            if required:
                raise ValueError(f"{volumeNode.GetName()} was not loaded from DICOM: choose another geometry source")
            return None
        return dicom.read_dicom_tags(slicer.dicomDatabase.fileForInstance(uids[0]))

    def startRegistration(self, p):
        """Reads both radiographs and their views, then runs the registration in a background RegistrationTask
        (poll task.snapshot() from a qt.QTimer; call loadResults(task.result, p, task.views) on the main thread)."""
        from SlicerRegLib.task import RegistrationTask
        if not p.apVolume or not p.latVolume:
            raise ValueError("choose the AP and the lateral radiograph")
        apView = self.viewForNode(p.apVolume, p.apGeometry, "AP", p)
        latView = self.viewForNode(p.latVolume, p.latGeometry, "LAT", p)
        task = RegistrationTask(p.serverAddress, p.token or None, self.radiographPixels(p.apVolume), apView,
                                self.radiographPixels(p.latVolume), latView, model=p.model, ca_file=p.caFile or None,
                                client=f"Slicer {slicer.app.applicationVersion} / SlicerReg module {SlicerRegLib.__version__}")
        task.views = {"AP": (p.apVolume, apView), "LAT": (p.latVolume, latView)}
        return task.start()

    def register(self, p, progress=None):
        """Blocking registration for scripts: returns the created nodes."""
        task = self.startRegistration(p)
        while not task.wait(0.1):
            if progress:
                progress(task.snapshot())
        if task.state != "succeeded":
            raise RuntimeError(f"SlicerReg registration {task.state}: {task.error}")
        return self.loadResults(task.result, p, task.views)

    # -- results → nodes ---------------------------------------------------------------------------------------------

    @staticmethod
    def _matrix(m):
        vm = vtk.vtkMatrix4x4()
        for r in range(4):
            for c in range(4):
                vm.SetElement(r, c, float(m[r][c]))
        return vm

    def volumeNode(self, volume, name, className="vtkMRMLScalarVolumeNode"):
        node = slicer.mrmlScene.AddNewNodeByClass(className, slicer.mrmlScene.GenerateUniqueName(name))
        slicer.util.updateVolumeFromArray(node, volume.voxels)
        node.SetIJKToRASMatrix(self._matrix(volume.ijk_to_ras))
        node.CreateDefaultDisplayNodes()
        return node

    def gridTransformNode(self, field, name):
        """The pull-back displacement field (RAS mm) as a grid transform set FROM parent: a node placed under it
        (the atlas) is resampled at x + u(x) and lands on the patient."""
        from SlicerRegLib.scene import grid_geometry
        origin, spacing, direction = grid_geometry(field.ijk_to_ras)
        k, j, i = field.voxels.shape[:3]
        image = vtk.vtkImageData()
        image.SetOrigin(*origin)
        image.SetSpacing(*spacing)
        image.SetExtent(0, i - 1, 0, j - 1, 0, k - 1)
        image.AllocateScalars(vtk.VTK_DOUBLE, 3)
        from vtk.util.numpy_support import vtk_to_numpy
        vtk_to_numpy(image.GetPointData().GetScalars()).reshape(k, j, i, 3)[:] = field.voxels
        grid = slicer.vtkOrientedGridTransform()
        directionMatrix = vtk.vtkMatrix4x4()
        for r in range(3):
            for c in range(3):
                directionMatrix.SetElement(r, c, float(direction[r, c]))
        grid.SetGridDirectionMatrix(directionMatrix)
        grid.SetDisplacementGridData(image)
        node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLGridTransformNode", slicer.mrmlScene.GenerateUniqueName(name))
        node.SetAndObserveTransformFromParent(grid)
        return node

    def loadResults(self, result, p=None, viewsByRole=None):
        """Result volumes → nodes (warped atlas, label map + segmentation, grid transform); radiographs placed in their
        detector planes and projection overlays when asked. Returns {name: node}."""
        nodes = {}
        for name, volume in result.volumes.items():
            if volume.kind == "displacement_field":
                nodes[name] = self.gridTransformNode(volume, "SlicerReg displacement")
            elif volume.kind == "label_map":
                nodes[name] = self.volumeNode(volume, "SlicerReg labels", "vtkMRMLLabelMapVolumeNode")
                if p is None or p.makeSegmentation:
                    seg = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLSegmentationNode", slicer.mrmlScene.GenerateUniqueName("SlicerReg femur"))
                    slicer.modules.segmentations.logic().ImportLabelmapToSegmentationNode(nodes[name], seg)
                    seg.CreateClosedSurfaceRepresentation()
                    nodes[name + "_segmentation"] = seg
            else:
                nodes[name] = self.volumeNode(volume, "SlicerReg " + name.replace("_", " "))
        for role, (radiograph, view) in (viewsByRole or {}).items():
            if p is None or p.placeRadiographs:
                radiograph.SetIJKToRASMatrix(self._matrix(view.image_ijk_to_ras()))
            labels = result.volumes.get("warped_labels")
            if labels is not None and (p is None or p.showOverlay):
                nodes[f"{role}_overlay"] = self.overlayNode(labels, view, f"SlicerReg {role} overlay")
        if "warped_atlas" in nodes:
            slicer.util.setSliceViewerLayers(background=nodes["warped_atlas"], fit=True)
        return nodes

    def overlayNode(self, labels, view, name):
        """The warped label map projected onto a radiograph: a single-slice label map in the detector plane."""
        from SlicerRegLib.scene import project_label
        from SlicerRegLib.volumes import Volume
        mask = project_label(labels, view)[None]  # (1, rows, columns) = [k, j, i]
        return self.volumeNode(Volume(mask, view.image_ijk_to_ras(), "label_map"), name, "vtkMRMLLabelMapVolumeNode")


# ---- test (runs inside Slicer; see slicer-bridge/README.md "Testing inside Slicer") -------------------------------

class SlicerRegTest(ScriptedLoadableModuleTest):
    def setUp(self):
        slicer.mrmlScene.Clear()

    def runTest(self):
        self.setUp()
        self.test_radiograph_node_round_trip()
        self.setUp()
        self.test_results_become_nodes()
        self.setUp()
        self.test_end_to_end_with_a_local_daemon()

    def _radiographNode(self, view, name):
        from SlicerRegLib.volumes import Volume
        rows, columns = view.size[1], view.size[0]
        pixels = np.fromfunction(lambda r, c: c + 1000 * r, (rows, columns), dtype=np.float32)[None]
        return SlicerRegLogic().volumeNode(Volume(pixels, view.image_ijk_to_ras()), name), pixels[0]

    def test_radiograph_node_round_trip(self):
        self.delayDisplay("radiograph node ⇄ pixels and view")
        view = views.load_view("ap")
        node, pixels = self._radiographNode(view, "ap")
        np.testing.assert_array_equal(SlicerRegLogic.radiographPixels(node), pixels)  # [row, column]
        m = vtk.vtkMatrix4x4()
        node.GetIJKToRASMatrix(m)
        np.testing.assert_allclose(slicer.util.arrayFromVTKMatrix(m), view.image_ijk_to_ras(), atol=1e-9)
        p = SlicerRegLogic().getParameterNode()
        p.apGeometry = "C-arm fields"
        np.testing.assert_allclose(SlicerRegLogic().viewForNode(node, "C-arm fields", "AP", p).source, view.source, atol=1e-6)
        self.delayDisplay("ok")

    def test_results_become_nodes(self):
        self.delayDisplay("results → nodes (no daemon)")
        from SlicerRegLib.client import RegistrationResult
        from SlicerRegLib.volumes import Volume
        m = np.array([[0, -1.2, 0, 10.5], [1.5, 0, 0, -20], [0, 0, 2.5, 30], [0, 0, 0, 1]])
        atlas = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
        labels = (atlas > 60).astype(np.uint8)
        u = np.zeros((4, 5, 6, 3), np.float32)
        u[..., 0] = 5.0
        result = RegistrationResult("job", "identity", {"warped_atlas": Volume(atlas, m), "warped_labels": Volume(labels, m, "label_map"),
                                                        "displacement_field": Volume(u, m, "displacement_field")},
                                    np.eye(4), "test", 0.0)
        nodes = SlicerRegLogic().loadResults(result)
        np.testing.assert_array_equal(slicer.util.arrayFromVolume(nodes["warped_atlas"]), atlas)
        ijk = vtk.vtkMatrix4x4()
        nodes["warped_atlas"].GetIJKToRASMatrix(ijk)
        np.testing.assert_allclose(slicer.util.arrayFromVTKMatrix(ijk), m, atol=1e-9)
        np.testing.assert_array_equal(slicer.util.arrayFromVolume(nodes["warped_labels"]), labels)
        self.assertEqual(nodes["warped_labels_segmentation"].GetSegmentation().GetNumberOfSegments(), 1)
        # Pull-back: the transform FROM parent sends patient x to x + u in the atlas.
        fromParent = nodes["displacement_field"].GetTransformFromParent()
        x = (m @ [2, 2, 2, 1])[:3]
        np.testing.assert_allclose(fromParent.TransformPoint(x), x + [5, 0, 0], atol=1e-4)
        self.delayDisplay("ok")

    def test_end_to_end_with_a_local_daemon(self):
        """Needs SLICERREG (slicerreg executable or slicerreg.dll) and SLICERREG_ATLAS (+ _LABELS); skipped otherwise."""
        atlas = os.environ.get("SLICERREG_ATLAS")
        if not atlas or not (os.environ.get("SLICERREG") or __import__("shutil").which("slicerreg")):
            self.delayDisplay("end-to-end skipped: set SLICERREG and SLICERREG_ATLAS")
            return
        self.delayDisplay("end to end: local daemon, register, results")
        logic = SlicerRegLogic()
        SlicerRegLogic.ensureDependencies(ask=False)
        p = logic.getParameterNode()
        p.serverAddress = logic.startLocalDaemon(atlas, os.environ.get("SLICERREG_ATLAS_LABELS"))
        try:
            p.apVolume, _ = self._radiographNode(views.load_view("ap"), "AP")
            p.latVolume, _ = self._radiographNode(views.load_view("lateral"), "LAT")
            p.apGeometry, p.latGeometry = "preset", "preset"
            nodes = logic.register(p)
            self.assertIn("warped_atlas", nodes)
            self.assertIn("displacement_field", nodes)
            self.assertTrue(nodes["displacement_field"].IsA("vtkMRMLGridTransformNode"))
        finally:
            logic.stopLocalDaemon()
        self.delayDisplay("ok")
