"""The operator's view: the console JSON API and page, `moss show job`, and
cluster-wide runtime settings (`moss config set`)."""

import http.client
import json
import os
import shutil
import subprocess
import tarfile
import io
import time
import unittest
import urllib.parse

from harness import MOSS, Cluster, get_batch, request, split_multipart

OBJECTS = 200
SIZE = 64 << 10


def console(cluster):
    r = request("GET", cluster.url + "/v1/console/cluster")
    assert r.status == 200, r.body
    return r.json()


def all_jobs(report, kind):
    return [(t["id"], j) for t in report["targets"] if t["reachable"]
            for j in t["node"][kind]]


class HeldBatch:
    """A streaming batch whose client reads the headers and then stops, so
    its work item stays alive, stalled on its window."""

    def __init__(self, cluster, names):
        r = get_batch(cluster.url, {"in": [{"objname": n} for n in names],
                                    "strm": True}, bucket="b", follow=False)
        assert r.status == 307, r.status
        parts = urllib.parse.urlsplit(r.header("Location"))
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                               timeout=60)
        self.conn.request("GET", parts.path, body=json.dumps(
            {"in": [{"objname": n} for n in names], "strm": True}).encode())
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200

    def finish(self):
        data = self.resp.read()
        self.conn.close()
        return data


