"""Admission control: a flooded designated target answers 429 with
Retry-After before doing any work, and recovers."""

import http.client
import json
import time
import unittest
import urllib.parse

from harness import Cluster, get_batch, request


class AdmissionTest(unittest.TestCase):
    def test_flood_gets_429_with_retry_after_then_recovers(self):
        with Cluster(targets=3, overrides=[
                "get_batch.pending_high_wm=2",
                "get_batch.pending_critical_wm=4"]) as cluster:
            self.assertEqual(cluster.create_bucket("b").status, 200)
            for i in range(40):
                self.assertEqual(cluster.put("b", f"o{i}", b"z" * (1 << 20))
                                 .status, 200)
            dt = cluster.smap()["tmap"][cluster.target_id(0)]["public_net"][
                "direct_url"]
            body = json.dumps({"strm": True, "in": [
                {"objname": f"o{i % 40}"} for i in range(400)]}).encode()
            # Streams that stay open (their clients do not read).
            held = []
            parts = urllib.parse.urlsplit(dt)
            for _ in range(4):
                conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                                  timeout=30)
                conn.request("GET", "/v1/ml/moss/b", body=body)
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                held.append(conn)
            started = time.time()
            r = get_batch(dt, {"in": [{"objname": "o1"}]}, bucket="b",
                          follow=False)
            self.assertEqual(r.status, 429)
            self.assertEqual(r.header("Retry-After"), "1")
            self.assertIn("overloaded", r.json()["message"])
            self.assertLess(time.time() - started, 1.0, "refused before work")
            # 400 MiB asked for by each held stream, yet the DT holds at most
            # its windows (4 x 64 MiB) plus its baseline.
            self.assertLess(cluster.targets[0].memory_kib(), 512 * 1024)
            metrics = request("GET", dt + "/metrics").body.decode()
            self.assertRegex(metrics, r"moss_getbatch_rejected_total\{[^}]*\} 1")
            for conn in held:
                conn.close()
            deadline = time.time() + 5
            while time.time() < deadline:
                r = get_batch(dt, {"in": [{"objname": "o1"}], "strm": True},
                              bucket="b", follow=False)
                if r.status == 200:
                    break
                time.sleep(0.1)
            self.assertEqual(r.status, 200)
            self.assertTrue(all(n.running() for n in cluster.targets))


if __name__ == "__main__":
    unittest.main()
