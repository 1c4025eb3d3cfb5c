"""The one check of a radiograph pair before registration: a word-for-word mirror of the C# RadiographValidation
(backend/SlicerReg.Core/Xray/RadiographValidation.cs) that `slicerreg register`/`submit` and the daemon run, so a fault
gets the same message in Slicer, on the command line and from the daemon (tests/python/test_bridge_validation.py checks
that). Refused: NaN or infinite pixels, a constant image, geometry no X-ray system has (usually a calibration in the wrong
unit), and two views along the same direction. Messages are "WHAT: problem", WHAT naming the input as the user gave it."""
import math

import numpy as np

MIN_SOURCE_TO_DETECTOR_MM, MAX_SOURCE_TO_DETECTOR_MM = 100.0, 5000.0
MIN_PIXEL_SPACING_MM, MAX_PIXEL_SPACING_MM = 0.01, 20.0
MAX_DETECTOR_SIDE_MM = 2000.0
MIN_ANGLE_BETWEEN_VIEWS_DEG = 10.0


class InvalidRadiograph(ValueError):
    """A radiograph (or pair) that cannot be registered; str() is "WHAT: problem"."""
    def __init__(self, what, problem):
        super().__init__(f"{what}: {problem}")
        self.what, self.problem = what, problem


def number(x):
    """4 significant digits, as C#'s RadiographValidation.Number writes them."""
    return "%.4g" % float(x)


def pixel_problem(pixels):
    """Non-finite pixels (counted, the first located, column fastest) or a constant image; None when fine.
    pixels: [row, column]."""
    a = np.asarray(pixels, dtype=np.float32)
    bad = ~np.isfinite(a)
    n = int(bad.sum())
    if n:
        r, c = (int(i) for i in np.argwhere(bad)[0])
        return (f"{n} of {a.size} pixels {'is' if n == 1 else 'are'} NaN or infinite (first at column {c}, row {r}); "
                "every pixel must be a finite number")
    if a.min() == a.max():
        return f"every pixel is {number(a.flat[0])}: a blank image shows no anatomy to register to"
    return None


def view_problem(view):
    """Geometry no X-ray system has; None when plausible."""
    sid = view.source_to_detector
    if sid < MIN_SOURCE_TO_DETECTOR_MM or sid > MAX_SOURCE_TO_DETECTOR_MM:
        return (f"its view puts the source {number(sid)} mm from the detector, outside {number(MIN_SOURCE_TO_DETECTOR_MM)}–"
                f"{number(MAX_SOURCE_TO_DETECTOR_MM)} mm (is the calibration in millimetres?)")
    col_mm, row_mm = view.pixel_spacing
    if any(s < MIN_PIXEL_SPACING_MM or s > MAX_PIXEL_SPACING_MM for s in (col_mm, row_mm)):
        return (f"its view's pixel spacing {number(col_mm)} × {number(row_mm)} mm is outside {number(MIN_PIXEL_SPACING_MM)}–"
                f"{number(MAX_PIXEL_SPACING_MM)} mm")
    width, height = view.columns * col_mm, view.rows * row_mm
    if width > MAX_DETECTOR_SIDE_MM or height > MAX_DETECTOR_SIDE_MM:
        return f"its view's detector is {number(width)} × {number(height)} mm, larger than {number(MAX_DETECTOR_SIDE_MM)} mm a side"
    return None


def pair_problem(ap_view, lat_view):
    """Two views along (nearly) the same line — AP and PA included; None when they are far enough apart."""
    cos = min(1.0, abs(float(ap_view.normal @ lat_view.normal)))
    angle = math.degrees(math.acos(cos))
    if angle < MIN_ANGLE_BETWEEN_VIEWS_DEG:
        return (f"the two views look along the same direction ({number(round(angle, 1))}° apart); biplanar registration "
                f"needs two directions at least {number(MIN_ANGLE_BETWEEN_VIEWS_DEG)}° apart")
    return None


def check_one(pixels, view, what):
    problem = view_problem(view) or pixel_problem(pixels)
    if problem:
        raise InvalidRadiograph(what, problem)


def check(ap, ap_view, ap_what, lat, lat_view, lat_what):
    """Raises InvalidRadiograph on the first problem of either image, its view, or the pair (the C# order)."""
    check_one(ap, ap_view, ap_what)
    check_one(lat, lat_view, lat_what)
    problem = pair_problem(ap_view, lat_view)
    if problem:
        raise InvalidRadiograph(f"{ap_what} and {lat_what}", problem)
