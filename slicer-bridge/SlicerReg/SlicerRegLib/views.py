"""Calibrated X-ray views in patient RAS mm: the canonical form, C-arm parameters, 3×4 projection matrices, presets and
view JSON files. A Python mirror of backend/SlicerReg.Core/Geometry (CalibratedView, CArmGeometry, ProjectionMatrix,
ViewPresets, ViewFile); the formulas and their conventions are those of docs/geometry.md, and the tests check this module
against the C# command line's output."""
import json
import math
import os
from dataclasses import dataclass

import numpy as np

DEFAULT_SOURCE_TO_DETECTOR_MM = 1000.0  # the paper's DRR geometry (Van Houtte et al. 2022, "Generating DRR")
DEFAULT_SOURCE_TO_ISOCENTER_MM = 925.0


def _vec(values, n, name, origin):
    try:
        a = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f'{origin}: "{name}" must be an array of {n} numbers') from None
    if a.size != n:
        raise ValueError(f'{origin}: "{name}" must be an array of {n} numbers')
    if not np.all(np.isfinite(a)):
        raise ValueError(f'{origin}: "{name}" must be finite')
    return a


@dataclass(frozen=True, eq=False)
class CalibratedView:
    """A pinhole camera in patient RAS mm. Pixel (c, r) — c the column (fastest), r the row (row 0 on top) — has its
    centre at detector_center + (c − (columns−1)/2)·col_mm·column_direction + (r − (rows−1)/2)·row_mm·row_direction;
    pixel spacing is measured at the detector."""
    source: np.ndarray
    detector_center: np.ndarray
    column_direction: np.ndarray
    row_direction: np.ndarray
    pixel_spacing: tuple  # (column mm, row mm)
    size: tuple           # (columns, rows)

    def __post_init__(self, origin="view"):
        for name in ("source", "detector_center", "column_direction", "row_direction"):
            object.__setattr__(self, name, _vec(getattr(self, name), 3, name, origin))
        spacing = tuple(float(s) for s in self.pixel_spacing)
        size = tuple(int(s) for s in self.size)
        if len(size) != 2 or min(size) < 1 or list(size) != [float(s) for s in self.size]:
            raise ValueError(f"{origin}: size must be two positive integers [columns, rows], got {list(self.size)}")
        if len(spacing) != 2 or not all(s > 0 and math.isfinite(s) for s in spacing):
            raise ValueError(f"{origin}: pixel spacing must be two positive numbers [column mm, row mm], got {list(self.pixel_spacing)}")
        col, row = self.column_direction, self.row_direction
        if abs(np.linalg.norm(col) - 1) > 1e-3 or abs(np.linalg.norm(row) - 1) > 1e-3:
            raise ValueError(f"{origin}: columnDirection and rowDirection must be unit vectors, got {col.tolist()} and {row.tolist()}")
        if abs(col @ row) > 1e-3:
            raise ValueError(f"{origin}: columnDirection and rowDirection must be perpendicular, got {col.tolist()} and {row.tolist()}")
        object.__setattr__(self, "column_direction", col / np.linalg.norm(col))
        object.__setattr__(self, "row_direction", row / np.linalg.norm(row))
        object.__setattr__(self, "pixel_spacing", spacing)
        object.__setattr__(self, "size", size)
        if self.source_to_detector < 1e-6:
            raise ValueError(f"{origin}: the source lies in the detector plane")

    @property
    def columns(self):
        return self.size[0]

    @property
    def rows(self):
        return self.size[1]

    @property
    def normal(self):
        """Unit normal of the detector, from the detector toward the source."""
        n = np.cross(self.column_direction, self.row_direction)
        return n if n @ (self.source - self.detector_center) >= 0 else -n

    @property
    def source_to_detector(self):
        """Perpendicular source-to-detector distance (SID, mm)."""
        return abs((self.source - self.detector_center) @ np.cross(self.column_direction, self.row_direction))

    def pixel_center(self, c, r):
        return (self.detector_center + (c - (self.columns - 1) / 2) * self.pixel_spacing[0] * self.column_direction
                + (r - (self.rows - 1) / 2) * self.pixel_spacing[1] * self.row_direction)

    def image_ijk_to_ras(self):
        """IJK→RAS (4×4) of the radiograph as a single-slice volume placed in its detector plane (docs/geometry.md §6):
        i along columnDirection·colMm, j along rowDirection·rowMm, k along columnDirection × rowDirection (1 mm), voxel
        (0, 0, 0) at the centre of pixel (0, 0)."""
        m = np.eye(4)
        m[:3, 0] = self.column_direction * self.pixel_spacing[0]
        m[:3, 1] = self.row_direction * self.pixel_spacing[1]
        m[:3, 2] = np.cross(self.column_direction, self.row_direction)
        m[:3, 3] = self.pixel_center(0, 0)
        return m

    def to_json(self):
        """The canonical JSON object (docs/geometry.md §1)."""
        return {"source": self.source.tolist(), "detectorCenter": self.detector_center.tolist(),
                "columnDirection": self.column_direction.tolist(), "rowDirection": self.row_direction.tolist(),
                "pixelSpacing": list(self.pixel_spacing), "size": list(self.size)}

    def allclose(self, other, atol=1e-6):
        return (self.size == other.size and np.allclose(self.pixel_spacing, other.pixel_spacing, atol=atol)
                and all(np.allclose(getattr(self, k), getattr(other, k), atol=atol)
                        for k in ("source", "detector_center", "column_direction", "row_direction")))

    def __repr__(self):
        return f"CalibratedView({json.dumps(self.to_json())})"


