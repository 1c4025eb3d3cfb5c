"""A client of the SlicerReg daemon (`slicerreg serve`): submit a biplanar pair, watch progress, cancel, fetch results.

    client = RegistrationClient.connect("127.0.0.1:50051")          # or "unix:/run/user/1000/slicerreg.sock"
    client = RegistrationClient.connect("https://gpu-server:50051", token, ca_file="ca.pem")   # a shared daemon serving TLS
    result = client.register(ap_pixels, ap_view, lat_pixels, lat_view, on_progress=print)
    result.volumes["warped_atlas"].voxels                              # [k, j, i], RAS IJK→RAS in .ijk_to_ras

Every failure is a SlicerRegError whose message says what to do.
"""
import json
import threading
from dataclasses import dataclass, field

import numpy as np

from . import validation
from .protocol import PROTOCOL_PACKAGE, PROTOCOL_REVISION, PROTOCOL_REVISION_REQUIRED, stubs
from .register_options import REGISTER_OPTIONS_REVISION, RegisterOptions, mask_bytes, mask_header
from .volumes import LPS_FLIP, assemble, chunks, image_header, image_pixels, volume_from_message

START_HINT = ("start the daemon with `slicerreg serve` (TCP 127.0.0.1:50051, the shipped models of atlas/models) or "
              "`slicerreg serve --socket PATH`, or press 'Start local daemon' in the SlicerReg module")
PLACEHOLDER_MODEL = "identity"  # the daemon's placeholder engine: returns the atlas unwarped (tests, `serve --atlas` debugging)
SERVE_MODEL_HINT = ("start the daemon with the shipped model (`slicerreg serve --models atlas/models`, the default from a "
                    "source tree) or with a model folder written by `slicerreg train` (`--models FOLDER`)")


def default_model(cards):
    """The model to preselect: the card the daemon marks as default (ModelCard.is_default, protocol revision 3), else
    the first trained model that can run; None when there is none. Never the placeholder."""
    runnable = [c for c in cards if c.available and c.name != PLACEHOLDER_MODEL]
    chosen = next((c for c in runnable if c.is_default), runnable[0] if runnable else None)  # unmarked: a revision-2 daemon
    return chosen.name if chosen else None


def no_trained_model_message(address, cards):
    names = ", ".join(f"{c.name} ({'available' if c.available else c.unavailable_reason})" for c in cards) or "none"
    return (f"the daemon at {address} serves no trained model that can run (its models: {names}); '{PLACEHOLDER_MODEL}' is a "
            f"placeholder that does not register: {SERVE_MODEL_HINT}")


class SlicerRegError(RuntimeError):
    """A failure talking to the daemon, with a message meant for the user; code is the gRPC status name or None."""
    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class JobFailed(SlicerRegError):
    pass


class JobCancelled(JobFailed):
    pass


@dataclass
class Progress:
    stage: str
    fraction: float
    message: str


@dataclass
class JobEvent:
    state: str                      # "queued", "running", "succeeded", "failed", "cancelled"
    progress: Progress = None
    summary: object = None          # the ResultSummary message on the final success event
    error: tuple = None             # (gRPC code name, message) on a final failure


@dataclass
class RegistrationResult:
    job_id: str
    model: str
    volumes: dict                   # result name → Volume (RAS, [k, j, i(, c)])
    affine: np.ndarray              # 4×4 atlas→patient, RAS
    message: str
    seconds: float
    events: list = field(default_factory=list)
    placement: dict = None          # placement.json as the daemon sent it (how each radiograph was prepared, head, side)
    refinement: object = None       # the RefinementReport message when the job refined, else None


