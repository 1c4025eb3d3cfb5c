"""A calibrated view from a radiograph's DICOM geometry tags.

Tags read (plain dict keyed by keyword or "(gggg,eeee)"/"ggggeeee", or a pydicom Dataset when pydicom is importable):
  DistanceSourceToDetector (0018,1110)   SDD, mm
  DistanceSourceToPatient  (0018,1111)   source to isocentre, mm (absent: SDD / EstimatedRadiographicMagnificationFactor
                                         (0018,1114)); neither, or no SDD, is an error, as in `register --ap-view dicom`
                                         (Core/Xray/DicomView.cs): a guessed distance would silently scale the femur
  ImagerPixelSpacing       (0018,1164)   [row spacing, column spacing] AT THE DETECTOR (not PixelSpacing 0028,0030,
                                         which may be calibrated to the patient plane: patient spacing = detector / (SDD/SOD))
  PositionerPrimaryAngle   (0018,1510)   degrees, "LAO +": where the DETECTOR (image intensifier) is
  PositionerSecondaryAngle (0018,1511)   degrees, "CRA +": detector toward cranial
  ViewPosition             (0018,5101)   AP, PA, LL, RL (used when the angles are absent)
  Rows (0028,0010), Columns (0028,0011)  detector size
  PatientOrientation       (0020,0020)   optional, e.g. ["L", "F"]: patient direction of increasing column / row index

DICOM's angles name the detector side; SlicerReg's C-arm angles (docs/geometry.md §2) name the source side. Detector
toward d_DICOM(a, b) = (−sin a·cos b, cos a·cos b, sin b) in RAS, so the source is at −d, which is SlicerReg's
n(p, s) = (−sin p·cos s, cos p·cos s, sin s) with p = a + 180°, s = −b. ViewPosition: AP → p = 0 (source anterior),
PA → 180, LL (left side on the detector) → −90, RL → +90 (the "lateral" preset). The image axes follow the C-arm
convention unless PatientOrientation says otherwise; then the column/row direction is flipped to agree with it
(a stored PA image is usually displayed as seen from the front, mirrored relative to the rig's own axes).
"""
import numpy as np

from .views import CArm, CalibratedView

TAGS = {
    "DistanceSourceToDetector": 0x00181110, "DistanceSourceToPatient": 0x00181111, "ImagerPixelSpacing": 0x00181164,
    "PositionerPrimaryAngle": 0x00181510, "PositionerSecondaryAngle": 0x00181511, "ViewPosition": 0x00185101,
    "EstimatedRadiographicMagnificationFactor": 0x00181114, "Rows": 0x00280010, "Columns": 0x00280011, "PatientOrientation": 0x00200020,
}
VIEW_POSITION_PRIMARY = {"AP": 0.0, "PA": 180.0, "LL": -90.0, "RL": 90.0, "LATERAL": 90.0}
_PATIENT_DIRECTIONS = {"L": (-1, 0, 0), "R": (1, 0, 0), "A": (0, 1, 0), "P": (0, -1, 0), "H": (0, 0, 1), "F": (0, 0, -1)}


def _lookup(tags, keyword):
    """The value of a tag by keyword from a dict (keyword, "(0018,1110)", "00181110" or int keys) or a pydicom Dataset."""
    tag = TAGS[keyword]
    if hasattr(tags, "get") and not isinstance(tags, dict):  # pydicom Dataset
        element = tags.get(tag)
        return None if element is None else element.value
    for key in (keyword, f"({tag >> 16:04X},{tag & 0xFFFF:04X})", f"{tag >> 16:04X}{tag & 0xFFFF:04X}", tag):
        for k in (key, key.lower() if isinstance(key, str) else key):
            if k in tags and tags[k] not in (None, ""):
                return tags[k]
    return None


def _multi(value, n, keyword):
    if isinstance(value, str):
        value = value.split("\\")
    try:
        values = [float(v) for v in value]
    except (TypeError, ValueError):
        raise ValueError(f"DICOM {keyword}: expected {n} numbers, got {value!r}") from None
    if len(values) != n:
        raise ValueError(f"DICOM {keyword}: expected {n} numbers, got {value!r}")
    return values


def _float(value, keyword):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"DICOM {keyword}: expected a number, got {value!r}") from None


