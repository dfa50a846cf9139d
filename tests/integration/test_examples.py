"""Every example in examples/ runs against a real cluster."""

import os
import subprocess
import sys
import unittest

from harness import Cluster

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
sys.path.insert(0, os.path.join(EXAMPLES, "python"))
from batch_loader import GetBatchDataset  # noqa: E402
from lhotse_url import split_url  # noqa: E402


class ExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(targets=3)
        cls.cluster.start()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_batch_loader_yields_every_sample_in_order(self):
        self.assertEqual(self.cluster.create_bucket("ds").status, 200)
        samples = {f"img/{i:03d}.jpg": bytes([i]) * (i * 37) for i in range(50)}
        for n, d in samples.items():
            self.assertEqual(self.cluster.put("ds", n, d).status, 200)
        order = sorted(samples, reverse=True) + ["img/missing.jpg"]
        got = list(GetBatchDataset(self.cluster.url, "ds", order,
                                   batch_size=16))
        self.assertEqual([n for n, _ in got], order)
        for name, data in got[:-1]:
            self.assertEqual(data, samples[name])
        self.assertIsNone(got[-1][1])

    def test_lhotse_urls_split_into_object_and_archpath(self):
        self.assertEqual(split_url("ais://b/shards/a.tar.gz/audio/x.wav"),
                         {"bucket": "b", "objname": "shards/a.tar.gz",
                          "archpath": "audio/x.wav"})
        self.assertEqual(split_url("ais://b/s.zip/deep/dir/y.flac"),
                         {"bucket": "b", "objname": "s.zip",
                          "archpath": "deep/dir/y.flac"})
        self.assertEqual(split_url("ais://b/plain/file.wav"),
                         {"bucket": "b", "objname": "plain/file.wav"})
        with self.assertRaises(ValueError):
            split_url("s3://b/x")

    def test_moss_show_cluster(self):
        from harness import MOSS
        p = subprocess.run([MOSS, "show", "cluster", self.cluster.url],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        for tid in self.cluster.smap()["tmap"]:
            self.assertRegex(p.stdout, rf"target\s+{tid}\s+http://127\.0\.0\.1:\d+\s+0")
        self.assertIn("proxy", p.stdout)
        bad = subprocess.run([MOSS, "show", "cluster", "http://127.0.0.1:1"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("cannot connect", bad.stderr)

    def test_curl_walkthrough(self):
        script = os.path.join(EXAMPLES, "curl", "walkthrough.sh")
        p = subprocess.run(["bash", script], capture_output=True, text=True,
                           env=dict(os.environ, E=self.cluster.url),
                           timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("walkthrough: ok", p.stdout)


if __name__ == "__main__":
    unittest.main()