def grpc_target(address):
    """gRPC target of "HOST:PORT", "http://HOST:PORT", "https://HOST:PORT" (TLS: see uses_tls) or "unix:PATH" (also "unix://PATH")."""
    a = address.strip()
    if not a:
        raise SlicerRegError("the daemon address is empty: give HOST:PORT (e.g. 127.0.0.1:50051), https://HOST:PORT or unix:PATH")
    for scheme in ("http://", "https://"):
        if a.startswith(scheme):
            a = a[len(scheme):]
    if a.startswith("unix:"):
        return a  # gRPC reads unix:/abs/path, unix:///abs/path and unix:relative/path
    if ":" not in a:
        raise SlicerRegError(f"{address}: expected HOST:PORT (e.g. 127.0.0.1:50051), https://HOST:PORT or unix:PATH")
    return a


def uses_tls(address, tls=False, ca_file=None):
    """Whether the channel speaks TLS: an https:// address, tls=True, or a CA file (a daemon with a private CA's certificate).
    TLS asked for with an http:// or unix: address is an error, never a silent fall back to plaintext."""
    a = address.strip()
    wanted = a.startswith("https://") or bool(tls) or bool(ca_file)
    if wanted and (a.startswith("http://") or a.startswith("unix:")):
        raise SlicerRegError(f"{address}: TLS was asked for (a CA file, or tls=True) but this address is not reached over TLS; "
                             "write https://HOST:PORT for a daemon serving TLS, or leave the CA file empty")
    return wanted


def read_ca_file(ca_file):
    """The PEM bytes of a CA file, or a SlicerRegError naming it."""
    try:
        with open(ca_file, "rb") as f:
            pem = f.read()
    except OSError as e:
        raise SlicerRegError(f"CA file {ca_file}: {e.strerror}") from None
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise SlicerRegError(f"CA file {ca_file}: no PEM certificate in it (expected \"-----BEGIN CERTIFICATE-----\")")
    return pem


def _state_name(pb, state):
    return pb.JobState.Name(state)[len("JOB_STATE_"):].lower()


