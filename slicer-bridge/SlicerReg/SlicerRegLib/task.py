"""One registration running in a background thread, polled by a GUI (Slicer's widget polls with a qt.QTimer and only
touches the scene on its main thread) or waited on in a script."""
import threading

from .client import JobCancelled, RegistrationClient, SlicerRegError


class RegistrationTask:
    """Submit → watch → fetch on a worker thread. Read .state ("starting", "submitted", "running", "succeeded",
    "failed", "cancelled"), .fraction, .stage, .message at any time; .result (RegistrationResult) once succeeded,
    .error (message) once failed. cancel() asks the daemon to stop the job."""

    def __init__(self, address, token, ap, ap_view, lat, lat_view, model=None, options=None, results=(),
                 client="SlicerRegLib task", ca_file=None, register_options=None):
        self._args = (ap, ap_view, lat, lat_view, model, options, results)
        self._address, self._token, self._client_name, self._ca_file = address, token, client, ca_file
        self._register_options = register_options
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.state, self.fraction, self.stage, self.message = "starting", 0.0, "connect", ""
        self.job_id = self.result = self.error = None
        self.thread = threading.Thread(target=self._run, name="slicerreg-register", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def cancel(self):
        self._cancel.set()

    @property
    def done(self):
        return self.state in ("succeeded", "failed", "cancelled")

    def wait(self, timeout=None):
        self.thread.join(timeout)
        return self.done

    def snapshot(self):
        with self._lock:
            return dict(state=self.state, fraction=self.fraction, stage=self.stage, message=self.message, job_id=self.job_id)

    def _set(self, **kw):
        with self._lock:
            for k, v in kw.items():
                setattr(self, k, v)

    def _run(self):
        try:
            with RegistrationClient.connect(self._address, self._token, ca_file=self._ca_file) as client:
                if self._cancel.is_set():
                    raise JobCancelled("cancelled before the upload", "CANCELLED")
                result = client.register(*self._args, on_progress=self._progress, cancel_event=self._cancel,
                                         on_submitted=lambda job: self._set(job_id=job, state="submitted", stage="queued"),
                                         client=self._client_name, register_options=self._register_options)
                self._set(state="succeeded", fraction=1.0, stage="done", result=result, message=result.message)
        except JobCancelled as e:
            self._set(state="cancelled", error=str(e), message=str(e))
        except (SlicerRegError, ValueError) as e:
            self._set(state="failed", error=str(e), message=str(e))
        except Exception as e:  # never leave a GUI waiting on a dead thread
            self._set(state="failed", error=f"{type(e).__name__}: {e}", message=str(e))

    def _progress(self, p):
        self._set(state="running", fraction=p.fraction, stage=p.stage, message=p.message)
