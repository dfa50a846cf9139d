"""A bounded soak: 32 concurrent clients mix GetBatch (both modes), GET and
PUT against one cluster for MOSS_SOAK_SECONDS (30 by default; the long run
is `MOSS_SOAK_SECONDS=300 python3 -m unittest test_soak`). Every byte read
back is checked against what was written. Reports requests served, 429s,
errors and each node's resident memory over time, and requires memory to be
flat: the last sample of the run may exceed the sample taken after the
first fifth of it by at most 64 MiB per node."""

import hashlib
import http.client
import io
import json
import os
import random
import sys
import tarfile
import threading
import time
import unittest
import urllib.parse

from harness import Cluster, quote

CLIENTS = 32
OBJECTS = 400
TOLERANCE_KIB = 64 * 1024


class Client:
    """One keep-alive connection per host; follows 307 with the body."""

    def __init__(self):
        self.conns = {}

    def request(self, method, url, body=None):
        for _ in range(4):
            p = urllib.parse.urlsplit(url)
            key = (p.hostname, p.port)
            conn = self.conns.get(key)
            if conn is None:
                conn = self.conns[key] = http.client.HTTPConnection(
                    p.hostname, p.port, timeout=60)
            path = p.path + ("?" + p.query if p.query else "")
            try:
                conn.request(method, path, body=body)
                resp = conn.getresponse()
                data = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                del self.conns[key]
                raise
            if resp.status == 307:
                url = resp.getheader("Location")
                continue
            return resp.status, data
        raise RuntimeError("redirect loop")


class Soak:
    def __init__(self, cluster, seconds):
        self.c, self.seconds = cluster, seconds
        self.lock = threading.Lock()
        # Digests of every version of every object, oldest first: a read that
        # overlaps writes may return any version written meanwhile.
        self.history = {}
        # Names whose newest version in `history` is still being written.
        self.writing = set()
        self.counts = {"getbatch": 0, "get": 0, "put": 0, "429": 0}
        self.errors = []

    def version_count(self, name):
        """Where the versions a read may return start in `history`: the last
        one stored, and the one being written, if any."""
        with self.lock:
            n = len(self.history[name])
            return n - 2 if name in self.writing else n - 1

    def is_version(self, name, data, first):
        """`data` is a version current when the read started (the last one
        stored, or one being written), or one written since."""
        digest = hashlib.sha1(data).digest()
        with self.lock:
            return digest in self.history[name][first:]

    def count(self, what):
        with self.lock:
            self.counts[what] += 1

    def fail(self, what):
        with self.lock:
            if len(self.errors) < 20:
                self.errors.append(what)

    def worker(self, seed, deadline):
        rnd = random.Random(seed)
        client = Client()
        base = self.c.url
        while time.time() < deadline:
            op = rnd.random()
            try:
                if op < 0.4:
                    self.get_batch(client, rnd)
                elif op < 0.8:
                    name = f"o{rnd.randrange(OBJECTS)}"
                    first = self.version_count(name)
                    status, body = client.request(
                        "GET", f"{base}/v1/objects/s/{quote(name)}")
                    if status != 200 or not self.is_version(name, body,
                                                            first):
                        self.fail(f"GET {name}: {status}")
                    self.count("get")
                else:
                    # Writers own disjoint names (o<seed>, o<seed+32>,
                    # ...), so a read always knows the latest bytes.
                    name = f"o{rnd.randrange(OBJECTS // CLIENTS) * CLIENTS + seed}"
                    body = os.urandom(rnd.randrange(1, 64 << 10))
                    # Known before it is sent: a reader may see it as soon
                    # as the target stored it, before this PUT returns.
                    with self.lock:
                        self.history[name].append(hashlib.sha1(body).digest())
                        self.writing.add(name)
                    status, _ = client.request(
                        "PUT", f"{base}/v1/objects/s/{quote(name)}", body)
                    with self.lock:
                        self.writing.discard(name)
                    if status != 200:
                        self.fail(f"PUT {name}: {status}")
                    self.count("put")
            except (OSError, http.client.HTTPException) as e:
                self.fail(f"connection: {e}")

    def get_batch(self, client, rnd):
        names = [f"o{rnd.randrange(OBJECTS)}"
                 for _ in range(rnd.randrange(1, 200))]
        strm = rnd.random() < 0.5
        body = json.dumps({"in": [{"objname": n} for n in names],
                           "strm": strm}).encode()
        # Only objects nobody writes right now can be checked exactly: take
        # the expected bytes under the lock, and re-check the ones that
        # changed meanwhile after the batch.
        first = {n: self.version_count(n) for n in names}
        status, data = client.request("GET", f"{self.c.url}/v1/ml/moss/s",
                                      body)
        if status == 429:
            self.count("429")
            return
        if status != 200:
            self.fail(f"GetBatch: {status} {data[:200]!r}")
            return
        if not strm:
            boundary = data.split(b"\r\n", 1)[0][2:]
            parts = data.split(b"--" + boundary)
            data = parts[2].partition(b"\r\n\r\n")[2][:-2]
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            got = [(m.name, tar.extractfile(m).read()) for m in tar]
        if [m for m, _ in got] != [f"s/{n}" for n in names]:
            self.fail("GetBatch: wrong members or order")
        for (member, bytes_), n in zip(got, names):
            if not self.is_version(n, bytes_, first[n]):
                self.fail(f"GetBatch: wrong bytes for {n}")
        self.count("getbatch")


