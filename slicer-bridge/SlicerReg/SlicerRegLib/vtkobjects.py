"""Volumes as the VTK objects Slicer's nodes hold: the vtkImageData of a volume node, the vtkMatrix4x4 of an IJK→RAS or
a transform, and the grid transform of a displacement field. Needs only VTK (Slicer's, or Debian's python3-vtk9, with
which tests/python/test_bridge_vtk.py checks them); no MRML, no Slicer.

Conventions that decide whether a result lands in the right place:
- A Slicer volume node keeps its geometry in the node (SetIJKToRASMatrix); its vtkImageData stays at origin 0,
  spacing 1, identity direction, indexed (i, j, k) with i fastest, the protocol's and numpy's [k, j, i] byte order.
- A displacement field's vtkImageData is the opposite: the grid transform reads origin and spacing (RAS mm) from it.
- The field is pull-back (patient x → atlas x + u(x)), which is what Slicer resamples with: it is the transform FROM
  parent, and Slicer derives "to parent" (atlas → patient, used to move points and models) as its inverse.
"""
import numpy as np
import vtk
from vtk.util.numpy_support import numpy_to_vtk

from .scene import grid_geometry


def vtk_matrix(m):
    """A vtkMatrix4x4 of a 4×4 array (row r, column c = m[r][c])."""
    vm = vtk.vtkMatrix4x4()
    for r in range(4):
        for c in range(4):
            vm.SetElement(r, c, float(m[r][c]))
    return vm


def matrix_array(vm):
    """The 4×4 numpy array of a vtkMatrix4x4."""
    return np.array([[vm.GetElement(r, c) for c in range(4)] for r in range(4)])


def image_data(volume):
    """The vtkImageData of a volume node: voxels [k, j, i(, c)] copied, origin 0, spacing 1 (the node carries IJK→RAS)."""
    voxels = np.ascontiguousarray(volume.voxels)
    k, j, i = voxels.shape[:3]
    image = vtk.vtkImageData()
    image.SetDimensions(i, j, k)
    scalars = numpy_to_vtk(voxels.reshape(i * j * k, volume.components), deep=True)
    scalars.SetName("ImageScalars")
    image.GetPointData().SetScalars(scalars)
    return image


def displacement_grid(field):
    """The vtkImageData a grid transform reads: u (RAS mm, float64 × 3) at origin and spacing of the field's grid."""
    if field.voxels.ndim != 4 or field.voxels.shape[3] != 3:
        raise ValueError(f"a displacement field has 3 components per voxel, got voxels of shape {field.voxels.shape}")
    origin, spacing, _ = grid_geometry(field.ijk_to_ras)
    k, j, i = field.voxels.shape[:3]
    grid = vtk.vtkImageData()
    grid.SetOrigin(*origin)
    grid.SetSpacing(*spacing)
    grid.SetDimensions(i, j, k)
    grid.GetPointData().SetScalars(numpy_to_vtk(np.asarray(field.voxels, dtype=np.float64).reshape(-1, 3), deep=True))
    return grid


def grid_transform(field, oriented_grid_transform=None):
    """The pull-back field as the transform FROM parent (see the module's docstring), linear interpolation.

    A grid along the RAS axes (every result the daemon returns: the atlas grid) is a plain vtkGridTransform, the same
    object in and out of Slicer. A rotated or flipped grid needs the grid direction, which VTK's vtkGridTransform ignores:
    pass Slicer's vtkOrientedGridTransform class (slicer.vtkOrientedGridTransform); without it such a field is refused."""
    _, _, direction = grid_geometry(field.ijk_to_ras)
    axis_aligned = np.allclose(direction, np.eye(3), atol=1e-9)
    if axis_aligned:
        transform = vtk.vtkGridTransform()
    elif oriented_grid_transform is not None:
        transform = oriented_grid_transform()
        d = np.eye(4)
        d[:3, :3] = direction
        transform.SetGridDirectionMatrix(vtk_matrix(d))
    else:
        raise ValueError("the displacement field's grid is not along the RAS axes (direction "
                         f"{np.round(direction, 6).tolist()}): it needs Slicer's vtkOrientedGridTransform")
    transform.SetInterpolationModeToLinear()
    # "To parent" (moving points and models from the atlas onto the patient) is the iterative inverse; VTK's default
    # tolerance leaves up to 0.01 mm, this one 0.001 mm.
    transform.SetInverseTolerance(0.001)
    transform.SetDisplacementGridData(displacement_grid(field))
    return transform
