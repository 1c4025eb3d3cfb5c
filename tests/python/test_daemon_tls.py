#!/usr/bin/python3
"""Python clients of a daemon serving TLS with a token (issue 18): Debian's python3-grpcio directly and SlicerRegLib's
RegistrationClient (what the Slicer module and batch scripts use), against the real `slicerreg serve` process with a CA
and a server certificate made by openssl at test time (tests/tools/make_test_certificates.sh). The right CA gets in; no
CA or another CA fails with a verification error naming the daemon and OpenSSL's reason; a plaintext client at the TLS
port fails cleanly; neither the token nor a wrong one reaches the daemon's log."""
import os
import subprocess
import time
import unittest

import numpy as np

import bridge_support as bs

TOKEN = "python-tls-token-93c1e0b7a5"
WRONG = "python-wrong-token-2b8d77f1"


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


class DaemonTlsTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        bs.require_cli()
        import grpc
        cls.grpc = grpc
        cls.dir = bs.temp_dir("tls-")
        subprocess.run(["sh", os.path.join(bs.ROOT, "tests", "tools", "make_test_certificates.sh"), cls.dir], check=True, capture_output=True)
        cls.ca, cls.other_ca = os.path.join(cls.dir, "ca.pem"), os.path.join(cls.dir, "other-ca.pem")
        token_file = os.path.join(cls.dir, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        cls.log_path = os.path.join(cls.dir, "daemon.log")
        cls.log = open(cls.log_path, "w")
        # On every interface (TLS and a token make that allowed), so that 127.0.0.2, a name the certificate lacks, reaches it too.
        cls.proc = subprocess.Popen(["dotnet", bs.DLL, "serve", "--listen", "0.0.0.0:0", "--models", "none", "--atlas", bs.ATLAS,
                                     "--tls-cert", os.path.join(cls.dir, "server.pem"), "--tls-key", os.path.join(cls.dir, "server.key"),
                                     "--token-file", token_file], stdout=subprocess.PIPE, stderr=cls.log, text=True)
        line = cls.proc.stdout.readline().strip()
        if not line.startswith("listening on https://"):
            cls.proc.kill()
            raise RuntimeError(f"unexpected first line from the daemon: {line!r}")
        cls.port = line.rsplit(":", 1)[1]
        cls.host_port = "127.0.0.1:" + cls.port
        cls.address = "https://" + cls.host_port

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        try:
            cls.proc.wait(10)
        except subprocess.TimeoutExpired:
            cls.proc.kill()
        cls.proc.stdout.close()
        cls.log.close()

    def health(self, channel):
        """The standard health check as a raw call (no stubs, no token needed): the serialized SERVING reply, or RpcError."""
        return channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=10)

    def test_right_ca_registers_over_tls(self):
        from SlicerRegLib import nrrd, views
        from SlicerRegLib.client import RegistrationClient
        with self.grpc.secure_channel(self.host_port, self.grpc.ssl_channel_credentials(read(self.ca, "rb"))) as channel:
            self.assertEqual(self.health(channel), b"\x08\x01")
        # ca_file with a plain HOST:PORT means TLS, as an https:// address does.
        for address in (self.address, self.host_port):
            with RegistrationClient.connect(address, TOKEN, ca_file=self.ca) as client:
                self.assertTrue(client.tls)
                self.assertIn("identity", [m.name for m in client.models()])
        ap_view, lat_view = views.load_view("ap"), views.load_view("lateral")
        rng = np.random.default_rng(18)
        ap = rng.random((ap_view.size[1], ap_view.size[0]), dtype=np.float32)
        lat = rng.random((lat_view.size[1], lat_view.size[0]), dtype=np.float32)
        with RegistrationClient.connect(self.address, TOKEN, ca_file=self.ca) as client:
            result = client.register(ap, ap_view, lat, lat_view, model="identity", results=["warped_atlas"])
        atlas = nrrd.read(bs.ATLAS)
        np.testing.assert_array_equal(result.volumes["warped_atlas"].voxels, atlas.voxels)

    def test_no_ca_or_another_ca_fails_with_a_verification_error(self):
        from SlicerRegLib.client import RegistrationClient, SlicerRegError
        for roots in (None, read(self.other_ca, "rb")):
            with self.grpc.secure_channel(self.host_port, self.grpc.ssl_channel_credentials(roots)) as channel:
                with self.assertRaises(self.grpc.RpcError) as ctx:
                    self.health(channel)
                self.assertEqual(ctx.exception.code(), self.grpc.StatusCode.UNAVAILABLE)
                self.assertIn("certificate verify failed", ctx.exception.details())
        for ca_file, trust in ((None, "checked against the system's trusted roots"), (self.other_ca, f"checked against the CA file {self.other_ca}")):
            with self.assertRaises(SlicerRegError) as ctx:
                RegistrationClient.connect(self.address, TOKEN, ca_file=ca_file)
            message = str(ctx.exception)
            self.assertTrue(message.startswith(f"the TLS certificate of the daemon at {self.address} does not verify: "
                                               "unable to get local issuer certificate"), message)
            self.assertIn(trust, message)

    def test_an_address_the_certificate_does_not_name_fails_verification(self):
        from SlicerRegLib.client import RegistrationClient, SlicerRegError
        address = "https://127.0.0.2:" + self.port
        with self.assertRaises(SlicerRegError) as ctx:
            RegistrationClient.connect(address, TOKEN, ca_file=self.ca)
        self.assertTrue(str(ctx.exception).startswith(f"the TLS certificate of the daemon at {address} does not verify: "
                                                      "IP address mismatch, certificate is not valid for '127.0.0.2'"), str(ctx.exception))

    def test_plaintext_client_at_the_tls_port_fails_cleanly(self):
        from SlicerRegLib.client import RegistrationClient, SlicerRegError, uses_tls
        started = time.monotonic()
        with self.grpc.insecure_channel(self.host_port) as channel:
            with self.assertRaises(self.grpc.RpcError) as ctx:
                self.health(channel)
        self.assertEqual(ctx.exception.code(), self.grpc.StatusCode.UNAVAILABLE)
        self.assertLess(time.monotonic() - started, 5, "refused at once, not left to time out")
        with self.assertRaises(SlicerRegError) as ctx:
            RegistrationClient.connect(self.host_port, TOKEN, wait_s=5)
        self.assertIn(f"cannot reach the SlicerReg daemon at {self.host_port}", str(ctx.exception))
        self.assertIn("a daemon serving TLS is reached with https://HOST:PORT", str(ctx.exception))
        # TLS asked for with a plain http:// address is refused before connecting, never downgraded.
        with self.assertRaises(SlicerRegError):
            uses_tls("http://" + self.host_port, ca_file=self.ca)
        with RegistrationClient.connect(self.address, TOKEN, ca_file=self.ca) as client:
            self.assertTrue(client.models())

    def test_tokens_never_reach_the_log_and_refusals_name_the_peer(self):
        from SlicerRegLib.client import RegistrationClient, SlicerRegError
        with self.assertRaises(SlicerRegError) as ctx:
            RegistrationClient.connect(self.address, WRONG, ca_file=self.ca)
        self.assertEqual(ctx.exception.code, "UNAUTHENTICATED")
        with RegistrationClient.connect(self.address, TOKEN, ca_file=self.ca) as client:
            client.models()
        deadline = time.time() + 5
        while "refused a call from ipv4:127.0.0.1:" not in read(self.log_path):
            self.assertLess(time.time(), deadline, "the refusal was never logged")
            time.sleep(0.05)
        log = read(self.log_path)
        self.assertIn("wrong token", log)
        self.assertNotIn(TOKEN, log)
        self.assertNotIn(WRONG, log)


if __name__ == "__main__":
    unittest.main()