# ---- C-arm parameters (CArmGeometry) ---------------------------------------------------------------------------------

def carm_rotation(primary_deg, secondary_deg):
    """R = Rz(primary)·Rx(secondary), right-handed rotations about the RAS axes."""
    p, s = math.radians(primary_deg), math.radians(secondary_deg)
    rz = np.array([[math.cos(p), -math.sin(p), 0], [math.sin(p), math.cos(p), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(s), -math.sin(s)], [0, math.sin(s), math.cos(s)]])
    return rz @ rx


_SOURCE0, _COLUMN0, _ROW0 = np.array([0., 1, 0]), np.array([-1., 0, 0]), np.array([0., 0, -1])  # reference pose = AP


@dataclass
class CArm:
    """A C-arm pose (docs/geometry.md §2). Angles say where the SOURCE is: primary about +S, +90° = source at the
    patient's LEFT; secondary + = source toward CRANIAL. Distances in mm, isocentre in RAS."""
    primary_angle: float
    size: tuple
    pixel_spacing: tuple
    secondary_angle: float = 0.0
    source_to_detector: float = DEFAULT_SOURCE_TO_DETECTOR_MM
    source_to_isocenter: float = DEFAULT_SOURCE_TO_ISOCENTER_MM
    isocenter: tuple = (0.0, 0.0, 0.0)
    principal_point_offset: tuple = (0.0, 0.0)  # principal point − detector centre, mm along columns, rows

    def validate(self, origin="C-arm view"):
        sdd, sod = self.source_to_detector, self.source_to_isocenter
        if not (sdd > 0 and math.isfinite(sdd)):
            raise ValueError(f"{origin}: source-to-detector distance must be positive, got {sdd}")
        if not (0 < sod < sdd):
            raise ValueError(f"{origin}: source-to-isocentre distance must lie between 0 and the source-to-detector distance {sdd}, got {sod}")
        if not all(math.isfinite(v) for v in (self.primary_angle, self.secondary_angle, *self.principal_point_offset)):
            raise ValueError(f"{origin}: angles and offsets must be finite")
        if abs(self.secondary_angle) >= 90:
            raise ValueError(f"{origin}: secondary angle must lie in (−90°, 90°), got {self.secondary_angle}")

    def to_view(self, origin="C-arm view"):
        self.validate(origin)
        r = carm_rotation(self.primary_angle, self.secondary_angle)
        n, col, row = r @ _SOURCE0, r @ _COLUMN0, r @ _ROW0
        iso = np.asarray(self.isocenter, dtype=float)
        source = iso + self.source_to_isocenter * n
        principal = iso - (self.source_to_detector - self.source_to_isocenter) * n
        center = principal - self.principal_point_offset[0] * col - self.principal_point_offset[1] * row
        return CalibratedView(source, center, col, row, tuple(self.pixel_spacing), tuple(self.size))

    @staticmethod
    def from_view(view, source_to_isocenter=DEFAULT_SOURCE_TO_ISOCENTER_MM):
        """The C-arm parameters of a canonical view; the isocentre is placed on the central ray at source_to_isocenter.
        Raises ValueError for a detector rolled about its normal or mirrored (not a C-arm pose)."""
        n, col, sdd = view.normal, view.column_direction, view.source_to_detector
        secondary = math.degrees(math.asin(max(-1.0, min(1.0, n[2]))))
        primary = math.degrees(math.atan2(-col[1], -col[0]))  # the column direction stays horizontal under Rx
        principal = view.source - sdd * n
        r = carm_rotation(primary, secondary)
        err = max(np.linalg.norm(r @ _SOURCE0 - n), np.linalg.norm(r @ _COLUMN0 - col), np.linalg.norm(r @ _ROW0 - view.row_direction))
        if err > 1e-6:
            raise ValueError(f"the view is not a C-arm pose (primary and secondary angle only): its detector is rolled or mirrored (mismatch {err:.3g})")
        return CArm(primary_angle=primary, secondary_angle=secondary, size=view.size, pixel_spacing=view.pixel_spacing,
                    source_to_detector=sdd, source_to_isocenter=source_to_isocenter,
                    isocenter=tuple(view.source - source_to_isocenter * n),
                    principal_point_offset=((principal - view.detector_center) @ col, (principal - view.detector_center) @ view.row_direction))

    def to_json(self):
        return {"primaryAngle": self.primary_angle, "secondaryAngle": self.secondary_angle,
                "sourceToDetectorDistance": self.source_to_detector, "sourceToIsocenterDistance": self.source_to_isocenter,
                "isocenter": list(self.isocenter), "size": list(self.size), "pixelSpacing": list(self.pixel_spacing),
                "principalPointOffset": list(self.principal_point_offset)}


