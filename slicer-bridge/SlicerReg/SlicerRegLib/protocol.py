"""The slicerreg.v1 protocol stubs, generated at first use with the grpc_tools that matches the installed protobuf.

Why generate instead of committing stubs: Python code made by one protoc only imports with a protobuf runtime at least as
new as that protoc (Grpc.Tools' bundled protoc makes code that Debian's protobuf 3.21 refuses; Slicer's pip protobuf may
be older or newer again). grpc_tools (pip's grpcio-tools in Slicer, Debian's python3-grpc-tools) carries a protoc that
matches the protobuf it was built for, so its output imports. Stubs go to a cache folder keyed by the protos' contents
and the protobuf version, and are regenerated when either changes.

The .proto files live in one place, the repository's protos/ (found from this file in a source tree); an installed
extension gets a copy in SlicerRegLib/protos (CMake install), and SLICERREG_PROTOS overrides both.
"""
import hashlib
import importlib
import os
import sys
import tempfile
import threading

PROTO_FILES = ("slicerreg/v1/data.proto", "slicerreg/v1/registration.proto", "slicerreg/v1/models.proto")  # the ones the bridge calls
PROTOCOL_PACKAGE = "slicerreg.v1"
# The oldest daemon protocol revision this bridge works with (ListModelsReply.protocol_version; 0 = a daemon from before
# the field). Revisions within slicerreg.v1 only add; the C# client's ProtocolRevision.Required is the same number.
PROTOCOL_REVISION_REQUIRED = 2
# The revision this bridge speaks (SubmitHeader.client_revision; the C# ProtocolRevision.Current): a daemon refuses a
# request from an older client when it needs what that client cannot send (femur masks).
PROTOCOL_REVISION = 5
_lock = threading.Lock()
_modules = None


class DependencyError(RuntimeError):
    """A Python package the bridge needs is missing; the message says what to install."""


def proto_dir():
    """The folder holding slicerreg/v1/*.proto."""
    here = os.path.dirname(os.path.abspath(__file__))
    override = os.environ.get("SLICERREG_PROTOS")
    if override:
        if not os.path.isfile(os.path.join(override, PROTO_FILES[0])):
            raise DependencyError(f"SLICERREG_PROTOS={override}: no {PROTO_FILES[0]} there (it must name the folder that holds slicerreg/v1/)")
        return override
    candidates = [os.path.join(here, "protos"),
                  os.path.normpath(os.path.join(here, "..", "..", "..", "protos"))]
    for c in candidates:
        if c and os.path.isfile(os.path.join(c, PROTO_FILES[0])):
            return c
    raise DependencyError("the SlicerReg protocol files (slicerreg/v1/*.proto) were not found in "
                          + ", ".join(c for c in candidates if c) + ": set SLICERREG_PROTOS to the repository's protos/ folder")


def cache_root():
    base = os.environ.get("SLICERREG_STUB_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "slicerreg", "stubs")
    return base


def all_proto_files(protos):
    """Every slicerreg/v1/*.proto: all are generated together, so the generated package is complete and the same for
    any other client in the process that imports slicerreg.v1 (e.g. for the Simulation service)."""
    folder = os.path.join(protos, "slicerreg", "v1")
    return sorted("slicerreg/v1/" + f for f in os.listdir(folder) if f.endswith(".proto"))


def _generate(protos, out):
    try:
        from grpc_tools import protoc
    except ImportError:
        raise DependencyError("the Python package grpcio-tools is missing (it generates the protocol stubs): "
                              "in Slicer press 'Install dependencies' or run slicer.util.pip_install('grpcio grpcio-tools protobuf'); "
                              "on Debian/Ubuntu apt-get install python3-grpc-tools") from None
    tmp = tempfile.mkdtemp(prefix=".gen-", dir=os.path.dirname(out))
    args = ["grpc_tools.protoc", "-I" + protos, "--python_out=" + tmp, "--grpc_python_out=" + tmp] + all_proto_files(protos)
    if protoc.main(args) != 0:
        raise DependencyError(f"grpc_tools.protoc failed on {protos} (run `python -m grpc_tools.protoc -I{protos} ...` to see why)")
    for pkg in ("slicerreg", "slicerreg/v1"):
        open(os.path.join(tmp, pkg, "__init__.py"), "a").close()
    try:
        os.replace(tmp, out)  # atomic: another process may have won the race; then keep its copy
    except OSError:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


def stubs():
    """The generated modules as a namespace-like dict: data_pb2, registration_pb2, registration_pb2_grpc, models_pb2,
    models_pb2_grpc. Generated once per protos/protobuf version, imported once per process."""
    global _modules
    with _lock:
        if _modules is not None:
            return _modules
        try:
            import google.protobuf
            import grpc  # noqa: F401
        except ImportError as e:
            raise DependencyError(f"{e.name} is missing: the bridge needs grpcio and protobuf (in Slicer: the module's "
                                  "'Install dependencies', or slicer.util.pip_install('grpcio grpcio-tools protobuf'); "
                                  "on Debian: apt-get install python3-grpcio python3-protobuf python3-grpc-tools)") from None
        protos = proto_dir()
        h = hashlib.sha256(google.protobuf.__version__.encode())
        for f in all_proto_files(protos):
            with open(os.path.join(protos, f), "rb") as fh:
                h.update(fh.read())
        out = os.path.join(cache_root(), h.hexdigest()[:16])
        if not os.path.isfile(os.path.join(out, "slicerreg", "v1", "models_pb2_grpc.py")):
            os.makedirs(os.path.dirname(out), exist_ok=True)
            _generate(protos, out)
        if out not in sys.path:
            sys.path.insert(0, out)
        names = ("data_pb2", "registration_pb2", "registration_pb2_grpc", "models_pb2", "models_pb2_grpc")
        _modules = {n: importlib.import_module(f"slicerreg.v1.{n}") for n in names}
        return _modules
