"""SlicerRegLib: the pure-Python side of the SlicerReg 3D Slicer bridge (no Slicer import; numpy, grpcio, protobuf).

Modules: views (view geometry: canonical, C-arm, projection matrix, presets, view JSON), dicom (DICOM tags → view),
volumes (arrays + IJK→RAS ⇄ protocol messages, RAS/LPS), client (RegistrationClient: submit, watch, cancel, fetch),
task (a registration in a background thread with progress and cancel), daemon (a local `slicerreg serve`), scene
(grid-transform geometry, overlays), nrrd (minimal NRRD I/O for use without Slicer), metrics (Dice).
grpc-dependent modules are imported lazily, so `import SlicerRegLib` works before the dependencies are installed.
"""
__version__ = "0.1.0"
PROTOCOL = "slicerreg.v1"


def missing_dependencies():
    """Names of the pip packages the bridge still needs (empty when all import)."""
    import importlib.util
    wanted = {"grpc": "grpcio", "google.protobuf": "protobuf", "grpc_tools": "grpcio-tools"}
    missing = []
    for module, package in wanted.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(package)
    return missing
