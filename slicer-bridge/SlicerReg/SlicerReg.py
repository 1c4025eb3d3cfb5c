"""SlicerReg: register a femur atlas CT to two calibrated radiographs (AP + lateral) on a SlicerReg daemon.

The Slicer layer is thin on purpose: geometry, conversions, the gRPC client, the background task, the local daemon, the
VTK objects and the results' nodes (SlicerRegLib.results, written against the few MRML calls it makes) live in
SlicerRegLib/, which imports neither slicer nor qt and is tested outside Slicer with real VTK by
tests/python/test_bridge_*.py. This file holds what needs Slicer: the module, its parameter node, the widget, the logic's
Slicer calls, and the in-Slicer test.
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
from SlicerRegLib.names import WARPED_ATLAS
from SlicerRegLib.register_options import OUTPUT_GRIDS, RADIOGRAPH_KINDS, REFINE_GRIDS, SIDES

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
            "loads the warped atlas, its label map (and a segmentation), the displacement field (grid transform), the "
            "affine, the projection overlays and the radiographs placed in their detector planes. See slicer-bridge/README.md.")
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
    model: str = ""                   # empty: the daemon's best trained model (never the identity placeholder)
    slicerregExecutable: str = ""
    atlasFile: str = ""
    atlasLabelsFile: str = ""
    placeRadiographs: bool = True
    showOverlay: bool = True
    makeSegmentation: bool = True
    keepPreviousResults: bool = False  # False: a new registration replaces the previous one's nodes
    # Real radiographs and refinement (protocol revision 5; docs/radiographs.md, docs/refinement.md): one name each from
    # `slicerreg register` down to here.
    radiographKind: Annotated[str, Choice(list(RADIOGRAPH_KINDS))] = "auto"
    apMask: slicer.vtkMRMLSegmentationNode      # the femur painted on each radiograph with the Segment Editor
    latMask: slicer.vtkMRMLSegmentationNode
    apHead: slicer.vtkMRMLMarkupsFiducialNode   # one point on the femoral-head centre in each radiograph
    latHead: slicer.vtkMRMLMarkupsFiducialNode
    side: Annotated[str, Choice(list(SIDES))] = "right"
    outputGrid: Annotated[str, Choice(list(OUTPUT_GRIDS))] = "paper"
    refine: bool = False
    refinePose: bool = False
    refineIterations: int = 60
    refineGrid: Annotated[str, Choice(list(REFINE_GRIDS))] = "standard"


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
        # The model list comes from the daemon, so the combo box is filled here, not bound by the parameter node wrapper
        # (which binds a QComboBox only to a fixed Choice); an empty entry means "the daemon's best trained model".
        self.ui.model.connect("currentTextChanged(QString)", self.onModelChosen)
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
            self.ui.model.currentText = self._parameterNode.model

    def onModelChosen(self, text):
        if self._parameterNode:
            self._parameterNode.model = text.strip()

    def listModels(self):
        """Fills the model box from the daemon and preselects its best trained model (unless the user chose one it has);
        returns a line for the status."""
        from SlicerRegLib.client import default_model, no_trained_model_message
        p = self._parameterNode
        cards = self.logic.models(p.serverAddress, p.token or None, p.caFile or None)
        chosen = p.model if any(c.name == p.model and c.available for c in cards) else default_model(cards)
        self.ui.model.clear()
        for c in cards:
            self.ui.model.addItem(c.name)
        self.ui.model.currentText = chosen or ""
        p.model = chosen or ""
        listed = "; ".join(f"{c.name} ({'available' if c.available else c.unavailable_reason}): {c.summary}" for c in cards)
        if chosen is None:
            return no_trained_model_message(p.serverAddress, cards)
        return f"daemon OK, model {chosen}. Models: {listed}"

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
        try:
            self.logic.ensureDependencies(ask=True)
            self._status(self.listModels())
        except Exception as e:
            self._status(str(e))
            slicer.util.errorDisplay(str(e))

    def onStartDaemon(self):
        p = self._parameterNode
        try:
            self.logic.ensureDependencies(ask=True)
            with slicer.util.WaitCursor():
                p.serverAddress = self.logic.startLocalDaemon(p.atlasFile or None, p.atlasLabelsFile or None, p.slicerregExecutable or None)
                self._status(f"local daemon listening on {p.serverAddress}: {self.listModels()}")
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
                loaded = self.logic.loadResults(task.result, self._parameterNode, task.views)
            self._status(f"done in {task.result.seconds:.1f} s with {task.result.model}: {task.result.message} "
                         f"({len(loaded.nodes)} nodes). " + " ".join(n[0].upper() + n[1:] + "." for n in loaded.notes))
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
        dialog = slicer.util.createProgressDialog(windowTitle="SlicerReg", labelText="installing Python packages",
                                                  maximum=len(missing), value=0)

        def progress(done, total, text):
            dialog.labelText, dialog.value = text, done
            slicer.app.processEvents()
        try:
            with slicer.util.WaitCursor():
                SlicerRegLib.install_dependencies(slicer.util.pip_install, progress, missing)  # pip's output: the Python console
        finally:
            dialog.close()

    # -- daemon ------------------------------------------------------------------------------------------------------

    def models(self, address, token=None, caFile=None):
        from SlicerRegLib.client import RegistrationClient
        with RegistrationClient.connect(address, token, ca_file=caFile) as c:
            return c.models()

    def startLocalDaemon(self, atlas=None, atlasLabels=None, slicerreg=None):
        """Starts `slicerreg serve --socket ...` (stopped with the module or when Slicer exits); returns its address. It
        serves the daemon's default models (the shipped atlas/models); an atlas adds the identity placeholder on it."""
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
        apPixels, latPixels = self.radiographPixels(p.apVolume), self.radiographPixels(p.latVolume)
        task = RegistrationTask(p.serverAddress, p.token or None, apPixels, apView, latPixels, latView, model=p.model or None,
                                ca_file=p.caFile or None, register_options=self.registerOptions(p, apPixels, latPixels),
                                client=f"Slicer {slicer.app.applicationVersion} / SlicerReg module {SlicerRegLib.__version__}")
        task.views = {"AP": (p.apVolume, apView), "LAT": (p.latVolume, latView)}
        return task.start()

    def registerOptions(self, p, apPixels, latPixels):
        """The RegisterOptions of the "Real radiographs and refinement" section (logic in SlicerRegLib.radiograph_inputs)."""
        from SlicerRegLib import radiograph_inputs
        masks = [None if seg is None else radiograph_inputs.mask_from_labelmap(self.segmentationOnRadiograph(seg, volume), pixels, seg.GetName())
                 for seg, volume, pixels in ((p.apMask, p.apVolume, apPixels), (p.latMask, p.latVolume, latPixels))]
        heads = [None if point is None else radiograph_inputs.head_pixel(self.firstPoint(point), self.ijkToWorld(volume), pixels, point.GetName())
                 for point, volume, pixels in ((p.apHead, p.apVolume, apPixels), (p.latHead, p.latVolume, latPixels))]
        return radiograph_inputs.register_options(
            radiograph_kind=p.radiographKind, side=p.side, output_grid=p.outputGrid, refine=p.refine, refine_pose=p.refinePose,
            refine_iterations=p.refineIterations, refine_grid=p.refineGrid, ap_mask=masks[0], lateral_mask=masks[1],
            ap_head=heads[0], lateral_head=heads[1],
            ap_metadata=self.radiographMetadata(p.apVolume), lateral_metadata=self.radiographMetadata(p.latVolume))

    @staticmethod
    def segmentationOnRadiograph(segmentationNode, volumeNode):
        """The segmentation's visible segments as a label map array on the radiograph's own grid ([1, rows, columns])."""
        labelmap = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLLabelMapVolumeNode")
        try:
            slicer.modules.segmentations.logic().ExportVisibleSegmentsToLabelmapNode(segmentationNode, labelmap, volumeNode)
            return slicer.util.arrayFromVolume(labelmap).copy()
        finally:
            slicer.mrmlScene.RemoveNode(labelmap)

    @staticmethod
    def firstPoint(markupsNode):
        if markupsNode.GetNumberOfControlPoints() < 1:
            raise ValueError(f"{markupsNode.GetName()}: place a point on the femoral-head centre")
        ras = [0.0, 0.0, 0.0]
        markupsNode.GetNthControlPointPositionWorld(0, ras)
        return ras

    @staticmethod
    def ijkToWorld(volumeNode):
        """The radiograph's IJK→world matrix (its IJK→RAS and its parent transforms: placed radiographs move)."""
        m, parent = vtk.vtkMatrix4x4(), vtk.vtkMatrix4x4()
        volumeNode.GetIJKToRASMatrix(m)
        slicer.vtkMRMLTransformNode.GetMatrixTransformBetweenNodes(volumeNode.GetParentTransformNode(), None, parent)
        return slicer.util.arrayFromVTKMatrix(parent) @ slicer.util.arrayFromVTKMatrix(m)

    @staticmethod
    def radiographMetadata(volumeNode):
        """The radiograph file's metadata that radiograph kind "auto" reads (NRRD key:=value fields), or {}."""
        from SlicerRegLib import nrrd
        storage = volumeNode.GetStorageNode()
        path = storage.GetFileName() if storage else None
        if not path or not path.lower().endswith(".nrrd") or not os.path.isfile(path):
            return {}
        return nrrd.read_metadata(path)

    def register(self, p, progress=None):
        """Blocking registration for scripts: returns loadResults' LoadedResults (.nodes by role, .notes)."""
        task = self.startRegistration(p)
        while not task.wait(0.1):
            if progress:
                progress(task.snapshot())
        if task.state != "succeeded":
            raise RuntimeError(f"SlicerReg registration {task.state}: {task.error}")
        return self.loadResults(task.result, p, task.views)

    # -- results → nodes ---------------------------------------------------------------------------------------------

    def loadResults(self, result, p=None, viewsByRole=None):
        """Each result once, by role, in the scene (SlicerRegLib.results.load_results: warped atlas, label map +
        segmentation, grid transform, affine, overlays; the previous registration's nodes replaced unless kept), the
        radiographs placed in their detector planes when asked. Returns LoadedResults (.nodes by role, .notes: what was
        done to nodes already in the scene, to tell the user)."""
        from SlicerRegLib.results import load_results
        loaded = load_results(result, slicer.mrmlScene, viewsByRole,
                              place_radiographs=p is None or p.placeRadiographs, show_overlay=p is None or p.showOverlay,
                              make_segmentation=p is None or p.makeSegmentation,
                              keep_previous=p is not None and p.keepPreviousResults,
                              import_labelmap=slicer.modules.segmentations.logic().ImportLabelmapToSegmentationNode,
                              oriented_grid_transform=slicer.vtkOrientedGridTransform)
        if WARPED_ATLAS in loaded.nodes:
            slicer.util.setSliceViewerLayers(background=loaded.nodes[WARPED_ATLAS], fit=True)
        return loaded


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
        from SlicerRegLib import vtkobjects
        from SlicerRegLib.volumes import Volume
        rows, columns = view.size[1], view.size[0]
        pixels = np.fromfunction(lambda r, c: c + 1000 * r, (rows, columns), dtype=np.float32)[None]
        node = slicer.mrmlScene.AddNewNodeByClass("vtkMRMLScalarVolumeNode", name)
        node.SetAndObserveImageData(vtkobjects.image_data(Volume(pixels, view.image_ijk_to_ras())))
        node.SetIJKToRASMatrix(vtkobjects.vtk_matrix(view.image_ijk_to_ras()))
        node.CreateDefaultDisplayNodes()
        return node, pixels[0]

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
        """What tests/python/test_bridge_vtk.py cannot check without Slicer: real MRML nodes, the segmentations logic, and
        a rotated grid (Slicer's vtkOrientedGridTransform)."""
        self.delayDisplay("results → nodes (no daemon)")
        from SlicerRegLib import scene
        from SlicerRegLib.client import RegistrationResult
        from SlicerRegLib.volumes import Volume
        m = np.array([[0, -1.2, 0, 10.5], [1.5, 0, 0, -20], [0, 0, 2.5, 30], [0, 0, 0, 1]])  # rotated: i → A, j → −R
        atlas = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
        labels = (atlas > 60).astype(np.uint8)
        u = np.zeros((4, 5, 6, 3), np.float32)
        u[..., 0] = 5.0
        u[..., 2] = np.arange(6) * 0.5  # varies along i
        affine = np.array([[1, 0, 0, 3.0], [0, 1, 0, -2.0], [0, 0, 1, 1.0], [0, 0, 0, 1]])
        field = Volume(u, m, "displacement_field")
        result = RegistrationResult("job", "test", {"warped_atlas": Volume(atlas, m), "warped_labels": Volume(labels, m, "label_map"),
                                                    "displacement_field": field}, affine, "test", 0.0)
        logic = SlicerRegLogic()
        nodes = logic.loadResults(result).nodes
        np.testing.assert_array_equal(slicer.util.arrayFromVolume(nodes["warped_atlas"]), atlas)
        ijk = vtk.vtkMatrix4x4()
        nodes["warped_atlas"].GetIJKToRASMatrix(ijk)
        np.testing.assert_allclose(slicer.util.arrayFromVTKMatrix(ijk), m, atol=1e-9)
        np.testing.assert_array_equal(slicer.util.arrayFromVolume(nodes["warped_labels"]), labels)
        self.assertEqual(nodes["segmentation"].GetSegmentation().GetNumberOfSegments(), 1)
        # Pull-back: the transform FROM parent sends patient x to x + u(x) in the atlas; TO parent brings it back.
        x = (m @ [2.5, 2, 1.5, 1])[:3]
        fromParent, toParent = nodes["displacement_field"].GetTransformFromParent(), nodes["displacement_field"].GetTransformToParent()
        np.testing.assert_allclose(fromParent.TransformPoint(x), scene.warp_point(field, x), atol=1e-4)
        np.testing.assert_allclose(toParent.TransformPoint(scene.warp_point(field, x)), x, atol=1e-2)
        toParentMatrix = vtk.vtkMatrix4x4()
        nodes["affine"].GetMatrixTransformToParent(toParentMatrix)
        np.testing.assert_allclose(slicer.util.arrayFromVTKMatrix(toParentMatrix), affine, atol=1e-12)
        # Again: replaced, not added.
        logic.loadResults(result)
        for className, count in (("vtkMRMLScalarVolumeNode", 1), ("vtkMRMLLabelMapVolumeNode", 1), ("vtkMRMLSegmentationNode", 1),
                                 ("vtkMRMLGridTransformNode", 1), ("vtkMRMLLinearTransformNode", 1)):
            self.assertEqual(slicer.mrmlScene.GetNumberOfNodesByClass(className), count, className)
        self.delayDisplay("ok")

    def test_end_to_end_with_a_local_daemon(self):
        """Needs SLICERREG (slicerreg executable or slicerreg.dll) of a source tree, whose daemon serves the shipped
        model (atlas/models) by default; skipped otherwise."""
        if not (os.environ.get("SLICERREG") or __import__("shutil").which("slicerreg")):
            self.delayDisplay("end-to-end skipped: set SLICERREG")
            return
        self.delayDisplay("end to end: local daemon, the shipped model, register, results")
        logic = SlicerRegLogic()
        SlicerRegLogic.ensureDependencies(ask=False)
        p = logic.getParameterNode()
        p.serverAddress = logic.startLocalDaemon()
        try:
            p.apVolume, _ = self._radiographNode(views.load_view("ap"), "AP")
            p.latVolume, _ = self._radiographNode(views.load_view("lateral"), "LAT")
            p.apGeometry, p.latGeometry = "preset", "preset"
            p.model = ""
            nodes = logic.register(p).nodes
            self.assertEqual(sorted(nodes), ["affine", "displacement_field", "overlay_ap", "overlay_lateral", "segmentation",
                                             "warped_atlas", "warped_labels"])
            self.assertTrue(nodes["displacement_field"].IsA("vtkMRMLGridTransformNode"))
            self.assertEqual(slicer.mrmlScene.GetNumberOfNodesByClass("vtkMRMLLabelMapVolumeNode"), 3)  # labels + 2 overlays
        finally:
            logic.stopLocalDaemon()
        self.delayDisplay("ok")