class RegistrationClient:
    def __init__(self, address, token=None, timeout=30.0, ca_file=None, tls=False):
        """address: HOST:PORT, https://HOST:PORT (TLS) or unix:PATH; ca_file: the PEM certificate of the CA that signed a
        TLS daemon's certificate (implies TLS; None: the system's trusted roots); token: sent on every call."""
        import grpc
        self._grpc = grpc
        self.address, self.timeout, self.ca_file = address, timeout, ca_file
        self.tls = uses_tls(address, tls, ca_file)
        target = grpc_target(address)
        self.pb = stubs()
        options = [("grpc.enable_http_proxy", 0)]
        if self.tls:
            roots = read_ca_file(ca_file) if ca_file else None
            self.channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=roots), options=options)
        else:
            self.channel = grpc.insecure_channel(target, options=options)
        self.metadata = [("authorization", f"Bearer {token}")] if token else []
        self.registration = self.pb["registration_pb2_grpc"].RegistrationStub(self.channel)
        self.models_stub = self.pb["models_pb2_grpc"].ModelsStub(self.channel)

    @classmethod
    def connect(cls, address, token=None, timeout=30.0, wait_s=5.0, ca_file=None, tls=False):
        """Opens a channel and checks that the daemon is there and speaks this bridge's protocol (check_daemon)."""
        client = cls(address, token, timeout, ca_file, tls)
        try:
            client.check_daemon(wait_s)
        except Exception:
            client.close()
            raise
        return client

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- errors ------------------------------------------------------------------------------------------------------

    def _explain(self, e, what):
        grpc = self._grpc
        code = e.code() if hasattr(e, "code") else None
        detail = e.details() if hasattr(e, "details") else str(e)
        name = code.name if code is not None else None
        if code == grpc.StatusCode.UNAVAILABLE and self.tls and any(
                s in detail for s in ("certificate verify failed", "CERTIFICATE_VERIFY_FAILED", "is not in peer certificate")):
            trust = (f"checked against the CA file {self.ca_file}" if self.ca_file else
                     "checked against the system's trusted roots: enter the CA file that signed it (CA file field, ca_file=)")
            msg = f"the TLS certificate of the daemon at {self.address} does not verify: {self._tls_reason()} ({trust})"
        elif code == grpc.StatusCode.UNAVAILABLE:
            tls_hint = "" if self.tls or self.address.strip().startswith("unix:") else "; a daemon serving TLS is reached with https://HOST:PORT"
            msg = f"cannot reach the SlicerReg daemon at {self.address} ({detail}): {START_HINT}{tls_hint}"
        elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
            msg = f"{what}: the daemon at {self.address} did not answer in time: is it running and reachable? ({START_HINT})"
        elif code == grpc.StatusCode.UNIMPLEMENTED:
            msg = (f"the server at {self.address} does not speak the SlicerReg protocol {PROTOCOL_PACKAGE} ({detail}): the daemon "
                   "and this bridge are from different releases, or it is another gRPC service; update the one that is older "
                   "(`slicerreg version` prints the daemon's)")
        elif code == grpc.StatusCode.UNAUTHENTICATED:
            msg = f"{what}: the daemon wants a token ({detail}): enter the token it was started with (--token / SLICERREG_TOKEN)"
        else:
            msg = f"{what}: the daemon answered {name}: {detail}"
        return SlicerRegError(msg, name)

    def _tls_reason(self):
        """Why the daemon's certificate does not verify (gRPC says only "certificate verify failed"): the same check by
        Python's ssl module, with the same roots and host name, which reports OpenSSL's reason."""
        import socket
        import ssl
        host, _, port = grpc_target(self.address).rpartition(":")
        host = host.strip("[]")
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
            with socket.create_connection((host, int(port)), timeout=5) as raw, context.wrap_socket(raw, server_hostname=host):
                return "gRPC's handshake failed, though Python's ssl accepts the certificate"
        except ssl.SSLCertVerificationError as e:
            return e.verify_message
        except (OSError, ValueError) as e:
            return f"certificate verify failed ({e})"

    def _call(self, what, fn, *args, **kwargs):
        try:
            return fn(*args, metadata=self.metadata, **kwargs)
        except self._grpc.RpcError as e:
            raise self._explain(e, what) from None

    # -- calls -------------------------------------------------------------------------------------------------------

    def check_daemon(self, timeout=None):
        """ListModels, checking the daemon's protocol revision; sets .daemon_version and .protocol_version. A daemon older
        than this bridge needs (or from before versions were reported) raises SlicerRegError naming both and what to do."""
        reply = self._call("list models", self.models_stub.ListModels, self.pb["models_pb2"].ListModelsRequest(),
                           timeout=timeout or self.timeout, wait_for_ready=False)
        if reply.protocol_version < PROTOCOL_REVISION_REQUIRED:
            daemon = ("an older release that does not report its version (protocol revision 1)" if reply.protocol_version == 0
                      else f"release {reply.daemon_version} (protocol revision {reply.protocol_version})")
            raise SlicerRegError(f"the daemon at {self.address} is {daemon}, but this SlicerReg module needs protocol revision "
                                 f"{PROTOCOL_REVISION_REQUIRED} or newer: update SlicerReg and restart the daemon (`slicerreg serve`, "
                                 "or 'Stop' then 'Start local daemon' in the module)", "FAILED_PRECONDITION")
        self.daemon_version, self.protocol_version = reply.daemon_version, reply.protocol_version
        return reply

    def models(self, timeout=None):
        """The daemon's model cards (ModelCard messages)."""
        reply = self._call("list models", self.models_stub.ListModels, self.pb["models_pb2"].ListModelsRequest(),
                           timeout=timeout or self.timeout, wait_for_ready=False)
        return list(reply.models)

    def default_model(self):
        """The name of the daemon's best trained model (see default_model); SlicerRegError saying how to serve one when
        the daemon has none."""
        cards = self.models()
        name = default_model(cards)
        if name is None:
            raise SlicerRegError(no_trained_model_message(self.address, cards), "FAILED_PRECONDITION")
        return name

    def submit(self, ap, ap_view, lat, lat_view, model=None, options=None, results=(), client="SlicerRegLib", register_options=None):
        """Uploads the pair (pixels [row, column] or [1, row, column], views in RAS); returns (job id, queue position).
        model: a name from models(); None for the daemon's best trained model (default_model). register_options: a
        RegisterOptions (refinement, output grid, radiograph kind, I0, femur masks, head, side); None: the network alone on
        the model's grid, as before protocol revision 5."""
        r = self.pb["registration_pb2"]
        d = self.pb["data_pb2"]
        ap = image_pixels(ap, ap_view, "AP image")
        lat = image_pixels(lat, lat_view, "LAT image")
        try:  # before anything is sent, with the daemon's words (the same check runs there)
            validation.check(ap, ap_view, "AP image", lat, lat_view, "LAT image")
        except validation.InvalidRadiograph as e:
            raise SlicerRegError(str(e), "INVALID_ARGUMENT") from None
        opts = register_options or RegisterOptions(output_grid="model")
        try:
            opts.check()
            masks = {role: None if opts.mask(role) is None else mask_bytes(opts.mask(role), pixels, f"{role} femur mask")
                     for role, pixels in (("AP", ap), ("LAT", lat))}
        except ValueError as e:
            raise SlicerRegError(str(e), "INVALID_ARGUMENT") from None
        if opts.needs_revision_5():
            if getattr(self, "protocol_version", None) is None:
                self.check_daemon()
            if self.protocol_version < REGISTER_OPTIONS_REVISION:
                raise SlicerRegError(f"the daemon at {self.address} is release {self.daemon_version} (protocol revision {self.protocol_version}), "
                                     f"but refinement, output grids, radiograph kinds, femur masks, head points and side need protocol revision "
                                     f"{REGISTER_OPTIONS_REVISION} or newer: update SlicerReg and restart the daemon", "FAILED_PRECONDITION")
        model = model or self.default_model()

        def transfer(header, payload):
            yield r.SubmitRequest(image=header)
            pieces, digest = chunks(payload)
            for off, data in pieces:
                yield r.SubmitRequest(chunk=d.Chunk(offset=off, data=data))
            yield r.SubmitRequest(end=d.TransferEnd(sha256=digest))

        def messages():
            yield r.SubmitRequest(header=r.SubmitHeader(model=model, options={str(k): str(v) for k, v in (options or {}).items()},
                                                        results=list(results), client=client, client_revision=PROTOCOL_REVISION,
                                                        **opts.header_fields()))
            for role, pixels, view in (("AP", ap, ap_view), ("LAT", lat, lat_view)):
                header, payload = image_header(pixels, view, role)
                header.metadata.update(opts.metadata(role))
                yield from transfer(header, payload)
                if masks[role] is not None:
                    yield from transfer(mask_header(masks[role], pixels, role), masks[role])

        reply = self._call("submit", self.registration.Submit, messages(), timeout=max(self.timeout, 120))
        return reply.job_id, reply.queue_position

    def watch(self, job_id, timeout=None):
        """Yields JobEvents of a job (replayed from its start, then live) until its final result or error. The
        underlying call is in .last_watch (call .cancel() on it to stop watching from another thread)."""
        r = self.pb["registration_pb2"]
        call = self._call("watch", self.registration.Watch, r.WatchRequest(job_id=job_id), timeout=timeout)
        self.last_watch = call
        try:
            for e in call:
                state = _state_name(r, e.state)
                which = e.WhichOneof("event")
                if which == "progress":
                    yield JobEvent(state, progress=Progress(e.progress.stage, e.progress.fraction, e.progress.message))
                elif which == "result":
                    yield JobEvent(state, summary=e.result)
                elif which == "error":
                    code = self._grpc.StatusCode
                    name = next((c.name for c in code if c.value[0] == e.error.code), str(e.error.code))
                    yield JobEvent(state, error=(name, e.error.message))
                else:
                    yield JobEvent(state)
        except self._grpc.RpcError as e:
            if e.code() == self._grpc.StatusCode.CANCELLED:
                return
            raise self._explain(e, f"watch job {job_id}") from None

    def cancel(self, job_id):
        """Cancels a queued or running job; returns its state afterwards ("cancelled", or "succeeded" when it had finished)."""
        r = self.pb["registration_pb2"]
        reply = self._call(f"cancel job {job_id}", self.registration.Cancel, r.CancelRequest(job_id=job_id), timeout=self.timeout)
        return _state_name(r, reply.state)

    def fetch(self, job_id, name):
        """One named result as a Volume (RAS, [k, j, i(, c)]); the chunked transfer is checked (offsets, length, SHA-256)."""
        r = self.pb["registration_pb2"]
        try:
            stream = self.registration.FetchResult(r.FetchRequest(job_id=job_id, name=name), metadata=self.metadata,
                                                   timeout=max(self.timeout, 300))
            first = next(stream, None)
            if first is None or first.WhichOneof("part") != "header":
                raise SlicerRegError(f"fetch {name}: the daemon sent no header")
            header = first.header
            parts = (("chunk", p.chunk) if p.WhichOneof("part") == "chunk" else ("end", p.end.sha256) for p in stream)
            payload = assemble(header.byte_length, parts, f"result {name}")
        except self._grpc.RpcError as e:
            raise self._explain(e, f"fetch {name} of job {job_id}") from None
        return volume_from_message(header, payload)

    def register(self, ap, ap_view, lat, lat_view, model=None, options=None, results=(), on_progress=None,
                 cancel_event=None, on_submitted=None, client="SlicerRegLib", register_options=None):
        """Submit → watch → fetch every result. on_progress(Progress) is called from this thread for each progress event
        (refinement: one per step); setting cancel_event (a threading.Event) cancels the job on the daemon and raises
        JobCancelled. register_options: see submit."""
        job_id, _ = self.submit(ap, ap_view, lat, lat_view, model, options, results, client, register_options)
        if on_submitted:
            on_submitted(job_id)
        done = threading.Event()
        if cancel_event is not None:
            def canceller():
                while not done.is_set():
                    if cancel_event.wait(0.05):
                        try:
                            self.cancel(job_id)
                        except SlicerRegError:
                            pass
                        return
            threading.Thread(target=canceller, name="slicerreg-cancel", daemon=True).start()
        events, summary = [], None
        try:
            for e in self.watch(job_id):
                events.append(e)
                if e.progress and on_progress:
                    on_progress(e.progress)
                if e.summary is not None:
                    summary = e.summary
                if e.error is not None:
                    cls = JobCancelled if e.state == "cancelled" else JobFailed
                    raise cls(f"job {job_id} {e.state}: {e.error[1]}", e.error[0])
        finally:
            done.set()
        if summary is None:
            if cancel_event is not None and cancel_event.is_set():
                raise JobCancelled(f"job {job_id} cancelled", "CANCELLED")
            raise JobFailed(f"job {job_id}: the watch ended without a result")
        volumes = {info.name: self.fetch(job_id, info.name) for info in summary.results}
        affine = np.array(summary.affine, dtype=float).reshape(4, 4) if len(summary.affine) == 16 else np.eye(4)
        if summary.affine_coordinate_system == self.pb["data_pb2"].COORDINATE_SYSTEM_LPS:
            affine = LPS_FLIP @ affine @ LPS_FLIP
        placement = json.loads(summary.placement_json) if summary.placement_json else None
        refinement = summary.refinement if summary.HasField("refinement") else None
        return RegistrationResult(job_id, summary.model, volumes, affine, summary.message, summary.seconds, events, placement, refinement)

