"""Just enough NRRD (attached data, raw or gzip, little-endian, space RAS/LPS) to run the bridge without Slicer: read
the radiographs `slicerreg drr` writes (with their `slicerreg_view`), write results that Slicer, ITK and SlicerReg read.
Inside Slicer, use slicer.util.loadVolume/saveNode instead. Displacement fields are written as ITK expects them: space
LPS with LPS components (docs/conventions.md)."""
import gzip
import json
import os
import re

import numpy as np

from .views import parse_view
from .volumes import LPS_FLIP, Volume

_TYPES = {"uchar": "u1", "unsigned char": "u1", "uint8": "u1", "uint8_t": "u1", "short": "i2", "int16": "i2", "int16_t": "i2",
          "short int": "i2", "signed short": "i2", "ushort": "u2", "unsigned short": "u2", "uint16": "u2", "uint16_t": "u2",
          "int": "i4", "int32": "i4", "int32_t": "i4", "signed int": "i4", "float": "f4", "double": "f8", "char": "i1",
          "signed char": "i1", "int8": "i1", "uint": "u4", "unsigned int": "u4", "uint32": "u4"}
_NAMES = {"u1": "uint8", "i2": "int16", "u2": "uint16", "i4": "int32", "f4": "float", "f8": "double"}
KIND_KEY = "SlicerReg_VolumeKind"
_KIND_NAMES = {"Scalar": "scalar", "LabelMap": "label_map", "DisplacementField": "displacement_field", "Vector": "vector"}


def _vectors(text):
    out = []
    for part in re.findall(r"\([^)]*\)|none", text):
        out.append(None if part == "none" else [float(x) for x in part.strip("()").split(",")])
    return out


def _split_header(raw, path):
    end = raw.find(b"\n\n")
    if not raw.startswith(b"NRRD") or end < 0:
        raise ValueError(f"{path}: not an NRRD file with attached data")
    fields, meta = {}, {}
    for line in raw[:end].decode("latin-1").splitlines()[1:]:
        if line.startswith("#") or not line.strip():
            continue
        if ":=" in line:
            k, v = line.split(":=", 1)
            meta[k] = v
        elif ": " in line:
            k, v = line.split(": ", 1)
            fields[k.strip().lower()] = v.strip()
    return fields, meta, end


def read_metadata(path):
    """The key:=value pairs of an NRRD header (e.g. slicerreg_view), reading only the header."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    return _split_header(head, path)[1]


def read(path):
    """A Volume (RAS in memory, voxels [k, j, i(, c)]) with the header's key:=value pairs in .metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    fields, meta, end = _split_header(raw, path)
    data = raw[end + 2:]
    if "data file" in fields or "datafile" in fields:
        raise ValueError(f"{path}: detached NRRD data is not supported here (use Slicer or `slicerreg convert`)")
    encoding = fields.get("encoding", "raw")
    if encoding in ("gzip", "gz"):
        data = gzip.decompress(data)
    elif encoding != "raw":
        raise ValueError(f"{path}: NRRD encoding {encoding!r} is not supported here (raw, gzip)")
    type_name = fields.get("type", "").lower()
    if type_name not in _TYPES:
        raise ValueError(f"{path}: NRRD type {type_name!r} is not supported")
    dtype = np.dtype(("<" if fields.get("endian", "little") == "little" else ">") + _TYPES[type_name])
    sizes = [int(s) for s in fields["sizes"].split()]
    directions = _vectors(fields.get("space directions", ""))
    vector = directions and directions[0] is None
    spatial = [d for d in directions if d is not None]
    if len(spatial) != 3:
        raise ValueError(f"{path}: expected 3 spatial axes in 'space directions', got {len(spatial)}")
    space = fields.get("space", "left-posterior-superior").lower()
    m = np.eye(4)
    m[:3, :3] = np.array(spatial).T
    m[:3, 3] = _vectors(fields.get("space origin", "(0,0,0)"))[0]
    if space in ("left-posterior-superior", "lps"):
        m = LPS_FLIP @ m
        lps = True
    elif space in ("right-anterior-superior", "ras"):
        lps = False
    else:
        raise ValueError(f"{path}: NRRD space {space!r} is not supported (RAS or LPS)")
    c = sizes[0] if vector else 1
    ni, nj, nk = sizes[1:] if vector else sizes
    voxels = np.frombuffer(data, dtype=dtype, count=ni * nj * nk * c).astype(dtype.newbyteorder("="))
    voxels = voxels.reshape((nk, nj, ni, c) if vector else (nk, nj, ni))
    kind = _KIND_NAMES.get(meta.get(KIND_KEY, ""), None)
    if kind is None:
        if vector and c == 3 and dtype.kind == "f" and lps:
            kind = "displacement_field"
        elif vector:
            kind = "vector"
        elif dtype.kind in "iu" and "label" in os.path.basename(path).lower():
            kind = "label_map"
        else:
            kind = "scalar"
    if vector and lps and kind in ("displacement_field", "vector"):
        voxels = voxels.copy()
        voxels[..., :2] *= -1  # components in the header's space → RAS
    return Volume(voxels, m, kind, meta)


