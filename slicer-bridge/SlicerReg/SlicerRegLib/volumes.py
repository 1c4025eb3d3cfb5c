"""numpy arrays + IJK→RAS matrices ⇄ slicerreg.v1 messages, with the world frame always explicit.

Axis order. Arrays here are indexed like Slicer's `slicer.util.arrayFromVolume`: **[k, j, i]** for scalars and
**[k, j, i, c]** for vectors (C order, so i varies fastest in memory — exactly the protocol's byte order, "index i
fastest, then j, then k; components interleaved"). A volume's shape on the wire is [I, J, K] = array.shape[2::-1].
A radiograph is rows × columns, [r, c] (column index fastest, row 0 on top), the [0] slice of a single-slice volume
(Slicer gives such an image node as an array of shape (1, rows, columns)).

Frames. Matrices are 4×4 IJK→world, world = M·[i, j, k, 1]. In memory everything is RAS (Slicer's world); a message
may say LPS, in which case the matrix's first two rows and the first two components of displacement/vector voxels are
negated on the way in (p_LPS = diag(−1, −1, 1)·p_RAS, docs/conventions.md).
"""
import hashlib
from dataclasses import dataclass, field

import numpy as np

from .protocol import stubs
from .views import CalibratedView

CHUNK_BYTES = 1 << 20  # the daemon accepts ≤ 4 MiB − 64 KiB per chunk; 1 MiB is what SlicerReg's clients send
LPS_FLIP = np.diag([-1.0, -1.0, 1.0, 1.0])

_DTYPES = {"VOXEL_TYPE_UINT8": "<u1", "VOXEL_TYPE_INT16": "<i2", "VOXEL_TYPE_UINT16": "<u2", "VOXEL_TYPE_INT32": "<i4",
           "VOXEL_TYPE_FLOAT32": "<f4", "VOXEL_TYPE_FLOAT64": "<f8"}
KINDS = ("scalar", "label_map", "displacement_field", "vector")


class ProtocolError(RuntimeError):
    """A message from the daemon that breaks the protocol (bad length, checksum, header)."""


@dataclass
class Volume:
    """A volume in memory: voxels [k, j, i] or [k, j, i, c], IJK→RAS 4×4, and what the voxels mean
    ("scalar", "label_map", "displacement_field": RAS mm, pull-back; "vector")."""
    voxels: np.ndarray
    ijk_to_ras: np.ndarray
    kind: str = "scalar"
    metadata: dict = field(default_factory=dict)

    @property
    def components(self):
        return 1 if self.voxels.ndim == 3 else self.voxels.shape[3]

    @property
    def shape_ijk(self):
        return tuple(int(n) for n in self.voxels.shape[2::-1])

    def ras_of_index(self, ijk):
        """RAS position of voxel index (i, j, k) — note the order: i first, unlike the array."""
        return (self.ijk_to_ras @ np.append(np.asarray(ijk, dtype=float), 1.0))[:3]

    def __repr__(self):
        return f"Volume({self.kind}, IJK {self.shape_ijk}×{self.components} {self.voxels.dtype})"


def voxel_type_name(dtype):
    """The protocol's VoxelType name of a numpy dtype (little-endian assumed on the wire)."""
    dt = np.dtype(dtype).newbyteorder("<")
    for name, code in _DTYPES.items():
        if np.dtype(code) == dt:
            return name
    raise ValueError(f"voxel type {np.dtype(dtype)} is not supported by the protocol (uint8, int16, uint16, int32, float32, float64)")


def dtype_of(voxel_type):
    pb = stubs()["data_pb2"]
    name = pb.VoxelType.Name(voxel_type) if isinstance(voxel_type, int) else voxel_type
    if name not in _DTYPES:
        raise ProtocolError(f"voxel type {name} is not supported")
    return np.dtype(_DTYPES[name])


# ---- volumes -----------------------------------------------------------------------------------------------------

def volume_header(volume, coordinate_system="RAS"):
    """A VolumeHeader for a Volume, written in the given frame ("RAS" or "LPS"); returns (header, payload bytes)."""
    pb = stubs()["data_pb2"]
    frame = coordinate_system.upper()
    if frame not in ("RAS", "LPS"):
        raise ValueError(f"coordinate system must be RAS or LPS, got {coordinate_system!r}")
    if volume.voxels.ndim not in (3, 4):
        raise ValueError(f"voxels must be [k, j, i] or [k, j, i, c], got shape {volume.voxels.shape}")
    m = np.asarray(volume.ijk_to_ras, dtype=float)
    voxels = volume.voxels
    if frame == "LPS":
        m = LPS_FLIP @ m
        if volume.kind in ("displacement_field", "vector"):
            voxels = _flip_xy_components(voxels)
    payload = np.ascontiguousarray(voxels, dtype=voxels.dtype.newbyteorder("<")).tobytes()
    header = pb.VolumeHeader(shape=list(volume.shape_ijk), components=volume.components,
                             voxel_type=pb.VoxelType.Value(voxel_type_name(voxels.dtype)),
                             kind=pb.VolumeKind.Value("VOLUME_KIND_" + volume.kind.upper()),
                             index_to_world=m.reshape(-1).tolist(),
                             coordinate_system=pb.CoordinateSystem.Value("COORDINATE_SYSTEM_" + frame),
                             byte_length=len(payload))
    return header, payload