# ---- projection matrices (ProjectionMatrix) --------------------------------------------------------------------------

def projection_matrix(view):
    """P (3×4) with w·(c, r, 1) = P·(x, y, z, 1), RAS mm, scaled so that w > 0 in front of the source (w = depth in mm)."""
    d = -view.normal
    sdd = view.source_to_detector
    principal = view.source + sdd * d
    c0 = (principal - view.detector_center) @ view.column_direction / view.pixel_spacing[0] + (view.columns - 1) / 2
    r0 = (principal - view.detector_center) @ view.row_direction / view.pixel_spacing[1] + (view.rows - 1) / 2
    m = np.array([sdd / view.pixel_spacing[0] * view.column_direction + c0 * d,
                  sdd / view.pixel_spacing[1] * view.row_direction + r0 * d, d])
    return np.hstack([m, -(m @ view.source)[:, None]])


def project_points(view, points):
    """(column, row) of each RAS point (N×2, or 2 for one point) where the ray from the source through it meets the
    detector: P·(x, y, z, 1) = w·(c, r, 1). NaN for points at or behind the source (w ≤ 0). The bridge's one pinhole
    projection; tests/python/test_bridge_geometry.py checks it against the C# ray tracer (`slicerreg drr --mask-out`)."""
    pts = np.asarray(points, dtype=float)
    flat = pts.reshape(-1, 3)
    w = np.hstack([flat, np.ones((len(flat), 1))]) @ projection_matrix(view).T
    with np.errstate(divide="ignore", invalid="ignore"):
        cr = np.where(w[:, 2:] > 0, w[:, :2] / w[:, 2:], np.nan)
    return cr.reshape(pts.shape[:-1] + (2,))


