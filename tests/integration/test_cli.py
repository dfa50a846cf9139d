"""The client side: `moss put`, `moss ls`, `moss get-batch` and the C++
client example, against a real cluster."""

import os
import subprocess
import tarfile
import unittest
import zipfile

from harness import MOSS, Cluster

STREAM_BATCH = os.path.join(os.path.dirname(MOSS), "stream_batch")


def run(*args, timeout=120):
    return subprocess.run([MOSS, *args], capture_output=True, text=True,
                          timeout=timeout)


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        cls.cluster.start()
        cls.url = cls.cluster.url
        cls.src = os.path.join(cls.cluster.dir, "dataset")
        cls.files = {}
        for i in range(120):
            cls.files[f"train/{i:04d}.bin"] = os.urandom(100 + 37 * i)
        cls.files["labels/ö one two.txt"] = b"spaces and umlauts"
        cls.files["x" * 150] = b"a name PAX has to carry"
        for name, data in cls.files.items():
            path = os.path.join(cls.src, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        out = run("put", cls.src, "ais://ds", "--endpoint", cls.url,
                  "--workers", "6")
        if out.returncode != 0:
            cls.cluster.stop()  # tearDownClass does not run after a failure
            raise AssertionError(out.stderr)
        cls.put_output = out

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_put_uploads_the_tree_and_reports_progress(self):
        self.assertIn("created ais://ds", self.put_output.stderr)
        self.assertIn(f"{len(self.files)}/{len(self.files)} files",
                      self.put_output.stderr)
        self.assertIn(f"put {len(self.files)} files", self.put_output.stdout)
        for name in ["train/0007.bin", "labels/ö one two.txt"]:
            r = self.cluster.get("ds", name)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body, self.files[name])
        # Again into the existing bucket: no "created", same objects.
        again = run("put", self.src, "ais://ds", "--endpoint", self.url)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertNotIn("created", again.stderr)

    def test_ls_lists_names_and_sizes(self):
        out = run("ls", "ais://ds", "--endpoint", self.url)
        self.assertEqual(out.returncode, 0, out.stderr)
        names = [ln.split()[0] for ln in out.stdout.splitlines()[1:-1]]
        self.assertEqual(len(names), len(self.files))
        self.assertIn(f"{len(self.files)} objects", out.stdout)
        out = run("ls", "ais://ds", "--prefix", "labels/", "--endpoint",
                  self.url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("labels/ö one two.txt", out.stdout)
        self.assertIn("1 objects", out.stdout)

    def test_get_batch_writes_the_archive_in_list_order(self):
        order = ["labels/ö one two.txt"] + [f"train/{i:04d}.bin"
                                            for i in range(119, -1, -3)]
        order.append("x" * 150)
        listing = os.path.join(self.cluster.dir, "list.txt")
        with open(listing, "w") as f:
            f.write("\n".join(order) + "\n\n")
        out_tar = os.path.join(self.cluster.dir, "out.tar")
        out = run("get-batch", "ais://ds", "--list", listing, "-o", out_tar,
                  "--endpoint", self.url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, rf"{len(order)} entries, .* entries/s")
        self.assertIn(f"{len(order)}/{len(order)} entries", out.stderr)
        with tarfile.open(out_tar) as tar:
            got = [(m.name, tar.extractfile(m).read()) for m in tar]
        self.assertEqual(got, [(f"ds/{n}", self.files[n]) for n in order])

        out_zip = os.path.join(self.cluster.dir, "out.zip")
        out = run("get-batch", "ais://ds", "--list", listing, "-o", out_zip,
                  "--format", "zip", "--endpoint", self.url)
        self.assertEqual(out.returncode, 0, out.stderr)
        with zipfile.ZipFile(out_zip) as z:
            self.assertEqual(z.namelist(), [f"ds/{n}" for n in order])

    def test_get_batch_failures_leave_no_output(self):
        listing = os.path.join(self.cluster.dir, "bad.txt")
        with open(listing, "w") as f:
            f.write("train/0001.bin\nno/such/object\n")
        out_tar = os.path.join(self.cluster.dir, "bad.tar")
        out = run("get-batch", "ais://ds", "--list", listing, "-o", out_tar,
                  "--endpoint", self.url)
        self.assertEqual(out.returncode, 1)
        self.assertIn("ais://ds/no/such/object does not exist", out.stderr)
        self.assertFalse(os.path.exists(out_tar))
        self.assertFalse(os.path.exists(out_tar + ".part"))
        # With --coer the missing entry is an empty placeholder.
        out = run("get-batch", "ais://ds", "--list", listing, "-o", out_tar,
                  "--coer", "--endpoint", self.url)
        self.assertEqual(out.returncode, 0, out.stderr)
        with tarfile.open(out_tar) as tar:
            self.assertEqual(tar.getnames(), ["ds/train/0001.bin",
                                              "__404__/ds/no/such/object"])

    def test_bad_invocations_explain_themselves(self):
        cases = [
            (["ls", "s3://x/y", "--endpoint", self.url], 1, "ais://BUCKET"),
            (["ls", "ais://nope", "--endpoint", self.url], 1,
             "does not exist"),
            (["get-batch", "ais://ds", "-o", "x.tar"], 2, "usage"),
            (["get-batch", "ais://ds", "--list", "/no/such/list", "-o",
              "x.tar", "--endpoint", self.url], 1, "cannot read"),
            (["put", "/no/such/dir", "ais://ds", "--endpoint", self.url], 1,
             "not a directory"),
            (["put", self.src, "ais://ds", "--workers", "0"], 2, "--workers"),
            (["ls", "ais://ds", "--endpoint", "http://127.0.0.1:1"], 1,
             "cannot connect"),
        ]
        for args, code, message in cases:
            out = run(*args)
            self.assertEqual(out.returncode, code, (args, out.stderr))
            self.assertIn(message, out.stderr, args)

    def test_cpp_example_streams_samples_in_request_order(self):
        order = ["x" * 150, "train/0005.bin", "missing.bin",
                 "train/0100.bin"]
        out = subprocess.run([STREAM_BATCH, self.url, "ds", *order],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        expected = []
        for n in order:
            data = self.files.get(n, b"")
            name = f"ds/{n}" if n in self.files else f"__404__/ds/{n}"
            expected.append(f"{name} {len(data)} {data[:4].hex()}".rstrip())
        self.assertEqual([ln.rstrip() for ln in lines[:-1]], expected)
        total = sum(len(self.files.get(n, b"")) for n in order)
        self.assertEqual(lines[-1], f"4 samples, {total} bytes")
        bad = subprocess.run([STREAM_BATCH, self.url, "nope", "a"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("ais://nope does not exist", bad.stderr)


if __name__ == "__main__":
    unittest.main()
