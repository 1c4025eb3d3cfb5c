#!/usr/bin/python3
"""Independent NIfTI reader/writer for SlicerReg's cross-check tests (uses Debian's python3-nibabel).

  nibabel_io.py dump IN.nii[.gz] OUT_PREFIX
      writes OUT_PREFIX.json  {"shape", "dtype", "affine" (4x4 voxel->RAS, nibabel's best affine),
                               "sform_code", "qform_code", "sform", "qform", "intent_code", "pixdim",
                               "datatype", "xyzt_units", "vox_offset", "dim", "quatern", "endian"}
      and    OUT_PREFIX.raw   the voxels, little-endian, index i fastest (Fortran order), components
                              of a vector image (5th NIfTI dimension) interleaved per voxel.
  nibabel_io.py make OUT.nii[.gz] IN.raw IN.json
      IN.json: {"shape":[I,J,K] or [I,J,K,1,C], "dtype":"int16", "affine":4x4,
                "forms":"both"|"sform"|"qform"|"none", "intent_code":0}
      optional keys: "qform_affine" (4x4: a qform that differs from the sform), "zooms" ([dx,dy,dz]: pixdim
                when forms is "none"), "endian" ("<" or ">"), "scl_slope"/"scl_inter" (stored as given, the
                voxels are raw), "xyzt_units" (the byte, e.g. 1 = metre, 3 = micron).
      writes a NIfTI-1 file with nibabel from the raw voxels (same layout as dump).
"""
import gzip
import json
import struct
import sys

import nibabel as nib
import numpy as np


def dump(path, prefix):
    img = nib.load(path)
    hdr = img.header
    data = np.asanyarray(img.dataobj)
    shape = list(data.shape)
    if data.ndim == 5:  # (I, J, K, T=1, C): interleave components per voxel
        raw = np.transpose(data[:, :, :, 0, :], (3, 0, 1, 2)).reshape((data.shape[4], -1), order="F").T.copy()
    else:
        raw = data.reshape(-1, order="F")
    dt = np.dtype(data.dtype).newbyteorder("<")
    with open(prefix + ".raw", "wb") as f:
        f.write(np.asarray(raw, dtype=dt).tobytes(order="C"))
    sform, scode = img.get_sform(coded=True)
    qform, qcode = img.get_qform(coded=True)
    out = {
        "shape": shape,
        "dtype": np.dtype(data.dtype).name,
        "affine": img.affine.tolist(),
        "sform_code": int(scode),
        "qform_code": int(qcode),
        "sform": None if sform is None else sform.tolist(),
        "qform": None if qform is None else qform.tolist(),
        "intent_code": int(hdr["intent_code"]),
        "pixdim": [float(x) for x in hdr["pixdim"]],
        "datatype": int(hdr["datatype"]),
        "xyzt_units": int(hdr["xyzt_units"]),
        "vox_offset": float(img.dataobj.offset),  # the header copy nibabel keeps has vox_offset reset to 0
        "dim": [int(x) for x in hdr["dim"]],
        "quatern": [float(hdr["quatern_b"]), float(hdr["quatern_c"]), float(hdr["quatern_d"])],
        "endian": hdr.endianness,
    }
    with open(prefix + ".json", "w") as f:
        json.dump(out, f)


def make(path, raw_path, json_path):
    with open(json_path) as f:
        spec = json.load(f)
    shape = spec["shape"]
    dt = np.dtype(spec["dtype"]).newbyteorder("<")
    flat = np.fromfile(raw_path, dtype=dt)
    if len(shape) == 5:
        c = shape[4]
        data = flat.reshape((-1, c)).T.reshape((c, shape[0], shape[1], shape[2]), order="F")
        data = np.transpose(data, (1, 2, 3, 0))[:, :, :, np.newaxis, :]
    else:
        data = flat.reshape(shape, order="F")
    affine = np.array(spec["affine"], dtype=float)
    endian = spec.get("endian", "<")
    header = nib.Nifti1Header(endianness=endian)
    header.set_data_dtype(np.dtype(spec["dtype"]))  # an explicit header would otherwise impose its float32 default
    header.set_data_shape(data.shape)
    if "zooms" in spec:  # before the image exists, so nibabel does not add an sform to match changed zooms
        header.set_zooms(tuple(spec["zooms"]) + tuple(header.get_zooms()[3:]))
    img = nib.Nifti1Image(data.astype(np.dtype(spec["dtype"])), None, header=header)
    forms = spec.get("forms", "both")
    if forms in ("both", "sform"):
        img.set_sform(affine, code=1)
    else:
        img.set_sform(None, code=0)
    if forms in ("both", "qform"):
        img.set_qform(np.array(spec.get("qform_affine", affine), dtype=float), code=1)
    else:
        img.set_qform(None, code=0)
    img.header["intent_code"] = int(spec.get("intent_code", 0))
    nib.save(img, path)
    # nibabel chooses scl_slope/inter itself when saving; patch the requested ones into the bytes afterwards.
    patches = []
    if "scl_slope" in spec or "scl_inter" in spec:
        patches.append((112, struct.pack(endian + "ff", float(spec.get("scl_slope", 1.0)), float(spec.get("scl_inter", 0.0)))))
    if "xyzt_units" in spec:
        patches.append((123, bytes([int(spec["xyzt_units"])])))
    if patches:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            raw = bytearray(f.read())
        for offset, value in patches:
            raw[offset:offset + len(value)] = value
        with opener(path, "wb") as f:
            f.write(bytes(raw))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