def view_from_projection_matrix(p, size, pixel_spacing=None, source_to_detector=None, origin="projection matrix"):
    """Decomposes P = K·[R | −R·s] (RQ by Gram–Schmidt from the last row up) into a canonical view; needs the pixel
    spacing at the detector or the source-to-detector distance."""
    p = np.asarray(p, dtype=float)
    if p.shape != (3, 4) or not np.all(np.isfinite(p)):
        raise ValueError(f'{origin}: "projectionMatrix" must be 3 rows of 4 finite numbers')
    m = p[:, :3]
    if abs(np.linalg.det(m)) < 1e-12 * np.abs(m).max() ** 3:
        raise ValueError(f"{origin}: projection matrix is singular (its left 3×3 block has no inverse)")
    source = -np.linalg.solve(m, p[:, 3])
    scale = np.linalg.norm(m[2])
    d, q0, q1 = m[2] / scale, m[0] / scale, m[1] / scale
    r0 = q1 @ d
    fr = np.linalg.norm(q1 - r0 * d)
    row = (q1 - r0 * d) / fr
    c0, skew = q0 @ d, q0 @ row
    col_raw = q0 - c0 * d - skew * row
    fc = np.linalg.norm(col_raw)
    col = col_raw / fc
    if abs(skew) > 1e-6 * fc:
        raise ValueError(f"{origin}: projection matrix has skew {skew / fc:.3g} (columns and rows not perpendicular)")
    if pixel_spacing is not None:
        sdd = fc * pixel_spacing[0]
        if abs(fr * pixel_spacing[1] - sdd) > 1e-6 * sdd:
            raise ValueError(f"{origin}: pixel spacing {pixel_spacing[0]}×{pixel_spacing[1]} mm contradicts the matrix: it implies "
                             f"source-to-detector distances {sdd:.6g} and {fr * pixel_spacing[1]:.6g} mm")
    elif source_to_detector is not None:
        sdd = float(source_to_detector)
    else:
        raise ValueError(f"{origin}: a projection matrix needs the pixel spacing or the source-to-detector distance")
    col_mm, row_mm = sdd / fc, sdd / fr
    columns, rows = size
    center = source + sdd * d - (c0 - (columns - 1) / 2) * col_mm * col - (r0 - (rows - 1) / 2) * row_mm * row
    return CalibratedView(source, center, col, row, (col_mm, row_mm), (columns, rows))


# ---- presets and view files (ViewPresets, ViewFile) ------------------------------------------------------------------

PRESET_SIZE, PRESET_SPACING = (160, 224), (1.0, 1.0)
PRESETS = {"ap": 0.0, "lateral": 90.0}  # primary angle: AP source anterior; lateral source at the patient's left


def preset(name):
    """The C-arm of a preset ("ap", "lateral" or "lat"), or None."""
    key = name.strip().lower()
    key = "lateral" if key == "lat" else key
    if key not in PRESETS:
        return None
    return CArm(primary_angle=PRESETS[key], size=PRESET_SIZE, pixel_spacing=PRESET_SPACING)


_CANONICAL_KEYS = ("source", "detectorCenter", "columnDirection", "rowDirection", "pixelSpacing", "size")
_CARM_KEYS = ("primaryAngle", "secondaryAngle", "sourceToDetectorDistance", "sourceToIsocenterDistance", "isocenter",
              "size", "pixelSpacing", "principalPointOffset")
_MATRIX_KEYS = ("projectionMatrix", "size", "pixelSpacing", "sourceToDetectorDistance")


def _number(o, key, origin, default=None):
    if key not in o:
        if default is None:
            raise ValueError(f'{origin}: missing "{key}"')
        return default
    v = o[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f'{origin}: "{key}" must be a finite number')
    return float(v)


def _numbers(o, key, n, origin, required=True, default=None):
    if key not in o:
        if required:
            raise ValueError(f'{origin}: missing "{key}"')
        return default
    v = o[key]
    if not isinstance(v, list) or len(v) != n or any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in v):
        raise ValueError(f'{origin}: "{key}" must be an array of {n} numbers')
    return [float(x) for x in v]


def _size(o, origin):
    s = _numbers(o, "size", 2, origin)
    if any(x != math.floor(x) or x < 1 or x > 1 << 16 for x in s):
        raise ValueError(f'{origin}: "size" must be two positive integers [columns, rows]')
    return (int(s[0]), int(s[1]))


