"""TLS between nodes (middleman.tls_*): a cluster whose inter-node traffic
is TLS with certificates of one CA serves batches across all targets, and a
node without a certificate of that CA cannot join."""

import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import tarfile
import tempfile
import time
import unittest

from harness import (Cluster, Node, get_batch, owner_of, peer_span_gets,
                     peer_span_handoffs)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(directory, name):
    key, cert = f"{directory}/{name}-ca.key", f"{directory}/{name}-ca.pem"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
            "-out", cert, "-days", "2", "-subj", f"/CN={name} test CA")
    return key, cert


def make_node_cert(directory, name, ca_key, ca_cert):
    key, csr = f"{directory}/{name}.key", f"{directory}/{name}.csr"
    cert = f"{directory}/{name}.pem"
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
            csr, "-subj", f"/CN={name}")
    openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
            "-CAcreateserial", "-out", cert, "-days", "2")
    return key, cert


def tls_settings(key, cert, ca):
    return [f"middleman.tls_certificate={cert}", f"middleman.tls_key={key}",
            f"middleman.tls_ca_file={ca}"]


class TlsClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = tempfile.mkdtemp(prefix="moss-pki-")
        ca_key, cls.ca = make_ca(cls.pki, "cluster")
        cls.key, cls.cert = make_node_cert(cls.pki, "node", ca_key, cls.ca)
        cls.cluster = Cluster(overrides=tls_settings(cls.key, cls.cert,
                                                     cls.ca))
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        shutil.rmtree(cls.pki, ignore_errors=True)

    def assert_batch_crosses_every_target(self, bucket):
        c = self.cluster
        self.assertEqual(c.create_bucket(bucket).status, 200)
        smap = c.smap()
        data, owners = {}, set()
        for i in range(40):
            # Every fifth is large enough to be a peer span without TLS.
            data[f"o{i}"] = os.urandom(3000 + i + (i % 5 == 0) * 600_000)
            self.assertEqual(c.put(bucket, f"o{i}", data[f"o{i}"]).status,
                             200)
            owners.add(owner_of(smap, bucket, f"o{i}"))
        self.assertEqual(len(owners), 3, "entries on every target")
        names = sorted(data, key=lambda n: int(n[1:]))
        r = get_batch(c.url, {"in": [{"objname": n} for n in names],
                              "strm": True}, bucket=bucket)
        self.assertEqual(r.status, 200, r.body[:300])
        with tarfile.open(fileobj=io.BytesIO(r.body)) as tar:
            got = [(m.name, tar.extractfile(m).read()) for m in tar]
        self.assertEqual(got, [(f"{bucket}/{n}", data[n]) for n in names])
        # The HTTP port is plain: with TLS, nothing travels over it.
        self.assertEqual(peer_span_gets(c), 0)
        self.assertEqual(peer_span_handoffs(c), 0)

    def test_batches_cross_every_target_over_tls(self):
        self.assert_batch_crosses_every_target("b")

    def test_garbage_on_the_inter_node_port_drops_only_that_connection(self):
        # A failed handshake must not cut the node's other TLS connections.
        for payload in [b"GET / HTTP/1.1\r\n\r\n", os.urandom(600)]:
            with socket.create_connection(
                    ("127.0.0.1", self.cluster.caf_port), timeout=10) as s:
                s.sendall(payload)
                s.settimeout(5)
                try:
                    while s.recv(4096):
                        pass
                except OSError:
                    pass
        self.wait_stays_at(3, 3)
        self.assert_batch_crosses_every_target("after-garbage")

    def test_the_inter_node_port_speaks_tls_with_the_cluster_ca(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(self.ca)
        ctx.load_cert_chain(self.cert, self.key)
        with socket.create_connection(("127.0.0.1", self.cluster.caf_port),
                                      timeout=10) as raw:
            with ctx.wrap_socket(raw) as tls:
                peer = tls.getpeercert()
                self.assertIn((("commonName", "node"),), peer["subject"])

    def wait_stays_at(self, count, seconds):
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.assertEqual(len(self.cluster.smap()["tmap"]), count)
            time.sleep(0.5)

    def start_stray_target(self, name, settings):
        c = self.cluster
        node = Node(name, ["target", "--proxy", f"127.0.0.1:{c.caf_port}",
                           "--data-dir", f"{c.dir}/{name}", "--port", "0",
                           "--set", "log_level=info"] + settings,
                    f"{c.dir}/{name}.log")
        node.start()
        return node

    def test_a_target_without_tls_cannot_join(self):
        node = self.start_stray_target("plain", [])
        try:
            self.wait_stays_at(3, 4)
        finally:
            node.kill()

    def test_a_target_with_a_foreign_ca_cannot_join(self):
        other_key, other_ca = make_ca(self.pki, "foreign")
        key, cert = make_node_cert(self.pki, "intruder", other_key, other_ca)
        node = self.start_stray_target("intruder",
                                       [a for s in tls_settings(key, cert,
                                                                other_ca)
                                        for a in ("--set", s)])
        try:
            self.wait_stays_at(3, 4)
        finally:
            node.kill()


class TlsConfigTest(unittest.TestCase):
    def test_partial_tls_settings_are_refused(self):
        from harness import MOSS
        out = subprocess.run([MOSS, "proxy", "--set",
                              "middleman.tls_certificate=/x.pem"],
                             capture_output=True, text=True, timeout=30)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("tls_ca_file", out.stderr)


if __name__ == "__main__":
    unittest.main()