def carm_from_dicom(tags, size=None, isocenter=(0.0, 0.0, 0.0)):
    """SlicerReg C-arm parameters from DICOM tags (see the module text). size: (columns, rows) when the tags lack
    Rows/Columns. Raises ValueError naming the missing or bad tag."""
    def get(k):
        return _lookup(tags, k)
    spacing = get("ImagerPixelSpacing")
    if spacing is None:
        raise ValueError("DICOM: ImagerPixelSpacing (0018,1164) is missing: the detector pixel spacing is needed "
                         "(PixelSpacing 0028,0030 may be calibrated to the patient plane and is not used)")
    row_mm, col_mm = _multi(spacing, 2, "ImagerPixelSpacing (0018,1164)")  # DICOM order: row spacing, column spacing
    if size is None:
        rows, columns = get("Rows"), get("Columns")
        if rows is None or columns is None:
            raise ValueError("DICOM: Rows (0028,0010) and Columns (0028,0011) are missing; pass size=(columns, rows)")
        size = (int(columns), int(rows))
    sdd = get("DistanceSourceToDetector")
    sod = get("DistanceSourceToPatient")
    if sdd is None:
        raise ValueError("DICOM: DistanceSourceToDetector (0018,1110) is missing: the source-to-detector distance is needed; "
                         "give the geometry another way (preset, fields, view file)")
    sdd = _float(sdd, "DistanceSourceToDetector (0018,1110)")
    if sod is not None:
        sod = _float(sod, "DistanceSourceToPatient (0018,1111)")
    elif get("EstimatedRadiographicMagnificationFactor") is not None:
        sod = sdd / _float(get("EstimatedRadiographicMagnificationFactor"), "EstimatedRadiographicMagnificationFactor (0018,1114)")
    else:
        raise ValueError("DICOM: neither DistanceSourceToPatient (0018,1111) nor EstimatedRadiographicMagnificationFactor "
                         "(0018,1114) gives the source-to-isocentre distance; give the geometry another way (preset, fields, view file)")
    a, b = get("PositionerPrimaryAngle"), get("PositionerSecondaryAngle")
    if a is not None:
        primary = _float(a, "PositionerPrimaryAngle (0018,1510)") + 180.0
        secondary = -_float(b, "PositionerSecondaryAngle (0018,1511)") if b is not None else 0.0
    else:
        position = get("ViewPosition")
        if position is None:
            raise ValueError("DICOM: neither PositionerPrimaryAngle (0018,1510) nor ViewPosition (0018,5101) is present: "
                             "the view direction is unknown; give the geometry another way (preset, fields, view file)")
        key = str(position).strip().upper()
        if key not in VIEW_POSITION_PRIMARY:
            raise ValueError(f"DICOM ViewPosition (0018,5101) {position!r} is not one of {', '.join(VIEW_POSITION_PRIMARY)}; "
                             "give the angles (0018,1510/1511) or the geometry another way")
        primary, secondary = VIEW_POSITION_PRIMARY[key], 0.0
    primary = (primary + 180.0) % 360.0 - 180.0  # (−180, 180]
    if primary == -180.0:
        primary = 180.0
    return CArm(primary_angle=primary, secondary_angle=secondary, size=tuple(size), pixel_spacing=(col_mm, row_mm),
                source_to_detector=sdd, source_to_isocenter=sod, isocenter=tuple(isocenter))


def _orientation_vector(code, keyword):
    v = np.zeros(3)
    for letter in str(code).strip().upper():
        if letter not in _PATIENT_DIRECTIONS:
            raise ValueError(f"DICOM {keyword}: unknown direction letter {letter!r} in {code!r} (expected L R A P H F)")
        v += _PATIENT_DIRECTIONS[letter]
    return v


def view_from_dicom(tags, size=None, isocenter=(0.0, 0.0, 0.0)):
    """The canonical view of a radiograph from its DICOM tags (dict or pydicom Dataset); see carm_from_dicom."""
    view = carm_from_dicom(tags, size, isocenter).to_view("DICOM geometry")
    orientation = _lookup(tags, "PatientOrientation")
    if orientation is None:
        return view
    codes = orientation.split("\\") if isinstance(orientation, str) else list(orientation)
    if len(codes) != 2:
        raise ValueError(f"DICOM PatientOrientation (0020,0020): expected two values (column and row direction), got {orientation!r}")
    col, row = view.column_direction, view.row_direction
    want_col = _orientation_vector(codes[0], "PatientOrientation (0020,0020)")
    want_row = _orientation_vector(codes[1], "PatientOrientation (0020,0020)")
    if want_col @ col < 0:
        col = -col
    if want_row @ row < 0:
        row = -row
    return CalibratedView(view.source, view.detector_center, col, row, view.pixel_spacing, view.size)


def read_dicom_tags(path):
    """The geometry tags of a DICOM file as a dict (needs pydicom, present in Slicer)."""
    try:
        import pydicom
    except ImportError:
        raise ValueError(f"{path}: reading DICOM files needs pydicom (pip install pydicom); or pass the tag values as a dict") from None
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    return {k: ds.get(t).value for k, t in TAGS.items() if ds.get(t) is not None}