class SoakTest(unittest.TestCase):
    def test_mixed_load_keeps_memory_flat_and_bytes_right(self):
        seconds = float(os.environ.get("MOSS_SOAK_SECONDS", "30"))
        with Cluster() as c:
            self.assertEqual(c.create_bucket("s").status, 200)
            soak = Soak(c, seconds)
            setup = Client()
            for i in range(OBJECTS):
                name = f"o{i}"
                body = os.urandom(random.randrange(1, 64 << 10))
                status, _ = setup.request(
                    "PUT", f"{c.url}/v1/objects/s/{name}", body)
                self.assertEqual(status, 200)
                soak.history[name] = [hashlib.sha1(body).digest()]
            nodes = [c.proxy] + c.targets
            deadline = time.time() + seconds
            threads = [threading.Thread(target=soak.worker,
                                        args=(i, deadline))
                       for i in range(CLIENTS)]
            for t in threads:
                t.start()
            samples = []
            started = time.time()
            while any(t.is_alive() for t in threads):
                samples.append((round(time.time() - started, 1),
                                [n.memory_kib("VmRSS") for n in nodes]))
                served = sum(soak.counts.values())
                print(f"[soak] {samples[-1][0]:5.1f}s {served} requests, "
                      f"{soak.counts['429']} x 429, {len(soak.errors)} errors",
                      file=sys.stderr, flush=True)
                time.sleep(min(5.0, seconds / 10))
            for t in threads:
                t.join()
            peak = [n.memory_kib("VmHWM") for n in nodes]
            report = {"seconds": seconds, "clients": CLIENTS, **soak.counts,
                      "errors": len(soak.errors),
                      "peak_rss_kib": dict(zip(
                          ["proxy"] + [f"target{i}" for i in range(3)], peak)),
                      "rss_kib_over_time": samples}
            print("[soak] " + json.dumps(report), file=sys.stderr)
            self.assertEqual(soak.errors, [])
            self.assertGreater(soak.counts["getbatch"], 10)
            self.assertGreater(soak.counts["get"], 100)
            early = samples[max(1, len(samples) // 5)][1]
            late = samples[-1][1]
            for node, a, b in zip(["proxy", "t0", "t1", "t2"], early, late):
                self.assertLess(b - a, TOLERANCE_KIB,
                                f"{node} grew from {a} to {b} KiB")


if __name__ == "__main__":
    unittest.main()
