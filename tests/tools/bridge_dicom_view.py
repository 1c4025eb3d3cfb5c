#!/usr/bin/python3
"""The Slicer module's view of DICOM radiographs, for the C# DicomView cross-check (DicomViewTests).

  bridge_dicom_view.py FILE.dcm...
      prints a JSON list, one entry per file: SlicerRegLib.dicom.view_from_dicom(read_dicom_tags(FILE)) as
      {"source", "detectorCenter", "columnDirection", "rowDirection", "pixelSpacing", "size"} (RAS mm).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "slicer-bridge", "SlicerReg"))
from SlicerRegLib import dicom  # noqa: E402

views = []
for path in sys.argv[1:]:
    v = dicom.view_from_dicom(dicom.read_dicom_tags(path))
    views.append({"source": v.source.tolist(), "detectorCenter": v.detector_center.tolist(), "columnDirection": v.column_direction.tolist(),
                  "rowDirection": v.row_direction.tolist(), "pixelSpacing": list(v.pixel_spacing), "size": list(v.size)})
print(json.dumps(views))
