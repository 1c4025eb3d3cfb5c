#!/usr/bin/python3
"""Independent DICOM writer/reader for SlicerReg's DICOM reader tests (uses Debian's python3-pydicom).

  pydicom_io.py make OUT.dcm IN.raw IN.json [DUMP_PREFIX]
      IN.raw: the pixel cells as stored, little endian (uint8 or uint16 per BitsAllocated), column fastest, row 0 first;
              written verbatim as Pixel Data (7FE0,0010).
      IN.json: {"rows", "columns", "bits_allocated", "bits_stored", "pixel_representation", "photometric",
                "transfer_syntax" (UID), "modality"} and optionally
               "high_bit", "samples_per_pixel", "imager_pixel_spacing" [row, col], "pixel_spacing" [row, col],
               "rescale_slope", "rescale_intercept", "number_of_frames", "presentation_intent",
               "attributes" {keyword: value} (more attributes, e.g. DistanceSourceToDetector),
               "undefined_length_sequence": true  (a Referenced Image Sequence of undefined length, before the pixel
                   data, whose undefined-length item nests another undefined-length sequence and holds decoy
                   Rows/Columns/PhotometricInterpretation values that a reader must not take for the image's),
               "encapsulated": true  (Pixel Data as encapsulated fragments, as a compressed transfer syntax has them).
      With DUMP_PREFIX, then reads OUT.dcm back and dumps it as `dump` does (one Python start instead of two).
  pydicom_io.py dump IN.dcm OUT_PREFIX
      writes OUT_PREFIX.raw: pydicom's pixel_array after its modality LUT (apply_modality_lut), float64 little
      endian, and OUT_PREFIX.json {"rows", "columns", "transfer_syntax", "is_implicit_vr", "photometric", "modality",
      "bits_stored", "imager_pixel_spacing", "pixel_spacing"}.
"""
import json
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixel_data_handlers.util import apply_modality_lut
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian, generate_uid

DX_FOR_PROCESSING = "1.2.840.10008.5.1.4.1.1.1.1.1"


def make(out, raw_path, spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    with open(raw_path, "rb") as f:
        cells = f.read()
    ts = spec["transfer_syntax"]
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DX_FOR_PROCESSING
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[out])
    meta.TransferSyntaxUID = ts
    ds = FileDataset(out, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = spec["modality"]
    if "presentation_intent" in spec:
        ds.PresentationIntentType = spec["presentation_intent"]
    for keyword, value in spec.get("attributes", {}).items():
        setattr(ds, keyword, value)
    if "imager_pixel_spacing" in spec:
        ds.ImagerPixelSpacing = [repr(float(v)) for v in spec["imager_pixel_spacing"]]
    if spec.get("undefined_length_sequence"):
        inner = Dataset()
        inner.ReferencedSOPClassUID = DX_FOR_PROCESSING
        inner.ReferencedSOPInstanceUID = generate_uid(entropy_srcs=[out, "inner"])
        inner.is_undefined_length_sequence_item = True
        item = Dataset()
        item.ReferencedSOPClassUID = DX_FOR_PROCESSING
        item.ReferencedSOPInstanceUID = generate_uid(entropy_srcs=[out, "item"])
        item.SourceImageSequence = Sequence([inner])
        item["SourceImageSequence"].is_undefined_length = True
        # decoys: a reader that takes nested elements for top-level ones would read the wrong image
        item.Rows = 1
        item.Columns = 1
        item.PhotometricInterpretation = "RGB"
        item.is_undefined_length_sequence_item = True
        ds.ReferencedImageSequence = Sequence([item])
        ds["ReferencedImageSequence"].is_undefined_length = True
    ds.SamplesPerPixel = spec.get("samples_per_pixel", 1)
    ds.PhotometricInterpretation = spec["photometric"]
    if "number_of_frames" in spec:
        ds.NumberOfFrames = spec["number_of_frames"]
    ds.Rows = spec["rows"]
    ds.Columns = spec["columns"]
    if "pixel_spacing" in spec:
        ds.PixelSpacing = [repr(float(v)) for v in spec["pixel_spacing"]]
    ds.BitsAllocated = spec["bits_allocated"]
    ds.BitsStored = spec["bits_stored"]
    ds.HighBit = spec.get("high_bit", spec["bits_stored"] - 1)
    ds.PixelRepresentation = spec["pixel_representation"]
    if "rescale_slope" in spec:
        ds.RescaleIntercept = repr(float(spec.get("rescale_intercept", 0)))
        ds.RescaleSlope = repr(float(spec["rescale_slope"]))
        ds.RescaleType = "US"
    if spec.get("encapsulated"):
        ds.PixelData = encapsulate([cells])
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
    else:
        ds.PixelData = cells
        ds["PixelData"].VR = "OB" if spec["bits_allocated"] == 8 else "OW"
    ds.save_as(out, write_like_original=False)


def dump(path, prefix):
    ds = pydicom.dcmread(path)
    values = apply_modality_lut(ds.pixel_array, ds).astype("<f8")
    with open(prefix + ".raw", "wb") as f:
        f.write(values.tobytes(order="C"))  # rows × columns: column fastest
    info = {
        "rows": int(ds.Rows), "columns": int(ds.Columns),
        "transfer_syntax": str(ds.file_meta.TransferSyntaxUID), "is_implicit_vr": bool(ds.is_implicit_VR),
        "photometric": str(ds.PhotometricInterpretation), "modality": str(ds.Modality), "bits_stored": int(ds.BitsStored),
        "imager_pixel_spacing": [float(v) for v in ds.ImagerPixelSpacing] if "ImagerPixelSpacing" in ds else None,
        "pixel_spacing": [float(v) for v in ds.PixelSpacing] if "PixelSpacing" in ds else None,
    }
    with open(prefix + ".json", "w") as f:
        json.dump(info, f)


if __name__ == "__main__":
    if len(sys.argv) in (5, 6) and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], sys.argv[4])
        if len(sys.argv) == 6:
            dump(sys.argv[2], sys.argv[5])
    elif len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
