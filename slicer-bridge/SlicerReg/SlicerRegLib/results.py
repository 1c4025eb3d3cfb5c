"""A registration's results as scene nodes, each result once, by its role (the module's loadResults).

Written against the few MRML calls it needs, so the same code runs on Slicer's scene and on the recording scene of
tests/python (which keeps real VTK objects and counts the nodes): scene.AddNewNodeByClass, RemoveNode,
GetNumberOfNodes, GetNthNode; node.GetID, SetAttribute, GetAttribute, GetName, and GetTransformNodeID /
SetAndObserveTransformNodeID where a node has them; volume nodes' SetAndObserveImageData, SetIJKToRASMatrix,
CreateDefaultDisplayNodes; transform nodes' SetAndObserveTransformFromParent and SetMatrixTransformToParent; segmentation
nodes' CreateClosedSurfaceRepresentation.

| result | node(s) |
|---|---|
| warped_atlas | scalar volume "SlicerReg warped atlas" |
| warped_labels | label map "SlicerReg labels" + segmentation "SlicerReg femur" (when asked) |
| displacement_field | grid transform "SlicerReg displacement" (pull-back, FROM parent) |
| affine | linear transform "SlicerReg affine" (atlas → patient, TO parent) |
| overlay_ap, overlay_lateral | label maps "SlicerReg AP overlay", "SlicerReg LAT overlay": the daemon's exact projection; when the
  daemon sends none (the identity placeholder), the bridge projects warped_labels itself — one or the other, never both |

Every node made here carries the attribute ROLE_ATTRIBUTE (its role) and RUN_ATTRIBUTE (which registration). A new
registration removes the nodes of the previous ones (only nodes carrying ROLE_ATTRIBUTE: never the user's; a user's node
under a replaced transform moves to its successor), or, when asked to keep them, names its own nodes with the run
number ("SlicerReg warped atlas 2"). The user's radiograph nodes are changed only when asked (placed in their detector
planes); every change to a node that was already in the scene is reported in LoadedResults.notes.
"""
from dataclasses import dataclass, field

from . import vtkobjects
from .names import DISPLACEMENT_FIELD, OVERLAY_AP, OVERLAY_LATERAL, WARPED_ATLAS, WARPED_LABELS
from .scene import project_label
from .volumes import Volume

ROLE_ATTRIBUTE = "SlicerReg.role"
RUN_ATTRIBUTE = "SlicerReg.run"
OVERLAY_RESULTS = {"AP": OVERLAY_AP, "LAT": OVERLAY_LATERAL}   # view role → the overlay's result name (and node role)

_VOLUMES = {WARPED_ATLAS: ("vtkMRMLScalarVolumeNode", "SlicerReg warped atlas"),
            WARPED_LABELS: ("vtkMRMLLabelMapVolumeNode", "SlicerReg labels")}


@dataclass
class LoadedResults:
    nodes: dict                                  # role → node; roles: the result names, "segmentation", "affine"
    run: int                                     # 1 for the first kept registration in the scene
    notes: list = field(default_factory=list)    # what was done to nodes that were already in the scene, in words


def our_nodes(scene):
    """The nodes earlier registrations made (those carrying ROLE_ATTRIBUTE), in scene order."""
    nodes = (scene.GetNthNode(n) for n in range(scene.GetNumberOfNodes()))
    return [node for node in nodes if node is not None and node.GetAttribute(ROLE_ATTRIBUTE)]