def wait_for(predicate, what, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class ConsoleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(overrides=["get_batch.window_bytes=1048576"])
        cls.cluster.start()
        c = cls.cluster
        assert c.create_bucket("b").status == 200
        cls.data = {}
        for i in range(OBJECTS):
            cls.data[f"o{i}"] = os.urandom(SIZE)
            assert c.put("b", f"o{i}", cls.data[f"o{i}"]).status == 200

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def running_job(self):
        """Starts a held batch and waits until the console shows it stalled
        part-way; returns (batch, target id, job)."""
        names = [f"o{i}" for i in range(OBJECTS)]
        held = HeldBatch(self.cluster, names)

        def stalled():
            # Part-way, and the connection has sent what it could: the
            # client stopped reading, not the server writing.
            for tid, j in all_jobs(console(self.cluster), "active"):
                if j["entries"] == OBJECTS and 0 < j["cursor"] < OBJECTS \
                        and j["archive_bytes"] > 0:
                    return tid, j
            return None

        tid, job = wait_for(stalled, "a stalled work item")
        return held, tid, job, names

    def test_a_running_work_item_shows_as_a_tree_then_as_finished(self):
        held, dt, job, names = self.running_job()
        self.assertEqual(job["state"], "running")
        self.assertTrue(job["streaming"])
        self.assertEqual(job["format"], ".tar")
        self.assertEqual(len(job["fetches"]), 3, "one fetch branch per owner")
        self.assertEqual(sum(f["entries"] for f in job["fetches"]), OBJECTS)
        self.assertLessEqual(sum(f["delivered"] for f in job["fetches"]),
                             OBJECTS)
        self.assertGreaterEqual(job["payload_bytes"], job["cursor"] * SIZE)
        self.assertGreater(job["archive_bytes"], 0)
        # The reassembly buffer stays near its window (1 MiB + one chunk).
        self.assertLessEqual(job["window_bytes"], 3 << 20)
        report = console(self.cluster)
        node = next(t["node"] for t in report["targets"] if t["id"] == dt)
        self.assertEqual(node["load"]["pending"], 1)
        self.assertIn(node["load"]["level"], ("ok", "high"))

        data = held.finish()
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            got = [(m.name, tar.extractfile(m).read()) for m in tar]
        self.assertEqual(got, [(f"b/{n}", self.data[n]) for n in names])

        def finished():
            for tid, j in all_jobs(console(self.cluster), "recent"):
                if j["uuid"] == job["uuid"]:
                    return j
            return None

        done = wait_for(finished, "the finished work item")
        self.assertEqual(done["state"], "done")
        self.assertEqual(done["cursor"], OBJECTS)
        self.assertEqual(done["payload_bytes"], OBJECTS * SIZE)
        self.assertEqual(done["archive_bytes"], len(data))
        self.assertNotIn(job["uuid"], [j["uuid"] for _, j in
                                       all_jobs(console(self.cluster),
                                                "active")])

    def test_a_failed_work_item_keeps_its_error(self):
        r = get_batch(self.cluster.url, {"in": [{"objname": "o1"},
                                                {"objname": "no-such"}],
                                         "strm": False}, bucket="b")
        self.assertEqual(r.status, 404)
        failed = [j for _, j in all_jobs(console(self.cluster), "recent")
                  if j["state"] == "failed"]
        self.assertTrue(any("ais://b/no-such does not exist" in j["error"]
                            for j in failed), failed)

    def test_show_job_prints_the_same_as_text(self):
        held, dt, job, _ = self.running_job()
        out = subprocess.run([MOSS, "show", "job", self.cluster.url,
                              "--refresh", "0.2", "--count", "2"],
                             capture_output=True, text=True, timeout=30)
        held.finish()
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.count("GetBatch work items"), 2)
        line = next(ln for ln in out.stdout.splitlines()
                    if ln.startswith(job["uuid"]))
        self.assertIn(dt, line)
        self.assertRegex(line, r"running\s+\d+/200")
        self.assertEqual(out.stdout.count("├─ fetch from"), 6)
        self.assertIn("└─ serializer .tar streaming", out.stdout)
        bad = subprocess.run([MOSS, "show", "job", "http://127.0.0.1:1"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("127.0.0.1:1", bad.stderr)

    def test_the_page_is_self_contained(self):
        r = request("GET", self.cluster.url + "/console")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        page = r.body.decode()
        self.assertIn("/v1/console/cluster", page)
        self.assertNotRegex(page, r"(src|href)=\"?(https?:)?//",
                            "no external assets: it works offline")


class RuntimeSettingsTest(unittest.TestCase):
    def test_settings_apply_cluster_wide_to_new_work_items(self):
        with Cluster() as c:
            self.assertEqual(c.create_bucket("b").status, 200)
            self.assertEqual(c.put("b", "x", b"x").status, 200)
            body = {"in": [{"objname": "x"}, {"objname": "gone1"},
                           {"objname": "gone2"}], "coer": True}
            r = get_batch(c.url, body, bucket="b")
            self.assertEqual(r.status, 200, "8 missing entries are tolerated")

            out = subprocess.run(
                [MOSS, "config", "set", "get_batch.max_soft_errs=1",
                 "get_batch.max_gfn=1", c.url],
                capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("get_batch.max_soft_errs=1", out.stdout)
            self.assertRegex(out.stdout, r"max_soft_errs\s+1\n")

            # Every designated target uses it: try each one directly.
            for url in c.target_urls().values():
                r = get_batch(url, body, bucket="b", follow=False)
                self.assertEqual(r.status, 404, url)
                self.assertIn("more than get_batch.max_soft_errs (1)",
                              r.json()["message"])

            cfg = request("GET", c.url + "/v1/cluster/config").json()
            self.assertEqual(cfg["settings"], ["get_batch.max_gfn=1",
                                               "get_batch.max_soft_errs=1"])
            self.assertEqual(cfg["get_batch"]["max_soft_errs"], 1)

            # Refused, with the reason, and nothing changes.
            for query, why in [
                    ("cluster.targets=5", "cannot change while the cluster"),
                    ("get_batch.load_interval=1s", "cannot change"),
                    ("get_batch.max_soft_errs=abc", "must be an integer"),
                    ("get_batch.max_wait=soon", "invalid duration"),
                    ("get_batch.max_gfn=7", "must not exceed"),
                    ("get_batch.nope=1", "unknown key"),
                    ("", "nothing to set")]:
                r = request("PUT", c.url + "/v1/cluster/config?" + query)
                self.assertEqual(r.status, 400, query)
                self.assertIn(why, r.json()["message"], query)
            self.assertEqual(request("DELETE", c.url + "/v1/cluster/config")
                             .status, 405)
            self.assertEqual(
                request("GET", c.url + "/v1/cluster/config").json()["settings"],
                cfg["settings"])

            # The settings survive a proxy restart; targets get them back.
            c.proxy.kill()
            c.proxy.start()
            c.wait_for_targets(3)
            cfg = request("GET", c.url + "/v1/cluster/config").json()
            self.assertEqual(cfg["settings"], ["get_batch.max_gfn=1",
                                               "get_batch.max_soft_errs=1"])
            out = subprocess.run([MOSS, "config", "set",
                                  "get_batch.max_soft_errs=9", c.url],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            r = get_batch(c.url, body, bucket="b")
            self.assertEqual(r.status, 200)
            bad = subprocess.run([MOSS, "config", "set", "cluster.targets=1",
                                  c.url], capture_output=True, text=True,
                                 timeout=30)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("cluster.targets", bad.stderr)


@unittest.skipUnless(shutil.which("chromium"),
                     "chromium is not installed (scripts/deps installs it)")
class BrowserTest(unittest.TestCase):
    def test_the_page_shows_a_running_work_item_in_a_real_browser(self):
        with Cluster(overrides=["get_batch.window_bytes=1048576"]) as c:
            self.assertEqual(c.create_bucket("b").status, 200)
            for i in range(OBJECTS):
                self.assertEqual(c.put("b", f"o{i}", os.urandom(SIZE)).status,
                                 200)
            held = HeldBatch(c, [f"o{i}" for i in range(OBJECTS)])
            job = wait_for(lambda: next(
                (j for _, j in all_jobs(console(c), "active")
                 if 0 < j["cursor"] < OBJECTS), None), "a stalled work item")
            profile = os.path.join(c.dir, "chromium-profile")
            out = subprocess.run(
                ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                 "--user-data-dir=" + profile, "--virtual-time-budget=5000",
                 "--dump-dom", c.url + "/console"],
                capture_output=True, text=True, timeout=120)
            held.finish()
            dom = out.stdout
            self.assertIn('data-uuid="' + job["uuid"] + '"', dom,
                          out.stderr[-2000:])
            # What the page rendered (the script's own text aside).
            self.assertRegex(dom, r'class="progress">entries \d+/200<')
            for tid in c.target_urls():
                self.assertIn(f'data-target="{tid}"', dom)
                self.assertRegex(dom, f"fetch from {tid}: \\d+/\\d+ entries")
            self.assertRegex(dom, r'<span id="status" class="muted">updated')


if __name__ == "__main__":
    unittest.main()
