"""Faults a storage node must survive: a full disk, a client that stops
reading, a client that hangs up mid-file, and a crash in the middle of many
concurrent PUTs."""

import concurrent.futures as cf
import http.client
import json
import os
import signal
import socket
import struct
import threading
import subprocess
import time
import unittest
import urllib.parse

from harness import Cluster, get_batch, owner_of, quote, request


def can_mount_tmpfs():
    if os.geteuid() != 0:
        return False
    probe = f"/tmp/moss-tmpfs-probe-{os.getpid()}"
    os.makedirs(probe, exist_ok=True)
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                         probe], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["umount", probe], capture_output=True)
    os.rmdir(probe)
    return ok


def temp_files(root):
    return [os.path.join(d, f) for d, _, files in os.walk(root)
            if os.path.join(".moss", "tmp") in d for f in files]


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


class DiskFullTest(unittest.TestCase):
    @unittest.skipUnless(can_mount_tmpfs(), "needs root to mount a tmpfs")
    def test_a_full_disk_gives_507_and_keeps_what_is_stored(self):
        c = Cluster(targets=1)
        mountpath = f"{c.dir}/target-0/mp1"
        os.makedirs(mountpath)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs",
                        mountpath], check=True)
        try:
            c.start()
            self.assertEqual(c.create_bucket("b").status, 200)
            stored = {}
            statuses = []
            for i in range(10):  # 10 MiB into 4: the disk fills up
                data = os.urandom(1 << 20)
                r = c.put("b", f"o{i}", data)
                statuses.append(r.status)
                if r.status == 200:
                    stored[f"o{i}"] = data
                else:
                    break
            self.assertEqual(statuses[-1], 507, statuses)
            err = json.loads(r.body)
            self.assertEqual(err["status"], 507)
            self.assertIn("ais://b/o", err["message"])
            self.assertRegex(err["message"].lower(), "space|full")
            self.assertGreater(len(stored), 0)
            # Nothing stored is damaged, nothing half-written is visible.
            for name, data in stored.items():
                self.assertEqual(c.get("b", name).body, data)
            self.assertEqual(c.get("b", f"o{len(stored)}").status, 404)
            self.assertEqual(temp_files(mountpath), [])
            # GetBatch of what is there still works; buffered mode, which
            # spools to that same disk, fails cleanly or succeeds.
            names = sorted(stored)
            r = get_batch(c.url, {"in": [{"objname": n} for n in names],
                                  "strm": True}, bucket="b")
            self.assertEqual(r.status, 200)
            r = get_batch(c.url, {"in": [{"objname": n} for n in names],
                                  "strm": False}, bucket="b")
            self.assertIn(r.status, (200, 507))
            # Deleting makes room again.
            self.assertEqual(request("DELETE",
                                     f"{c.url}/v1/objects/b/{names[0]}")
                             .status, 200)
            self.assertEqual(c.put("b", "again", b"x" * 1000).status, 200)
        finally:
            c.stop(remove=False)
            subprocess.run(["umount", mountpath], capture_output=True)
            c.stop()


