"""Starts and stops a local `slicerreg serve` on a unix socket (the module's "Start local daemon")."""
import os
import shutil
import subprocess
import tempfile
import threading

from .client import SlicerRegError


def find_slicerreg(hint=None):
    """The command that runs `slicerreg`: the given path (a `slicerreg` executable or script, or a slicerreg.dll run
    with dotnet), $SLICERREG, or `slicerreg` on PATH. Returns a list for subprocess."""
    for candidate in (hint, os.environ.get("SLICERREG"), shutil.which("slicerreg")):
        if not candidate:
            continue
        if candidate.endswith(".dll"):
            if not os.path.isfile(candidate):
                raise SlicerRegError(f"{candidate}: no such file (the slicerreg.dll of a build)")
            dotnet = shutil.which("dotnet")
            if dotnet is None:
                raise SlicerRegError(f"{candidate} needs the .NET runtime: `dotnet` is not on PATH")
            return [dotnet, candidate]
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return [candidate]
        found = shutil.which(candidate)
        if found:
            return [found]
        raise SlicerRegError(f"{candidate}: not an executable slicerreg")
    raise SlicerRegError("the `slicerreg` command was not found: put it on PATH, set SLICERREG to its path, or give its path "
                         "in the module's 'slicerreg executable' field")


class LocalDaemon:
    """`slicerreg serve --socket PATH [--models DIR] [--atlas ATLAS]` as a child process; stop() (or the with-block) ends
    it with SIGTERM and removes its folder. address is "unix:PATH". Without models the daemon serves its default, the
    shipped models (atlas/models); an atlas only feeds the identity placeholder (tests, debugging)."""

    def __init__(self, atlas=None, atlas_labels=None, slicerreg=None, extra_args=(), start_timeout_s=60.0, models=None):
        if models and not os.path.isdir(models):
            raise SlicerRegError(f"models folder {models!r}: no such folder (a model folder from `slicerreg train`, or a folder of them)")
        if atlas and not os.path.isfile(atlas):
            raise SlicerRegError(f"atlas {atlas!r}: no such file (the CT the identity placeholder returns, e.g. atlas/tiny/femur_atlas.nrrd)")
        if atlas_labels and not os.path.isfile(atlas_labels):
            raise SlicerRegError(f"atlas labels {atlas_labels!r}: no such file")
        command = find_slicerreg(slicerreg)
        self.folder = tempfile.mkdtemp(prefix="slicerreg-local-")
        self.socket = os.path.join(self.folder, "daemon.sock")
        self.log_path = os.path.join(self.folder, "daemon.log")
        args = command + ["serve", "--socket", self.socket]
        if models:
            args += ["--models", models]
        if atlas:
            args += ["--atlas", atlas]
        if atlas_labels:
            args += ["--atlas-labels", atlas_labels]
        args += list(extra_args)
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL, text=True)
        line = [None]
        reader = threading.Thread(target=lambda: line.__setitem__(0, self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(start_timeout_s)
        first = (line[0] or "").strip()
        if not first.startswith("listening on unix:"):
            self.stop()
            raise SlicerRegError(f"the local daemon did not start ({' '.join(args)}): "
                                 + (f"first line {first!r}; " if first else f"no answer in {start_timeout_s:.0f} s; ")
                                 + f"its log says: {self.log_tail()}")
        self.address = first[len("listening on "):]

    def log_tail(self, lines=5):
        try:
            with open(self.log_path) as f:
                return " | ".join(l.strip() for l in f.readlines()[-lines:]) or "(empty)"
        except OSError:
            return "(no log)"

    @property
    def running(self):
        return self.process.poll() is None

    def stop(self, timeout_s=10.0):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