def parse_view(obj, origin="view"):
    """A view from a JSON object (dict) or text in any of the three forms, told apart by their keys: "source"
    (canonical), "primaryAngle" (C-arm), "projectionMatrix". Unknown keys are refused (an optional "description" aside)."""
    if isinstance(obj, (str, bytes)):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as e:
            raise ValueError(f"{origin}: not valid JSON: {e}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{origin}: a view is a JSON object")
    forms = [k for k in ("source", "primaryAngle", "projectionMatrix") if k in obj]
    if not forms:
        raise ValueError(f'{origin}: not a view: expected the key "source" (canonical), "primaryAngle" (C-arm) or "projectionMatrix"')
    if len(forms) > 1:
        raise ValueError(f'{origin}: mixes view forms: use only one of "source", "primaryAngle", "projectionMatrix"')
    form, allowed = {"source": ("canonical", _CANONICAL_KEYS), "primaryAngle": ("C-arm", _CARM_KEYS),
                     "projectionMatrix": ("projection-matrix", _MATRIX_KEYS)}[forms[0]]
    for k in obj:
        if k != "description" and k not in allowed:
            raise ValueError(f'{origin}: unknown key "{k}" in a {form} view (allowed: {", ".join(allowed)})')
    if form == "canonical":
        size = _size(obj, origin)
        v = CalibratedView.__new__(CalibratedView)
        fields = dict(source=_numbers(obj, "source", 3, origin), detector_center=_numbers(obj, "detectorCenter", 3, origin),
                      column_direction=_numbers(obj, "columnDirection", 3, origin), row_direction=_numbers(obj, "rowDirection", 3, origin),
                      pixel_spacing=tuple(_numbers(obj, "pixelSpacing", 2, origin)), size=size)
        for k, val in fields.items():
            object.__setattr__(v, k, val)
        v.__post_init__(origin)
        return v
    if form == "C-arm":
        return CArm(primary_angle=_number(obj, "primaryAngle", origin), secondary_angle=_number(obj, "secondaryAngle", origin, 0.0),
                    size=_size(obj, origin), pixel_spacing=tuple(_numbers(obj, "pixelSpacing", 2, origin)),
                    source_to_detector=_number(obj, "sourceToDetectorDistance", origin, DEFAULT_SOURCE_TO_DETECTOR_MM),
                    source_to_isocenter=_number(obj, "sourceToIsocenterDistance", origin, DEFAULT_SOURCE_TO_ISOCENTER_MM),
                    isocenter=tuple(_numbers(obj, "isocenter", 3, origin, False, [0.0, 0.0, 0.0])),
                    principal_point_offset=tuple(_numbers(obj, "principalPointOffset", 2, origin, False, [0.0, 0.0]))).to_view(origin)
    rows = obj["projectionMatrix"]
    if not isinstance(rows, list) or len(rows) != 3 or any(not isinstance(r, list) or len(r) != 4 for r in rows):
        raise ValueError(f'{origin}: "projectionMatrix" must be 3 rows of 4 numbers')
    spacing = _numbers(obj, "pixelSpacing", 2, origin, required=False)
    sdd = obj.get("sourceToDetectorDistance")
    if spacing is None and sdd is None:
        raise ValueError(f'{origin}: a "projectionMatrix" view needs "pixelSpacing" or "sourceToDetectorDistance"')
    if spacing is not None and sdd is not None:
        raise ValueError(f'{origin}: give "pixelSpacing" or "sourceToDetectorDistance", not both')
    return view_from_projection_matrix(rows, _size(obj, origin), spacing,
                                       None if sdd is None else _number(obj, "sourceToDetectorDistance", origin), origin)


def load_view(path_or_preset):
    """A view from a JSON file in any form, or from a preset name when no such file exists (ViewFile.Load)."""
    if os.path.isfile(path_or_preset):
        with open(path_or_preset, encoding="utf-8") as f:
            return parse_view(f.read(), os.path.basename(path_or_preset))
    c = preset(path_or_preset)
    if c is None:
        raise ValueError(f"{path_or_preset}: view file not found (and not a preset: {', '.join(PRESETS)})")
    return c.to_view()


def save_view(view, path):
    """Writes the canonical form atomically (a temporary file renamed into place)."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(view.to_json(), f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
