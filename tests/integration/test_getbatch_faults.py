"""GetBatch under faults: a target killed mid-stream, a client that goes
away, and the DT's memory while a large batch streams."""

import http.client
import json
import random
import tarfile
import io
import time
import unittest
import urllib.parse

from harness import Cluster, owner_of, request


def vm_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def open_stream(url, body):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.request("GET", parts.path, body=json.dumps(body))
    return conn, conn.getresponse()


class FaultsTest(unittest.TestCase):
    def setUp(self):
        self.cluster = Cluster(targets=3, overrides=[
            "get_batch.window_bytes=4194304", "get_batch.chunk_bytes=262144",
            "get_batch.max_soft_errs=100000", "get_batch.max_wait=3s"])
        self.cluster.start()
        self.assertEqual(self.cluster.create_bucket("b").status, 200)
        rng = random.Random(3)
        self.objs = {f"o{i:03d}": rng.randbytes(256 * 1024) for i in range(90)}
        for n, d in self.objs.items():
            self.assertEqual(self.cluster.put("b", n, d).status, 200)
        self.smap = self.cluster.smap()
        self.ids = [self.cluster.target_id(i) for i in range(3)]

    def tearDown(self):
        self.cluster.stop()

    def dt_url(self, index):
        return self.smap["tmap"][self.ids[index]]["public_net"]["direct_url"]

    def batch(self, repeat, coer):
        names = sorted(self.objs) * repeat
        random.Random(1).shuffle(names)
        return names, {"in": [{"objname": n} for n in names], "strm": True,
                       "coer": coer}

    def read_slowly_and_kill(self, body, victim):
        conn, resp = open_stream(self.dt_url(0) + "/v1/ml/moss/b", body)
        self.assertEqual(resp.status, 200)
        data, killed, error = bytearray(), False, None
        try:
            while True:
                chunk = resp.read(64 * 1024)
                if not chunk:
                    break
                data += chunk
                if not killed and len(data) > 4 << 20:
                    self.cluster.targets[victim].kill()
                    killed = True
                time.sleep(0.002)
        except (http.client.IncompleteRead, ConnectionError) as e:
            error = e
        finally:
            conn.close()
        self.assertTrue(killed, "the batch ended before the kill")
        return bytes(data), error

    def assert_complete_or_failed(self, names, data, error, dead_id):
        if error is not None:
            return "error"
        # A clean end must be a complete archive: every entry in place.
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            members = [(m.name, tf.extractfile(m).read()) for m in tf]
        self.assertEqual(len(members), len(names))
        for (name, body), n in zip(members, names):
            if name.startswith("__404__/"):
                self.assertEqual(name, f"__404__/b/{n}")
                self.assertEqual(owner_of(self.smap, "b", n), dead_id)
            else:
                self.assertEqual((name, body), (f"b/{n}", self.objs[n]))
        return "complete"

    def test_killed_target_mid_stream_is_never_a_silent_short_archive(self):
        for coer in (False, True):
            with self.subTest(coer=coer):
                names, body = self.batch(repeat=12, coer=coer)
                data, error = self.read_slowly_and_kill(body, victim=1)
                outcome = self.assert_complete_or_failed(names, data, error,
                                                         self.ids[1])
                if not coer:
                    self.assertEqual(outcome, "error")
                self.cluster.targets[1].start()
                self.cluster.wait_for_targets(3)
                time.sleep(0.5)
                # The restarted target serves its objects again.
                for n in sorted(self.objs)[:30]:
                    r = self.cluster.get("b", n)
                    self.assertEqual(r.body, self.objs[n])
        # The DT freed every work item.
        self.wait_for_no_work_items(0)

    def wait_for_no_work_items(self, index, timeout=3.0):
        deadline = time.time() + timeout
        active = None
        while time.time() < deadline:
            active = request("GET", self.dt_url(index)
                             + "/v1/daemon?what=getbatch").json()[
                                 "active_work_items"]
            if active == 0:
                return
            time.sleep(0.05)
        self.fail(f"{active} work item(s) still alive after {timeout}s")

    def test_a_client_that_disconnects_frees_its_work_item(self):
        _, body = self.batch(repeat=20, coer=False)
        conn, resp = open_stream(self.dt_url(0) + "/v1/ml/moss/b", body)
        self.assertEqual(resp.status, 200)
        resp.read(1 << 20)
        active = request("GET", self.dt_url(0)
                         + "/v1/daemon?what=getbatch").json()
        self.assertEqual(active["active_work_items"], 1)
        started = time.time()
        conn.sock.close()
        conn.close()
        self.wait_for_no_work_items(0, timeout=1.5)
        self.assertLess(time.time() - started, 1.5)
        # Holders whose spans were being pulled saw the hang-up too.
        for node in self.cluster.targets:
            self.assertTrue(node.running(), f"{node.name} died")
        # Memory back: nothing of the batch is held ahead of a cursor.
        metrics = request("GET", self.dt_url(0) + "/metrics").body.decode()
        window = next(x for x in metrics.splitlines()
                      if x.startswith("moss_getbatch_window_bytes{"))
        self.assertEqual(float(window.rsplit(" ", 1)[1]), 0, window)
        # The node still serves batches afterwards.
        names, small = self.batch(repeat=1, coer=False)
        r = request("GET", self.dt_url(0) + "/v1/ml/moss/b", json.dumps(small))
        self.assertEqual(r.status, 200, r.body[:500])
        with tarfile.open(fileobj=io.BytesIO(r.body)) as tf:
            self.assertEqual(len(tf.getmembers()), len(names))

    def test_dt_memory_stays_bounded_while_gigabytes_stream(self):
        pid = self.cluster.targets[0].proc.pid
        names, warm = self.batch(repeat=1, coer=False)
        request("GET", self.dt_url(0) + "/v1/ml/moss/b", json.dumps(warm))
        base = vm_kb(pid, "VmRSS")
        _, body = self.batch(repeat=90, coer=False)  # 8100 x 256 KiB ~ 2 GiB
        conn, resp = open_stream(self.dt_url(0) + "/v1/ml/moss/b", body)
        total, peak = 0, base
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total % (64 << 20) < (1 << 20):
                peak = max(peak, vm_kb(pid, "VmRSS"))
        conn.close()
        self.assertGreater(total, 2_000_000_000)
        growth_mb = (peak - base) / 1024
        # window 4 MiB + serializer and socket buffers; far below 2 GiB.
        self.assertLess(growth_mb, 96, f"DT RSS grew by {growth_mb:.0f} MiB")


if __name__ == "__main__":
    unittest.main()
