#!/usr/bin/python3
"""A Python client of the SlicerReg daemon (Debian's python3-grpcio), against the real `slicerreg serve` process.

Stubs are generated at test time from protos/slicerreg/v1 with Debian's grpc_tools into a temporary folder (stubs from
Grpc.Tools' newer protoc do not import with Debian's protobuf). The atlas is written with nibabel, so the expected voxels
and matrix come from numpy, not from SlicerReg.
"""
import datetime
import hashlib
import importlib
import math
import os
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import grpc
except ImportError as e:  # a clear remedy instead of a bare traceback
    raise SystemExit(f"{e}: the Python client tests need Debian's python3-grpcio, python3-grpc-tools and python3-protobuf "
                     "(apt-get install them, as .ci/run does) and must run under /usr/bin/python3") from e
import nibabel as nib
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.environ.get("CONFIGURATION", "Release")
DLL = os.environ.get("SLICERREG_DLL", os.path.join(ROOT, "backend", "SlicerReg.Cli", "bin", CONFIG, "net10.0", "linux-x64", "slicerreg.dll"))
CHUNK = 1024 * 1024


def generate_stubs(out):
    """Runs Debian's protoc (grpc_tools) on the project's protos and the health proto; returns the imported modules."""
    protos = [os.path.join(ROOT, "protos"), os.path.join(os.path.dirname(__file__), "protos")]
    files = ["slicerreg/v1/data.proto", "slicerreg/v1/registration.proto", "slicerreg/v1/models.proto", "slicerreg/v1/simulation.proto",
             "health_check/health.proto"]
    args = [sys.executable, "-m", "grpc_tools.protoc"] + ["-I" + p for p in protos] + ["--python_out=" + out, "--grpc_python_out=" + out] + files
    os.makedirs(out, exist_ok=True)
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"grpc_tools.protoc failed (install python3-grpc-tools):\n{done.stderr}")
    sys.path.insert(0, out)
    names = ["slicerreg.v1.data_pb2", "slicerreg.v1.registration_pb2", "slicerreg.v1.registration_pb2_grpc",
             "slicerreg.v1.models_pb2", "slicerreg.v1.models_pb2_grpc", "slicerreg.v1.simulation_pb2", "slicerreg.v1.simulation_pb2_grpc",
             "health_check.health_pb2", "health_check.health_pb2_grpc"]
    return {n.split(".")[-1]: importlib.import_module(n) for n in names}


class DaemonTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(DLL):
            raise unittest.SkipTest(f"{DLL} not built")
        cls.tmp = tempfile.TemporaryDirectory(prefix="slicerreg-pytest-")
        cls.pb = generate_stubs(os.path.join(cls.tmp.name, "stubs"))
        rng = np.random.default_rng(42)
        cls.atlas = (rng.normal(size=(9, 7, 5)) * 100).astype(np.float32)
        cls.affine = np.array([[0, -1.2, 0, 10.5], [1.5, 0, 0, -20], [0, 0, 2.5, 30], [0, 0, 0, 1]])
        path = os.path.join(cls.tmp.name, "atlas.nii")
        nib.save(nib.Nifti1Image(cls.atlas, cls.affine), path)
        cls.atlas_path = path
        cls.log_path = os.path.join(cls.tmp.name, "daemon.log")
        cls.log = open(cls.log_path, "w")
        cls.proc = subprocess.Popen(["dotnet", DLL, "serve", "--listen", "127.0.0.1:0", "--atlas", path],
                                    stdout=subprocess.PIPE, stderr=cls.log, text=True)
        try:
            line = cls.proc.stdout.readline().strip()
            if not line.startswith("listening on http://"):
                raise RuntimeError(f"unexpected first line from the daemon: {line!r}")
            cls.address = line[len("listening on http://"):]
            cls.channel = grpc.insecure_channel(cls.address)
            grpc.channel_ready_future(cls.channel).result(timeout=20)
        except Exception:
            cls.proc.kill()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.proc.terminate()
        try:
            cls.proc.wait(10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
        cls.log.close()
        cls.tmp.cleanup()

    # -- helpers ---------------------------------------------------------------------------------------------------

    def view(self, columns, rows, lateral):
        d, pb = self.pb["data_pb2"], self.pb
        if lateral:
            src, det, col, row = [-1000, 0, 0], [300, 0, 0], [0, 1, 0], [0, 0, -1]
        else:
            src, det, col, row = [0, -1000, 0], [0, 300, 0], [1, 0, 0], [0, 0, -1]
        return d.CalibratedView(source=src, detector_center=det, column_direction=col, row_direction=row,
                                pixel_spacing=[0.5, 0.5], size=[columns, rows], coordinate_system=d.COORDINATE_SYSTEM_RAS)

    def image_messages(self, pixels, role, lateral):
        d, r = self.pb["data_pb2"], self.pb["registration_pb2"]
        rows, columns = pixels.shape
        payload = pixels.astype("<f4").tobytes()  # row-major, column index fastest
        yield r.SubmitRequest(image=d.ImageHeader(role=role, shape=[columns, rows], voxel_type=d.VOXEL_TYPE_FLOAT32,
                                                  view=self.view(columns, rows, lateral), byte_length=len(payload)))
        for off in range(0, len(payload), CHUNK):
            yield r.SubmitRequest(chunk=d.Chunk(offset=off, data=payload[off:off + CHUNK]))
        yield r.SubmitRequest(end=d.TransferEnd(sha256=hashlib.sha256(payload).digest()))

    def submit(self, ap, lat, options=None, results=()):
        d, r = self.pb["data_pb2"], self.pb["registration_pb2"]
        def messages():
            yield r.SubmitRequest(header=r.SubmitHeader(model="identity", options=options or {}, results=list(results), client="python test"))
            yield from self.image_messages(ap, d.VIEW_ROLE_AP, False)
            yield from self.image_messages(lat, d.VIEW_ROLE_LAT, True)
        stub = self.pb["registration_pb2_grpc"].RegistrationStub(self.channel)
        return stub.Submit(messages(), timeout=30)

    # -- tests -----------------------------------------------------------------------------------------------------

    def test_health_is_serving(self):
        h = self.pb["health_pb2"]
        stub = self.pb["health_pb2_grpc"].HealthStub(self.channel)
        self.assertEqual(stub.Check(h.HealthCheckRequest(), timeout=5).status, h.HealthCheckResponse.SERVING)

    def test_list_models_shows_identity_placeholder(self):
        m = self.pb["models_pb2"]
        reply = self.pb["models_pb2_grpc"].ModelsStub(self.channel).ListModels(m.ListModelsRequest(), timeout=5)
        card = {c.name: c for c in reply.models}["identity"]
        self.assertTrue(card.available)
        self.assertIn("no registration", card.summary)
        self.assertEqual(list(card.atlas.shape), list(self.atlas.shape))
        self.assertEqual(card.atlas_name, "atlas.nii")

    def test_submit_watch_fetch_small_job(self):
        d, r = self.pb["data_pb2"], self.pb["registration_pb2"]
        rng = np.random.default_rng(1)
        ap, lat = rng.random((12, 16), dtype=np.float32), rng.random((12, 16), dtype=np.float32)
        job = self.submit(ap, lat).job_id
        stub = self.pb["registration_pb2_grpc"].RegistrationStub(self.channel)
        events = list(stub.Watch(r.WatchRequest(job_id=job), timeout=20))
        self.assertEqual(events[-1].state, r.JOB_STATE_SUCCEEDED, events[-1])
        stages = [e.progress.stage for e in events if e.HasField("progress")]
        self.assertIn("register", stages)
        self.assertEqual([n.name for n in events[-1].result.results], ["warped_atlas", "displacement_field"])

        parts = list(stub.FetchResult(r.FetchRequest(job_id=job, name="warped_atlas"), timeout=20))
        header, chunks, end = parts[0].header, [p.chunk for p in parts[1:-1]], parts[-1].end
        payload = b"".join(c.data for c in chunks)
        self.assertEqual([c.offset for c in chunks], list(range(0, len(payload), CHUNK)))
        self.assertEqual(len(payload), header.byte_length)
        self.assertEqual(hashlib.sha256(payload).digest(), end.sha256)
        self.assertEqual(header.voxel_type, d.VOXEL_TYPE_FLOAT32)
        self.assertEqual(header.coordinate_system, d.COORDINATE_SYSTEM_RAS)
        voxels = np.frombuffer(payload, dtype="<f4").reshape(tuple(header.shape), order="F")  # i fastest
        np.testing.assert_array_equal(voxels, self.atlas)
        np.testing.assert_allclose(np.array(header.index_to_world).reshape(4, 4), self.affine, atol=1e-5)

        parts = list(stub.FetchResult(r.FetchRequest(job_id=job, name="displacement_field"), timeout=20))
        field = np.frombuffer(b"".join(p.chunk.data for p in parts[1:-1]), dtype="<f4")
        self.assertEqual(parts[0].header.components, 3)
        self.assertEqual(field.size, 3 * self.atlas.size)
        self.assertFalse(field.any(), "identity engine: zero displacement")

    def test_nan_pixel_is_invalid_argument(self):
        ap = np.arange(48, dtype=np.float32).reshape(6, 8)
        lat = np.arange(48, dtype=np.float32).reshape(6, 8)
        ap[2, 3] = math.nan
        with self.assertRaises(grpc.RpcError) as ctx:
            self.submit(ap, lat)
        self.assertEqual(ctx.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("AP image: 1 of 48 pixels is NaN or infinite (first at column 3, row 2); every pixel must be a finite number", ctx.exception.details())

    def test_simulation_drr_equals_slicerreg_drr(self):
        """A DRR of the nibabel-written CT rendered by the daemon's Simulation service equals, bit for bit, the DRR that
        `slicerreg drr` writes for the same view (read back with nibabel), and sits on the detector plane."""
        d, s = self.pb["data_pb2"], self.pb["simulation_pb2"]
        out = os.path.join(self.tmp.name, "drr.nii")
        subprocess.run(["dotnet", DLL, "drr", "--ct", self.atlas_path, "--view", "ap", "--out", out], check=True, capture_output=True)
        expected = np.asarray(nib.load(out).dataobj)[:, :, 0]  # [columns, rows]
        # The ap preset, as `slicerreg drr --view ap` uses it (docs/geometry.md): SDD 1000, SOD 925, 160×224 px of 1 mm.
        view = d.CalibratedView(source=[0, 925, 0], detector_center=[0, -75, 0], column_direction=[-1, 0, 0], row_direction=[0, 0, -1],
                                pixel_spacing=[1, 1], size=[160, 224], coordinate_system=d.COORDINATE_SYSTEM_RAS)
        ct = self.atlas.astype("<f4")
        # The matrix as the file stores it (NIfTI keeps float32 sform rows), i.e. what `slicerreg drr` read.
        affine = nib.load(self.atlas_path).affine
        payload = ct.tobytes(order="F")  # i fastest
        header = d.VolumeHeader(shape=list(ct.shape), components=1, voxel_type=d.VOXEL_TYPE_FLOAT32, kind=d.VOLUME_KIND_SCALAR,
                                index_to_world=list(affine.ravel()), coordinate_system=d.COORDINATE_SYSTEM_RAS, byte_length=len(payload))
        def messages():
            yield s.SimulateRequest(header=s.SimulateHeader(views=[view], client="python test"))
            yield s.SimulateRequest(volume=s.VolumeUpload(input=s.SIMULATION_INPUT_CT, header=header))
            for off in range(0, len(payload), CHUNK):
                yield s.SimulateRequest(chunk=d.Chunk(offset=off, data=payload[off:off + CHUNK]))
            yield s.SimulateRequest(end=d.TransferEnd(sha256=hashlib.sha256(payload).digest()))
        replies = list(self.pb["simulation_pb2_grpc"].SimulationStub(self.channel).RenderDrr(messages(), timeout=30))
        image, data, end = replies[0].image, b"".join(r.chunk.data for r in replies[1:-1]), replies[-1].end
        self.assertEqual((image.view_index, image.name), (0, "drr"))
        self.assertEqual(hashlib.sha256(data).digest(), end.sha256)
        self.assertEqual(list(image.header.shape), [160, 224, 1])
        drr = np.frombuffer(data, dtype="<f4").reshape((160, 224), order="F")
        self.assertGreater(np.count_nonzero(drr), 50, "rays cross the CT (a 9×7×5 CT of ≤ 2.5 mm voxels)")
        np.testing.assert_array_equal(drr, expected)
        m = np.array(image.header.index_to_world).reshape(4, 4)
        # Pixel (0, 0) is the detector's top-left pixel centre; columns run along -x (RAS), rows along -z.
        np.testing.assert_allclose(m[:3, 3], [79.5, -75, 111.5], atol=1e-9)
        np.testing.assert_allclose(m[:3, 0], [-1, 0, 0], atol=1e-12)
        np.testing.assert_allclose(m[:3, 1], [0, 0, -1], atol=1e-12)

    def test_client_process_dying_mid_upload_is_dropped(self):
        """A client process killed mid-upload (os._exit: no cancel, no goodbye): the daemon drops the upload within a
        second of the death and keeps serving."""
        script = f"""
import os, sys, time
sys.path.insert(0, {os.path.join(self.tmp.name, "stubs")!r})
import grpc
from slicerreg.v1 import data_pb2 as d, registration_pb2 as r, registration_pb2_grpc as g
def messages():
    yield r.SubmitRequest(header=r.SubmitHeader(model="identity", client="dying client"))
    view = d.CalibratedView(source=[0, -1000, 0], detector_center=[0, 300, 0], column_direction=[1, 0, 0], row_direction=[0, 0, -1],
                            pixel_spacing=[0.5, 0.5], size=[600, 600], coordinate_system=d.COORDINATE_SYSTEM_RAS)
    yield r.SubmitRequest(image=d.ImageHeader(role=d.VIEW_ROLE_AP, shape=[600, 600], voxel_type=d.VOXEL_TYPE_FLOAT32, view=view, byte_length=600 * 600 * 4))
    yield r.SubmitRequest(chunk=d.Chunk(offset=0, data=bytes(1 << 20)))
    time.sleep(1.0)
    print(time.time(), flush=True)
    os._exit(0)
g.RegistrationStub(grpc.insecure_channel({self.address!r})).Submit(messages())
"""
        before = open(self.log_path).read().count("abandoned mid-upload")
        died = float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30).stdout.strip())
        deadline = time.time() + 5
        while open(self.log_path).read().count("abandoned mid-upload") == before:
            self.assertLess(time.time(), deadline, "the daemon never dropped the upload")
            time.sleep(0.02)
        line = [l for l in open(self.log_path) if "abandoned mid-upload" in l][-1]
        # The log line's own timestamp (UTC, ms) against the moment the client died.
        stamp = datetime.datetime.strptime(line.split(" ")[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
        print(f"\n  daemon dropped the dead client's upload {1000 * (stamp - died):.0f} ms after it died", end=" ")
        self.assertLess(stamp - died, 1.0)
        self.test_health_is_serving()


if __name__ == "__main__":
    unittest.main()
