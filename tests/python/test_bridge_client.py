#!/usr/bin/python3
"""SlicerRegLib's client against the real daemon (`slicerreg serve` on a unix socket, started by SlicerRegLib's own
LocalDaemon, as the module's "Start local daemon" does): submit → progress → results equal to what `slicerreg submit`
writes for the same radiographs, cancel, the background task the GUI polls, and the messages a user gets when the
daemon is missing, wants a token, or speaks another protocol."""
import contextlib
import os
import threading
import time
import unittest
from concurrent import futures

import numpy as np

import bridge_support as bs
from SlicerRegLib import nrrd
from SlicerRegLib.client import JobCancelled, JobFailed, RegistrationClient, SlicerRegError
from SlicerRegLib.daemon import LocalDaemon
from SlicerRegLib.task import RegistrationTask


class BridgeClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bs.require_cli()
        cls.dir = bs.temp_dir("client-")
        cls.ap_path, cls.lat_path = bs.drr_pair(cls.dir)
        cls.ap, cls.ap_view = nrrd.read_radiograph(cls.ap_path)
        cls.lat, cls.lat_view = nrrd.read_radiograph(cls.lat_path)
        # No trained model (--models none): the identity placeholder alone, whose results are known.
        cls.daemon = LocalDaemon(bs.ATLAS, bs.ATLAS_LABELS, extra_args=["--workers", "1", "--models", "none"])
        cls.client = RegistrationClient.connect(cls.daemon.address)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.daemon.stop()
        assert not os.path.exists(cls.daemon.folder)

    def test_models_lists_the_identity_placeholder_and_the_atlas_grid(self):
        card = {m.name: m for m in self.client.models()}["identity"]
        self.assertTrue(card.available)
        self.assertEqual(list(card.atlas.shape), [48, 32, 48])
        self.assertEqual(card.atlas_name, "femur_atlas.nrrd")

    def test_register_equals_the_cli_submit(self):
        out = os.path.join(self.dir, "cli-results")
        bs.cli("submit", "--server", self.daemon.address, "--ap", self.ap_path, "--lat", self.lat_path, "--out", out)
        seen = []
        result = self.client.register(self.ap, self.ap_view, self.lat, self.lat_view, model="identity", on_progress=seen.append)
        self.assertEqual(sorted(result.volumes), ["displacement_field", "warped_atlas", "warped_labels"])
        for name, ours in result.volumes.items():
            theirs = nrrd.read(os.path.join(out, name + ".nrrd"))
            self.assertEqual(ours.kind, theirs.kind, name)
            self.assertEqual(ours.voxels.dtype, theirs.voxels.dtype, name)
            np.testing.assert_array_equal(ours.voxels, theirs.voxels, err_msg=name)
            np.testing.assert_allclose(ours.ijk_to_ras, theirs.ijk_to_ras, atol=1e-9, err_msg=name)
        # Independent of both: the identity engine returns the atlas file's voxels and grid.
        atlas = nrrd.read(bs.ATLAS)
        np.testing.assert_array_equal(result.volumes["warped_atlas"].voxels, atlas.voxels)
        np.testing.assert_allclose(result.volumes["warped_atlas"].ijk_to_ras, atlas.ijk_to_ras, atol=1e-9)
        self.assertEqual(result.volumes["displacement_field"].voxels.shape, (48, 32, 48, 3))
        np.testing.assert_array_equal(result.affine, np.eye(4))
        stages = [p.stage for p in seen]
        self.assertIn("register", stages)
        fractions = [p.fraction for p in seen]
        self.assertEqual(fractions, sorted(fractions))
        self.assertEqual(fractions[-1], 1.0)

    def test_results_subset_and_unknown_option(self):
        result = self.client.register(self.ap, self.ap_view, self.lat, self.lat_view, model="identity", results=["warped_labels"])
        self.assertEqual(list(result.volumes), ["warped_labels"])
        self.assertEqual(result.volumes["warped_labels"].kind, "label_map")
        with self.assertRaises(SlicerRegError) as ctx:
            self.client.register(self.ap, self.ap_view, self.lat, self.lat_view, model="identity", options={"no_such_option": "1"})
        self.assertIn("no_such_option", str(ctx.exception))
        with self.assertRaises(SlicerRegError) as ctx:
            self.client.submit(self.ap, self.ap_view, self.lat, self.lat_view, model="prost")
        self.assertEqual(ctx.exception.code, "NOT_FOUND")
        self.assertIn("unknown model 'prost'", str(ctx.exception))

    def test_without_a_trained_model_the_client_says_how_to_serve_one(self):
        """The placeholder is never chosen for the user: no model named and none trained is an error saying what to do."""
        for call in (lambda: self.client.default_model(),
                     lambda: self.client.register(self.ap, self.ap_view, self.lat, self.lat_view),
                     lambda: RegistrationTask(self.daemon.address, None, self.ap, self.ap_view, self.lat, self.lat_view).start()):
            try:
                outcome = call()
            except SlicerRegError as e:
                message = str(e)
            else:
                self.assertIsInstance(outcome, RegistrationTask)
                self.assertTrue(outcome.wait(20))
                self.assertEqual(outcome.state, "failed")
                message = outcome.error
            self.assertIn("serves no trained model", message)
            self.assertIn("identity (available)", message)
            self.assertIn("slicerreg serve --models atlas/models", message)

    def test_bad_option_value_fails_the_job_with_its_message(self):
        with self.assertRaises(JobFailed) as ctx:
            self.client.register(self.ap, self.ap_view, self.lat, self.lat_view, model="identity", options={"stage_delay_ms": "-5"})
        self.assertIn("stage_delay_ms must be an integer", str(ctx.exception))

    def test_cancel_a_running_job(self):
        cancel = threading.Event()
        asked = []

        def on_progress(p):
            if p.stage == "load atlas":
                asked.append(time.monotonic())
                cancel.set()
        with self.assertRaises(JobCancelled):
            self.client.register(self.ap, self.ap_view, self.lat, self.lat_view, model="identity", options={"stage_delay_ms": "3000"},
                                 on_progress=on_progress, cancel_event=cancel)
        elapsed = time.monotonic() - asked[0]
        print(f"\n  a running job (4 stages of 3 s) ended as cancelled {1000 * elapsed:.0f} ms after the cancel flag was set", end=" ")
        self.assertLess(elapsed, 2.0)
        # The daemon's own word: a cancelled job stays cancelled; a finished one is left as it is.
        job, _ = self.client.submit(self.ap, self.ap_view, self.lat, self.lat_view, model="identity", options={"stage_delay_ms": "3000"})
        # Just submitted, it may still be queued on a loaded machine; either way it ends cancelled.
        self.assertIn(self.client.cancel(job), ("cancelled", "running", "queued"))
        events = list(self.client.watch(job))
        self.assertEqual(events[-1].state, "cancelled")
        self.assertEqual(events[-1].error[0], "CANCELLED")

    def test_background_task_polled_like_the_gui(self):
        task = RegistrationTask(self.daemon.address, None, self.ap, self.ap_view, self.lat, self.lat_view, model="identity",
                                options={"stage_delay_ms": "50"}).start()
        states = set()
        deadline = time.monotonic() + 30
        while not task.done and time.monotonic() < deadline:  # the widget's qt.QTimer does this every 100 ms
            states.add(task.snapshot()["state"])
            time.sleep(0.01)
        self.assertEqual(task.state, "succeeded", task.error)
        self.assertIn("running", states)
        self.assertEqual(sorted(task.result.volumes), ["displacement_field", "warped_atlas", "warped_labels"])
        cancelled = RegistrationTask(self.daemon.address, None, self.ap, self.ap_view, self.lat, self.lat_view, model="identity",
                                     options={"stage_delay_ms": "3000"}).start()
        while cancelled.snapshot()["state"] not in ("running",) and not cancelled.done:
            time.sleep(0.01)
        cancelled.cancel()
        self.assertTrue(cancelled.wait(10))
        self.assertEqual(cancelled.state, "cancelled", cancelled.error)

    def test_task_reports_a_bad_input_instead_of_raising(self):
        task = RegistrationTask(self.daemon.address, None, self.ap.T, self.ap_view, self.lat, self.lat_view).start()
        self.assertTrue(task.wait(20))
        self.assertEqual(task.state, "failed")
        self.assertIn("AP image: image is 224×160 pixels", task.error)

    def test_no_daemon_says_how_to_start_one(self):
        for address in ("127.0.0.1:1", "unix:" + os.path.join(self.dir, "nobody.sock")):
            with self.assertRaises(SlicerRegError) as ctx:
                RegistrationClient.connect(address, wait_s=2)
            self.assertEqual(ctx.exception.code, "UNAVAILABLE")
            self.assertIn(f"cannot reach the SlicerReg daemon at {address}", str(ctx.exception))
            self.assertIn("slicerreg serve", str(ctx.exception))
        with self.assertRaises(SlicerRegError) as ctx:
            RegistrationClient.connect("localhost")
        self.assertIn("expected HOST:PORT", str(ctx.exception))

    @staticmethod
    @contextlib.contextmanager
    def other_server(add_servicer=None):
        """A plain grpcio server on a free loopback port (with one servicer, or none); yields its address."""
        import grpc
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
        if add_servicer:
            add_servicer(server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        try:
            yield f"127.0.0.1:{port}"
        finally:
            server.stop(0)

    def test_another_grpc_server_is_a_protocol_mismatch(self):
        with self.other_server() as address:
            with self.assertRaises(SlicerRegError) as ctx:
                RegistrationClient.connect(address)
            self.assertEqual(ctx.exception.code, "UNIMPLEMENTED")
            self.assertIn("does not speak the SlicerReg protocol slicerreg.v1", str(ctx.exception))

    def test_connect_reports_the_daemon_version_and_refuses_an_older_daemon(self):
        self.assertEqual(self.client.protocol_version, 5)
        self.assertTrue(self.client.daemon_version)
        pb = self.client.pb

        class OldModels(pb["models_pb2_grpc"].ModelsServicer):
            def ListModels(self, request, context):  # a daemon from before protocol_version: the field reads 0
                return pb["models_pb2"].ListModelsReply()

        with self.other_server(lambda s: pb["models_pb2_grpc"].add_ModelsServicer_to_server(OldModels(), s)) as address:
            with self.assertRaises(SlicerRegError) as ctx:
                RegistrationClient.connect(address)
            self.assertEqual(ctx.exception.code, "FAILED_PRECONDITION")
            self.assertIn(f"the daemon at {address} is an older release that does not report its version", str(ctx.exception))
            self.assertIn("needs protocol revision 2 or newer", str(ctx.exception))

    def test_token(self):
        token = "bridge-test-token-0123456789"
        with LocalDaemon(bs.ATLAS, extra_args=["--token", token, "--models", "none"]) as d:
            with self.assertRaises(SlicerRegError) as ctx:
                RegistrationClient.connect(d.address)
            self.assertEqual(ctx.exception.code, "UNAUTHENTICATED")
            self.assertIn("wants a token", str(ctx.exception))
            with RegistrationClient.connect(d.address, token=token) as c:
                self.assertIn("identity", [m.name for m in c.models()])

    def test_local_daemon_refuses_a_missing_atlas_and_reports_a_failed_start(self):
        with self.assertRaises(SlicerRegError) as ctx:
            LocalDaemon(os.path.join(self.dir, "none.nrrd"))
        self.assertIn("no such file", str(ctx.exception))
        bad = os.path.join(self.dir, "not-an-image.nrrd")
        with open(bad, "w") as f:
            f.write("hello\n")
        with self.assertRaises(SlicerRegError) as ctx:
            LocalDaemon(bad)
        self.assertIn("the local daemon did not start", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
