"""The names of a registration's results (ResultInfo.name, FetchRequest.name; the files `slicerreg register` writes are
the name plus ".nrrd", the overlays drawn as ".png").

One vocabulary for the daemon, the files, the C# client and this bridge: this table is the bridge's copy of
backend/SlicerReg.Core/Registration/ResultNames.cs, checked against it by tests/python/test_result_names.py.
"""
WARPED_ATLAS = "warped_atlas"
WARPED_LABELS = "warped_labels"
DISPLACEMENT_FIELD = "displacement_field"
OVERLAY_AP = "overlay_ap"
OVERLAY_LATERAL = "overlay_lateral"

ALL = (WARPED_ATLAS, WARPED_LABELS, DISPLACEMENT_FIELD, OVERLAY_AP, OVERLAY_LATERAL)