class StalledClientTest(unittest.TestCase):
    def stall(self, c, dt_url, names):
        """Asks `dt_url` for `names` (256 KiB each), reads 1,000 bytes, then
        nothing: the node must cut the client off after its write timeout
        and free the batch."""
        body = json.dumps({"in": [{"objname": n} for n in names],
                           "strm": True}).encode()
        dt = urllib.parse.urlsplit(dt_url)
        conn = http.client.HTTPConnection(dt.hostname, dt.port, timeout=30)
        conn.request("GET", "/v1/ml/moss/b", body=body)
        resp = conn.getresponse()
        if resp.status != 200:
            self.fail(f"{resp.status}: {resp.read()[:500]!r}; logs in {c.dir}")
        resp.read(1000)  # then nothing more

        def active():
            return request("GET", f"http://{dt.hostname}:{dt.port}"
                           "/v1/daemon?what=getbatch").json()[
                               "active_work_items"]

        self.assertEqual(active(), 1)
        started = time.time()
        self.assertTrue(wait_for(lambda: active() == 0, 20),
                        "the stalled batch was not freed")
        self.assertGreater(time.time() - started, 1.0,
                           "not before the write timeout")
        # The client sees a cut transfer, not a complete archive.
        with self.assertRaises((http.client.IncompleteRead, OSError,
                                http.client.HTTPException)):
            resp.read()
        conn.close()
        # The node serves on.
        r = get_batch(c.url, {"in": [{"objname": names[0]}], "strm": True},
                      bucket="b")
        self.assertEqual(r.status, 200)

    def cluster(self, window_bytes=1 << 20):
        c = Cluster(overrides=["http.write_timeout=2s",
                               f"get_batch.window_bytes={window_bytes}"])
        c.start()
        self.addCleanup(c.stop)
        self.assertEqual(c.create_bucket("b").status, 200)
        for i in range(64):
            self.assertEqual(c.put("b", f"o{i}", os.urandom(256 << 10))
                             .status, 200)
        return c

    def test_a_client_that_stops_reading_is_cut_off_and_its_work_freed(self):
        c = self.cluster()
        names = [f"o{i}" for i in range(64)] * 4  # 64 MiB of archive
        r = get_batch(c.url, {"in": [{"objname": n} for n in names],
                              "strm": True}, bucket="b", follow=False)
        self.stall(c, r.header("Location"), names)

    def test_the_write_timeout_holds_while_entries_come_from_peers(self):
        # Every entry lives on another target, so the designated target is
        # copying a peer span (socket to client socket) when the client's
        # buffers fill: its write timeout must hold there too, not the
        # (longer) read timeout for the peer. A window far larger than the
        # socket buffers keeps every entry whole (a span) when they fill.
        c = self.cluster(window_bytes=32 << 20)
        smap = c.smap()
        dt_id = c.target_id(0)
        remote = [f"o{i}" for i in range(64)
                  if owner_of(smap, "b", f"o{i}") != dt_id]
        self.assertGreater(len(remote), 16)
        names = remote * (256 // len(remote) + 1)
        self.stall(c, c.target_urls()[dt_id], names)


class HangUpTest(unittest.TestCase):
    """Clients that hang up while a node sends a file (sendfile, splice, or
    copies through a buffer)."""

    def hang_up(self, url, body=None):
        parts = urllib.parse.urlsplit(url)
        sock = socket.create_connection((parts.hostname, parts.port), 10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        data = json.dumps(body).encode() if body else b""
        path = parts.path + ("?" + parts.query if parts.query else "")
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                     f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        self.assertIn(b" 200 ", sock.recv(4096))
        # Unread data makes close() a reset: the node's next send fails.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        sock.close()

    def test_a_client_hanging_up_mid_file_never_takes_a_node_down(self):
        for mode in ("always", "auto"):
            with self.subTest(zero_copy=mode):
                self.hang_ups(mode)

    def hang_ups(self, zero_copy):
        with Cluster(overrides=[f"http.zero_copy={zero_copy}"]) as c:
            self.assertEqual(c.create_bucket("b").status, 200)
            data = {f"o{i}": os.urandom(8 << 20) for i in range(6)}
            for n, d in data.items():
                self.assertEqual(c.put("b", n, d).status, 200)
            urls = list(c.target_urls().values())
            names = sorted(data) * 4
            for _ in range(3):
                for n in data:  # a plain GET: the body is a file
                    r = request("GET", f"{c.url}/v1/objects/b/{quote(n)}",
                                follow=False)
                    self.hang_up(r.header("Location"))
                for url in urls:  # a batch: local spans and peer spans
                    self.hang_up(url + "/v1/ml/moss/b",
                                 {"in": [{"objname": n} for n in names],
                                  "strm": True})
            time.sleep(0.5)
            for node in [c.proxy] + c.targets:
                self.assertTrue(node.running(), f"{node.name} died; logs in "
                                f"{c.dir}")
            for n, d in data.items():
                self.assertEqual(c.get("b", n).body, d)


def version(v, size):
    """Version v of an object: its size and every byte tell which it is."""
    return bytes([v % 251]) * (size + v % 97)


def is_whole_version(got, size):
    """Uniform bytes, and the length of a version with that byte."""
    if not got or got.count(got[0]) != len(got):
        return False
    return any((got[0] + 251 * k) % 97 == len(got) - size for k in range(97))


class OverwriteDuringBatchTest(unittest.TestCase):
    def run_race(self, size, copies, seconds=4):
        with Cluster(targets=1) as c:
            self.assertEqual(c.create_bucket("r").status, 200)
            self.assertEqual(c.put("r", "x", version(0, size)).status, 200)
            stop = time.time() + seconds
            outcomes = {"ok": 0, "error": 0}
            wrong = []

            def writer():
                v = 1
                while time.time() < stop:
                    c.put("r", "x", version(v, size))
                    v += 1

            def reader():
                body = json.dumps({"in": [{"objname": "x"}] * copies,
                                   "strm": True}).encode()
                while time.time() < stop:
                    r = get_batch(c.url, json.loads(body), bucket="r",
                                  follow=False)
                    dt = urllib.parse.urlsplit(r.header("Location"))
                    conn = http.client.HTTPConnection(dt.hostname, dt.port,
                                                      timeout=30)
                    try:
                        conn.request("GET", dt.path, body=body)
                        resp = conn.getresponse()
                        data = resp.read()
                        if resp.status != 200:
                            outcomes["error"] += 1
                            continue
                    except (http.client.HTTPException, OSError):
                        outcomes["error"] += 1  # a cut transfer: visible
                        continue
                    finally:
                        conn.close()
                    outcomes["ok"] += 1
                    for _, got in __import__("harness").tar_members(data):
                        if not is_whole_version(got, size):
                            wrong.append(len(got))

            threads = [threading.Thread(target=writer)] + [
                threading.Thread(target=reader) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(wrong, [], "an entry mixed two versions")
            self.assertGreater(outcomes["ok"], 0)
            return outcomes

    def test_small_objects_read_whole_while_overwritten(self):
        outcomes = self.run_race(40 << 10, 40)
        self.assertEqual(outcomes["error"], 0, outcomes)

    def test_large_objects_are_whole_or_the_batch_fails_visibly(self):
        # 2 MiB objects span several reads: an overwrite in between either
        # restarts the entry (nothing of it sent yet) or fails the batch.
        self.run_race(2 << 20, 4)


class CrashDuringPutsTest(unittest.TestCase):
    def test_sigkill_during_concurrent_puts_loses_nothing_acknowledged(self):
        with Cluster(targets=1) as c:
            self.assertEqual(c.create_bucket("b").status, 200)
            target_url = next(iter(c.target_urls().values()))
            parts = urllib.parse.urlsplit(target_url)
            payloads = {f"p{i:03d}": os.urandom(1 << 20) for i in range(100)}

            def put(name):
                try:
                    conn = http.client.HTTPConnection(parts.hostname,
                                                      parts.port, timeout=10)
                    conn.request("PUT", f"/v1/objects/b/{quote(name)}",
                                 body=payloads[name])
                    status = conn.getresponse().status
                    conn.close()
                    return name, status
                except OSError:
                    return name, None

            results = []
            with cf.ThreadPoolExecutor(32) as ex:
                futures = [ex.submit(put, n) for n in payloads]
                for f in cf.as_completed(futures):
                    results.append(f.result())
                    # Mid-stream: some acknowledged, many in flight.
                    if sum(s == 200 for _, s in results) == 20:
                        c.targets[0].kill(signal.SIGKILL)
            acked = [n for n, s in results if s == 200]
            self.assertLess(len(acked), 100, "the crash came too late")
            c.targets[0].start()
            c.wait_for_targets(1)
            for name in acked:
                r = c.get("b", name)
                self.assertEqual((r.status, r.body), (200, payloads[name]),
                                 name)
            for name, status in results:
                if status != 200:
                    r = c.get("b", name)
                    # Either it never landed, or it landed whole.
                    self.assertIn(r.status, (200, 404), name)
                    if r.status == 200:
                        self.assertEqual(r.body, payloads[name], name)
            self.assertEqual(temp_files(f"{c.dir}/target-0"), [],
                             "start-up removed every leftover")
            print(f"\n{len(acked)} of 100 PUTs acknowledged before SIGKILL",
                  file=__import__("sys").stderr)


if __name__ == "__main__":
    unittest.main()
