"""SlicerRegLib: the pure-Python side of the SlicerReg 3D Slicer bridge (no Slicer import; numpy, grpcio, protobuf).

Modules: views (view geometry: canonical, C-arm, projection matrix, presets, view JSON), dicom (DICOM tags → view),
volumes (arrays + IJK→RAS ⇄ protocol messages, RAS/LPS), client (RegistrationClient: submit, watch, cancel, fetch),
task (a registration in a background thread with progress and cancel), daemon (a local `slicerreg serve`), scene
(grid-transform geometry, pull-back warp, overlays), vtkobjects (volumes as vtkImageData, vtkMatrix4x4, grid transform;
needs VTK), results (a result's nodes in a scene, by role: the module's loadResults; needs VTK), nrrd (minimal NRRD I/O
for use without Slicer), metrics (Dice). Nothing here imports slicer or qt (tests/python/test_bridge_install.py).
grpc-dependent modules are imported lazily, so `import SlicerRegLib` works before the dependencies are installed
(install_dependencies installs them on first use).
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


class DependencyInstallError(RuntimeError):
    """pip could not install a package the bridge needs; the message names it and says what to try."""


def install_dependencies(pip_install, progress=None, missing=None):
    """Installs the missing packages one at a time with pip_install(name) (in Slicer: slicer.util.pip_install, which
    raises subprocess.CalledProcessError when pip fails), telling progress(done, total, text) before and after each.
    Raises DependencyInstallError naming the package when pip fails, or when a package still does not import."""
    import importlib
    missing = missing_dependencies() if missing is None else list(missing)
    for n, package in enumerate(missing):
        if progress:
            progress(n, len(missing), f"installing {package} with pip ({n + 1} of {len(missing)})")
        try:
            pip_install(package)
        except Exception as e:
            output = getattr(e, "stderr", None) or getattr(e, "output", None) or ""
            if isinstance(output, bytes):
                output = output.decode(errors="replace")
            tail = " | ".join(output.strip().splitlines()[-3:])
            raise DependencyInstallError(
                f"pip could not install {package} ({type(e).__name__}: {e}{'; pip said: ' + tail if tail else ''}). "
                "Check the internet connection (behind a proxy, set HTTPS_PROXY before starting Slicer), then press "
                f"'Install dependencies' again, or run slicer.util.pip_install('{' '.join(missing[n:])}') in the Python "
                "console to see pip's whole output") from None
    importlib.invalidate_caches()
    if progress:
        progress(len(missing), len(missing), "dependencies installed")
    still = [p for p in missing_dependencies() if p in missing]
    if still:
        raise DependencyInstallError(f"pip reported success but {', '.join(still)} still cannot be imported: restart Slicer "
                                     "and press 'Install dependencies' again (see the Python console for pip's output)")
