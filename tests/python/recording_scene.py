"""A minimal stand-in for Slicer's MRML scene (Slicer cannot be installed here): it records the nodes that
SlicerRegLib.results.load_results creates and keeps the real VTK objects handed to them, so the tests can count nodes
by class and role and apply the transforms as Slicer would. Only the MRML calls load_results makes exist, with MRML's
meaning: a transform node stores what it is given and derives the other direction as the inverse
(vtkMRMLTransformNode::GetTransformToParent of a node set "from parent" is that transform's GetInverse()), and
GetIJKToRASMatrix copies into the caller's matrix."""
import vtk


class RecordedNode:
    def __init__(self, scene, class_name, name, node_id):
        self.scene, self.class_name, self.name, self.id = scene, class_name, name, node_id
        self.attributes = {}
        self.image = self.ijk_to_ras = None
        self.from_parent = self.to_parent_matrix = None
        self.display_nodes = 0
        self.transform_node_id = None
        self.closed_surface = False
        self.imported_from = None

    def GetID(self):
        return self.id

    def GetName(self):
        return self.name

    def SetName(self, name):
        self.name = name

    def GetClassName(self):
        return self.class_name

    def IsA(self, class_name):
        return class_name == self.class_name

    def SetAttribute(self, key, value):
        self.attributes[key] = value

    def GetAttribute(self, key):
        return self.attributes.get(key)

    def CreateDefaultDisplayNodes(self):
        self.display_nodes += 1

    def GetTransformNodeID(self):
        return self.transform_node_id

    def SetAndObserveTransformNodeID(self, node_id):
        self.transform_node_id = node_id

    # volume nodes
    def SetAndObserveImageData(self, image):
        self.image = image

    def GetImageData(self):
        return self.image

    def SetIJKToRASMatrix(self, matrix):
        self.ijk_to_ras = vtk.vtkMatrix4x4()
        self.ijk_to_ras.DeepCopy(matrix)

    def GetIJKToRASMatrix(self, matrix):
        matrix.DeepCopy(self.ijk_to_ras)

    # transform nodes
    def SetAndObserveTransformFromParent(self, transform):
        self.from_parent = transform

    def GetTransformFromParent(self):
        return self.from_parent

    def GetTransformToParent(self):
        return self.from_parent.GetInverse()

    def SetMatrixTransformToParent(self, matrix):
        self.to_parent_matrix = vtk.vtkMatrix4x4()
        self.to_parent_matrix.DeepCopy(matrix)

    def GetMatrixTransformToParent(self, matrix):
        matrix.DeepCopy(self.to_parent_matrix)

    def GetMatrixTransformFromParent(self, matrix):
        matrix.DeepCopy(self.to_parent_matrix)
        matrix.Invert()

    # segmentation nodes
    def CreateClosedSurfaceRepresentation(self):
        self.closed_surface = True

    def __repr__(self):
        return f"{self.class_name}({self.name!r})"


class RecordingScene:
    def __init__(self):
        self.nodes, self.removed, self._next = [], [], 1

    def AddNewNodeByClass(self, class_name, name=""):
        node = RecordedNode(self, class_name, name, f"{class_name}{self._next}")
        self._next += 1
        self.nodes.append(node)
        return node

    def RemoveNode(self, node):
        self.nodes.remove(node)
        self.removed.append(node)

    def GetNumberOfNodes(self):
        return len(self.nodes)

    def GetNthNode(self, n):
        return self.nodes[n]

    def count(self, class_name, role=None):
        return sum(1 for n in self.nodes if n.class_name == class_name and (role is None or n.GetAttribute("SlicerReg.role") == role))


def import_labelmap(label_node, segmentation_node):
    """Records what Slicer's ImportLabelmapToSegmentationNode would be asked to import."""
    segmentation_node.imported_from = label_node