def volume_from_message(header, payload):
    """A Volume (RAS, [k, j, i(, c)]) from a VolumeHeader and its bytes."""
    pb = stubs()["data_pb2"]
    shape = list(header.shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ProtocolError(f"volume header: shape must be 3 positive sizes [I, J, K], got {shape}")
    dtype = dtype_of(header.voxel_type)
    c = header.components or 1
    expected = shape[0] * shape[1] * shape[2] * c * dtype.itemsize
    if len(payload) != expected or header.byte_length != expected:
        raise ProtocolError(f"volume: {len(payload)} bytes received, header declares {header.byte_length}, shape needs {expected}")
    frame = pb.CoordinateSystem.Name(header.coordinate_system)
    if frame not in ("COORDINATE_SYSTEM_RAS", "COORDINATE_SYSTEM_LPS"):
        raise ProtocolError(f"volume header: coordinate_system must be RAS or LPS, got {frame}")
    m = np.array(header.index_to_world, dtype=float).reshape(4, 4)
    kind = pb.VolumeKind.Name(header.kind)[len("VOLUME_KIND_"):].lower()
    dims = (shape[2], shape[1], shape[0]) + ((c,) if c > 1 or kind in ("displacement_field", "vector") else ())
    voxels = np.frombuffer(payload, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))
    if frame == "COORDINATE_SYSTEM_LPS":
        m = LPS_FLIP @ m
        if kind in ("displacement_field", "vector"):
            voxels = _flip_xy_components(voxels)
    return Volume(voxels, m, kind if kind != "unspecified" else "scalar")


def _flip_xy_components(voxels):
    out = np.array(voxels, copy=True)
    out[..., :2] *= -1
    return out


# ---- radiographs -------------------------------------------------------------------------------------------------

def image_pixels(array, view=None, name="image"):
    """A radiograph's pixels as a 2-D float32 array [row, column] from a 2-D array or a single-slice volume array
    (1, rows, columns) — Slicer's arrayFromVolume of an image node. Checks the size against the view when given; the
    pixels themselves are checked by validation.check (as the daemon checks them)."""
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2:
        raise ValueError(f"{name}: a radiograph is one slice, [rows, columns] or [1, rows, columns] (k, j, i); got shape {np.asarray(array).shape}")
    if view is not None and (a.shape[1], a.shape[0]) != tuple(view.size):
        raise ValueError(f"{name}: image is {a.shape[1]}×{a.shape[0]} pixels (columns × rows) but its view declares "
                         f"{view.size[0]}×{view.size[1]}")
    if not np.issubdtype(a.dtype, np.number):
        raise ValueError(f"{name}: pixels must be numbers, got {a.dtype}")
    return a.astype(np.float32)


def view_message(view):
    pb = stubs()["data_pb2"]
    return pb.CalibratedView(source=view.source.tolist(), detector_center=view.detector_center.tolist(),
                             column_direction=view.column_direction.tolist(), row_direction=view.row_direction.tolist(),
                             pixel_spacing=list(view.pixel_spacing), size=list(view.size),
                             coordinate_system=pb.COORDINATE_SYSTEM_RAS)


def view_from_message(m):
    pb = stubs()["data_pb2"]
    flip = np.array([-1.0, -1.0, 1.0]) if m.coordinate_system == pb.COORDINATE_SYSTEM_LPS else np.ones(3)
    if m.coordinate_system not in (pb.COORDINATE_SYSTEM_RAS, pb.COORDINATE_SYSTEM_LPS):
        raise ProtocolError("view: coordinate_system must be RAS or LPS")
    return CalibratedView(flip * np.array(m.source), flip * np.array(m.detector_center), flip * np.array(m.column_direction),
                          flip * np.array(m.row_direction), tuple(m.pixel_spacing), tuple(m.size))


def image_header(pixels, view, role):
    """ImageHeader + payload for a radiograph (pixels [row, column] float32) with its view; role "AP" or "LAT"."""
    pb = stubs()["data_pb2"]
    payload = np.ascontiguousarray(pixels, dtype="<f4").tobytes()  # row-major: column index fastest, row 0 first
    header = pb.ImageHeader(role=pb.ViewRole.Value("VIEW_ROLE_" + role), shape=[pixels.shape[1], pixels.shape[0]],
                            voxel_type=pb.VOXEL_TYPE_FLOAT32, view=view_message(view), byte_length=len(payload))
    return header, payload


# ---- transfers ---------------------------------------------------------------------------------------------------

def chunks(payload, chunk_bytes=CHUNK_BYTES):
    """(offset, bytes) pieces of a transfer, then the SHA-256 of all bytes for its TransferEnd."""
    view = memoryview(payload)
    pieces = [(off, bytes(view[off:off + chunk_bytes])) for off in range(0, len(payload), chunk_bytes)]
    return pieces, hashlib.sha256(payload).digest()


def assemble(header_length, parts, what):
    """Joins received chunks (objects with .offset/.data) and checks offsets, total length and the SHA-256 digest.
    parts: iterable of ("chunk", chunk) and one final ("end", sha256)."""
    buf = bytearray()
    digest = None
    for kind, value in parts:
        if kind == "chunk":
            if value.offset != len(buf):
                raise ProtocolError(f"{what}: missing chunk: expected offset {len(buf)}, got {value.offset}")
            buf += value.data
            if len(buf) > header_length:
                raise ProtocolError(f"{what}: more bytes than the {header_length} declared")
        else:
            digest = value
    if digest is None:
        raise ProtocolError(f"{what}: the transfer ended without its checksum (after {len(buf)} of {header_length} bytes)")
    if len(buf) != header_length:
        raise ProtocolError(f"{what}: transfer ended after {len(buf)} of {header_length} declared bytes")
    actual = hashlib.sha256(buf).digest()
    if actual != digest:
        raise ProtocolError(f"{what}: SHA-256 mismatch: sender says {digest.hex()}, received bytes hash to {actual.hex()}")
    return bytes(buf)