def load_results(result, scene, views_by_role=None, place_radiographs=True, show_overlay=True, make_segmentation=True,
                 keep_previous=False, import_labelmap=None, oriented_grid_transform=None):
    """Puts a RegistrationResult into the scene; returns LoadedResults.

    views_by_role: {"AP" | "LAT": (radiograph node, CalibratedView)} of the job's inputs. import_labelmap(labelNode,
    segmentationNode) fills a segmentation from a label map (in Slicer the segmentations logic's
    ImportLabelmapToSegmentationNode); without it no segmentation is made. oriented_grid_transform: Slicer's
    vtkOrientedGridTransform class, needed only for a displacement field whose grid is not along the RAS axes."""
    notes = []
    previous = our_nodes(scene)
    run = 1 + max((int(n.GetAttribute(RUN_ATTRIBUTE) or 1) for n in previous), default=0) if keep_previous else 1
    suffix = f" {run}" if run > 1 else ""

    def add(role, class_name, name):
        node = scene.AddNewNodeByClass(class_name, name + suffix)
        node.SetAttribute(ROLE_ATTRIBUTE, role)
        node.SetAttribute(RUN_ATTRIBUTE, str(run))
        return node

    def volume_node(role, volume, class_name, name):
        node = add(role, class_name, name)
        node.SetAndObserveImageData(vtkobjects.image_data(volume))
        node.SetIJKToRASMatrix(vtkobjects.vtk_matrix(volume.ijk_to_ras))
        node.CreateDefaultDisplayNodes()
        return node

    nodes = {}
    for role, (class_name, name) in _VOLUMES.items():
        if role in result.volumes:
            nodes[role] = volume_node(role, result.volumes[role], class_name, name)
    if WARPED_LABELS in nodes and make_segmentation and import_labelmap is not None:
        seg = add("segmentation", "vtkMRMLSegmentationNode", "SlicerReg femur")
        seg.CreateDefaultDisplayNodes()
        import_labelmap(nodes[WARPED_LABELS], seg)
        seg.CreateClosedSurfaceRepresentation()
        nodes["segmentation"] = seg
    if DISPLACEMENT_FIELD in result.volumes:
        node = add(DISPLACEMENT_FIELD, "vtkMRMLGridTransformNode", "SlicerReg displacement")
        node.SetAndObserveTransformFromParent(vtkobjects.grid_transform(result.volumes[DISPLACEMENT_FIELD], oriented_grid_transform))
        nodes[DISPLACEMENT_FIELD] = node
    if result.affine is not None:
        node = add("affine", "vtkMRMLLinearTransformNode", "SlicerReg affine")
        node.SetMatrixTransformToParent(vtkobjects.vtk_matrix(result.affine))
        nodes["affine"] = node

    views_by_role = views_by_role or {}
    for view_role, (radiograph, view) in views_by_role.items():
        if place_radiographs:
            radiograph.SetIJKToRASMatrix(vtkobjects.vtk_matrix(view.image_ijk_to_ras()))
            notes.append(f"moved the {view_role} radiograph '{radiograph.GetName()}' into its detector plane (its IJK→RAS "
                         "changed; untick 'Place radiographs' to leave it where it was)")
    for view_role, name in OVERLAY_RESULTS.items() if show_overlay else ():
        overlay = result.volumes.get(name)
        if overlay is None and WARPED_LABELS in result.volumes and view_role in views_by_role:
            view = views_by_role[view_role][1]
            mask = project_label(result.volumes[WARPED_LABELS], view)[None]  # (1, rows, columns) = [k, j, i]
            overlay = Volume(mask, view.image_ijk_to_ras(), "label_map")
        if overlay is not None:
            nodes[name] = volume_node(name, overlay, "vtkMRMLLabelMapVolumeNode", f"SlicerReg {view_role} overlay")
    if not keep_previous and previous:
        _move_user_nodes(scene, previous, nodes, notes)
        for node in previous:
            scene.RemoveNode(node)
        notes.append(f"replaced the previous results ({len(previous)} nodes)")
    return LoadedResults(nodes, run, notes)


def _move_user_nodes(scene, previous, nodes, notes):
    """The user's nodes placed under a transform about to be replaced (e.g. their atlas under the displacement) move to
    the new transform of the same role, so that replacing results leaves them where the user put them, in the tree."""
    replaced = {n.GetID(): n.GetAttribute(ROLE_ATTRIBUTE) for n in previous}
    for n in range(scene.GetNumberOfNodes()):
        node = scene.GetNthNode(n)
        parent = getattr(node, "GetTransformNodeID", lambda: None)()
        if parent in replaced and not node.GetAttribute(ROLE_ATTRIBUTE):
            role = replaced[parent]
            new = nodes.get(role)
            node.SetAndObserveTransformNodeID(new.GetID() if new is not None else None)
            notes.append(f"'{node.GetName()}' was under the previous {role.replace('_', ' ')}: "
                         + (f"it is now under '{new.GetName()}'" if new is not None else "this run has none, so it is under nothing now"))