def write(volume, path, compress=True, metadata=None):
    """Writes a Volume atomically: scalars and label maps in RAS, displacement fields and vectors in LPS (ITK)."""
    lps = volume.kind in ("displacement_field", "vector")
    m = LPS_FLIP @ volume.ijk_to_ras if lps else np.asarray(volume.ijk_to_ras, dtype=float)
    voxels = volume.voxels
    if lps:
        voxels = voxels.copy()
        voxels[..., :2] *= -1
    code = voxels.dtype.newbyteorder("<").str[1:]
    if code not in _NAMES:
        raise ValueError(f"{path}: voxel type {voxels.dtype} cannot be written")
    vec = "({:.17g},{:.17g},{:.17g})"
    dirs = " ".join(vec.format(*m[:3, a]) for a in range(3))
    c = volume.components
    lines = ["NRRD0004", f"type: {_NAMES[code]}", f"dimension: {4 if voxels.ndim == 4 else 3}",
             f"space: {'left-posterior-superior' if lps else 'right-anterior-superior'}",
             "sizes: " + " ".join(str(s) for s in ((c,) if voxels.ndim == 4 else ()) + volume.shape_ijk),
             "space directions: " + ("none " if voxels.ndim == 4 else "") + dirs,
             "kinds: " + ("vector " if voxels.ndim == 4 else "") + "domain domain domain",
             "endian: little", f"encoding: {'gzip' if compress else 'raw'}", "space origin: " + vec.format(*m[:3, 3])]
    kinds = {v: k for k, v in _KIND_NAMES.items()}
    meta = dict(volume.metadata)
    meta.update(metadata or {})
    meta[KIND_KEY] = kinds[volume.kind]
    lines += [f"{k}:={v}" for k, v in meta.items() if "\n" not in f"{k}{v}"]
    payload = np.ascontiguousarray(voxels, dtype=voxels.dtype.newbyteorder("<")).tobytes()
    if compress:
        payload = gzip.compress(payload, 6)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(("\n".join(lines) + "\n\n").encode("latin-1"))
        f.write(payload)
    os.replace(tmp, path)


def read_radiograph(path, view=None):
    """(pixels [row, column] float32, CalibratedView) of a radiograph file: the view from `view` (a CalibratedView) or
    from the file's `slicerreg_view` metadata (written by `slicerreg drr`)."""
    v = read(path)
    if v.voxels.ndim != 3 or v.voxels.shape[0] != 1:
        raise ValueError(f"{path}: a radiograph is a single-slice image, got IJK {v.shape_ijk}")
    if view is None:
        text = v.metadata.get("slicerreg_view")
        if text is None:
            raise ValueError(f"{path}: no slicerreg_view in its header: give its view (preset, view JSON or DICOM tags)")
        view = parse_view(json.loads(text), f"{path} slicerreg_view")
    pixels = v.voxels[0].astype(np.float32)
    if (pixels.shape[1], pixels.shape[0]) != view.size:
        raise ValueError(f"{path}: image is {pixels.shape[1]}×{pixels.shape[0]} but its view says {view.size[0]}×{view.size[1]}")
    return pixels, view
