"""Malformed HTTP on the wire, sent byte by byte over raw sockets: every
case gets a clear 4xx (or a closed connection where HTTP leaves no room for
an answer), nothing half-written is stored, and the node keeps serving."""

import json
import socket
import time
import unittest

from harness import Cluster, request


def exchange(port, raw, shutdown=False, timeout=10, until_close=False):
    """Sends `raw`, returns (status or None, what came back: the first
    response, or everything until the server closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(raw)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data and not shutdown and not until_close:
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = [ln for ln in head.split(b"\r\n")
                              if ln.lower().startswith(b"content-length:")]
                    if length and len(body) >= int(length[0].split(b":")[1]):
                        break
        except socket.timeout:
            pass
    status = None
    if data.startswith(b"HTTP/1."):
        status = int(data.split(b" ", 2)[1])
    return status, data


class BadHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(targets=1, overrides=[
            "http.read_timeout=2s", "http.max_object_size=1048576"])
        cls.cluster.start()
        assert cls.cluster.create_bucket("b").status == 200
        url = next(iter(cls.cluster.target_urls().values()))
        cls.port = int(url.rsplit(":", 1)[1])

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def put_raw(self, name, head, body=b"", **kw):
        return exchange(self.port, f"PUT /v1/objects/b/{name} HTTP/1.1\r\n"
                        f"Host: x\r\n{head}\r\n".encode() + body, **kw)

    def assert_not_stored(self, name):
        self.assertEqual(self.cluster.get("b", name).status, 404, name)

    def assert_json_error(self, data, status):
        body = data.partition(b"\r\n\r\n")[2]
        err = json.loads(body)
        self.assertEqual(err["status"], status)
        self.assertTrue(err["message"])
        return err["message"]

    def test_bodies_that_do_not_match_their_length(self):
        # The client promises 100 bytes, sends 50 and stops writing.
        status, data = self.put_raw("short", "Content-Length: 100\r\n",
                                    b"x" * 50, shutdown=True)
        self.assertEqual(status, 400, data[:300])
        self.assertIn("after 50 bytes of the 100 announced",
                      self.assert_json_error(data, 400))
        self.assert_not_stored("short")
        # It promises 50 and sends 100: the extra bytes are a second,
        # malformed request, never part of the object.
        status, data = self.put_raw("long", "Content-Length: 50\r\n",
                                    b"y" * 100, until_close=True)
        self.assertEqual(status, 200)
        self.assertEqual(self.cluster.get("b", "long").body, b"y" * 50)
        # The rest ("yyy...") is no request line: a 400, or the connection
        # is closed once the read timeout passes without one.
        rest = data.split(b"\r\n\r\n", 1)[1]
        self.assertTrue(rest == b"" or rest.startswith(b"HTTP/1.1 400"), rest)

    def test_invalid_lengths_and_encodings(self):
        cases = [
            ("badlen", "Content-Length: abc\r\n", b"", 400),
            ("neglen", "Content-Length: -5\r\n", b"", 400),
            ("twolen", "Content-Length: 3\r\nContent-Length: 4\r\n", b"abcd",
             400),
            ("badchunk", "Transfer-Encoding: chunked\r\n", b"zz\r\nabc\r\n0\r\n\r\n",
             400),
            ("toolarge", f"Content-Length: {2 << 20}\r\n", b"", 413),
        ]
        for name, head, body, want in cases:
            status, data = self.put_raw(name, head, body)
            self.assertEqual(status, want, (name, data[:300]))
            self.assert_not_stored(name)
        # A chunked PUT that is well-formed is stored whole.
        status, _ = self.put_raw("chunked", "Transfer-Encoding: chunked\r\n",
                                 b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertEqual(self.cluster.get("b", "chunked").body, b"abcde")

    def test_garbage_and_odd_requests(self):
        for raw in [b"NONSENSE\r\n\r\n", b"GET\r\n\r\n",
                    b"GET /v1/objects/b/x HTTP/9.9\r\nHost: x\r\n\r\n",
                    b"GET /v1/objects/b/\x00x HTTP/1.1\r\nHost: x\r\n\r\n"]:
            status, data = exchange(self.port, raw)
            self.assertIn(status, (400, 505, None), (raw, data[:200]))
        # A GET with a body: the body is read and ignored, the answer is
        # the object, and the connection stays usable.
        self.assertEqual(self.cluster.put("b", "g", b"payload").status, 200)
        raw = (b"GET /v1/objects/b/g HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 5\r\n\r\nhello"
               b"GET /v1/objects/b/g HTTP/1.1\r\nHost: x\r\n"
               b"Connection: close\r\n\r\n")
        status, data = exchange(self.port, raw, timeout=5, until_close=True)
        self.assertEqual(status, 200)
        self.assertEqual(data.count(b"HTTP/1.1 200"), 2, data[:500])
        self.assertEqual(data.count(b"payload"), 2)
        # HTTP/1.0 without Host still works.
        status, _ = exchange(self.port, b"GET /v1/health HTTP/1.0\r\n\r\n")
        self.assertEqual(status, 200)

    def test_getbatch_bodies_cut_short_or_missing(self):
        status, data = exchange(
            self.port, b"GET /v1/ml/moss/b HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 1000\r\n\r\n{\"in\":", shutdown=True)
        self.assertEqual(status, 400, data[:300])
        self.assertIn("incomplete", self.assert_json_error(data, 400))
        # Or the client just stops sending: cut after the read timeout.
        started = time.time()
        status, data = exchange(
            self.port, b"GET /v1/ml/moss/b HTTP/1.1\r\nHost: x\r\n"
            b"Content-Length: 1000\r\n\r\n{\"in\":")
        self.assertEqual(status, 400, data[:300])
        self.assertIn("read timeout", self.assert_json_error(data, 400))
        self.assertLess(time.time() - started, 8)
        status, data = exchange(
            self.port, b"GET /v1/ml/moss/b HTTP/1.1\r\nHost: x\r\n"
            b"Connection: close\r\n\r\n")
        self.assertEqual(status, 400)
        self.assertIn("needs a JSON body", self.assert_json_error(data, 400))

    def test_a_client_that_never_finishes_its_headers_is_cut_off(self):
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=10) as s:
            s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
            started = time.time()
            self.assertEqual(s.recv(100), b"", "closed, not answered")
            self.assertLess(time.time() - started, 8)
        # And the node serves on.
        self.assertEqual(request("GET", self.cluster.url + "/v1/health").status,
                         200)


if __name__ == "__main__":
    unittest.main()
