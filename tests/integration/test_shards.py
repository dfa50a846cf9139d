"""Files inside shards (archpath) in GetBatch: every shard format in, every
archive format out, one pass per shard."""

import io
import random
import subprocess
import tarfile
import unittest
import zipfile

from harness import (Cluster, get_batch, request, split_multipart,
                     tar_members)


def make_tar(files, mode="w"):
    buf = io.BytesIO()
    kwargs = {"compresslevel": 1} if mode == "w:gz" else {}
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT,
                      **kwargs) as tf:
        tf.addfile(tarfile.TarInfo("subdir"), None)  # a directory-like entry
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_zip(files, method):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


class ShardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(targets=3,
                              overrides=["shards.max_member_bytes=60000"])
        cls.cluster.start()
        assert cls.cluster.create_bucket("b").status == 200
        rng = random.Random(9)
        cls.files = {f"audio/{i:02d} ü.wav": rng.randbytes(rng.randint(0, 9000))
                     for i in range(12)}
        cls.files["deep/" + "n" * 150 + ".txt"] = b"long name"
        tar = make_tar(cls.files)
        lz4 = subprocess.run(["lz4", "-c"], input=tar, capture_output=True,
                             check=True).stdout
        cls.shards = {
            "s.tar": tar,
            "s.tgz": make_tar(cls.files, "w:gz"),
            "s.tar.gz": make_tar(cls.files, "w:gz"),
            "s.tar.lz4": lz4,
            "s.zip": make_zip(cls.files, zipfile.ZIP_DEFLATED),
            "stored.zip": make_zip(cls.files, zipfile.ZIP_STORED),
            "no-suffix": make_tar(cls.files, "w:gz"),  # found by its magic
        }
        for name, data in cls.shards.items():
            assert cls.cluster.put("b", name, data).status == 200
        cls.plain = {f"plain/{i}": rng.randbytes(100 * i) for i in range(5)}
        for name, data in cls.plain.items():
            assert cls.cluster.put("b", name, data).status == 200
        assert cls.cluster.put("b", "notes.txt", b"not a shard").status == 200

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def mixed_batch(self):
        rng = random.Random(4)
        entries, expected = [], []
        names = list(self.files)
        for i in range(60):
            if i % 5 == 0:
                obj = f"plain/{i % 5 + (i // 5) % 5}"
                obj = list(self.plain)[(i // 5) % 5]
                entries.append({"objname": obj})
                expected.append((f"b/{obj}", self.plain[obj]))
            else:
                shard = list(self.shards)[i % len(self.shards)]
                path = rng.choice(names)
                archpath = ("/" + path) if i % 7 == 0 else path
                entries.append({"objname": shard, "archpath": archpath})
                expected.append((f"b/{shard}/{path}", self.files[path]))
        return entries, expected

    def test_every_shard_format_into_every_output_format(self):
        entries, expected = self.mixed_batch()
        readers = {
            "tar": lambda b: tar_members(b),
            "tgz": lambda b: tar_members(b, "r:gz"),
            "tar.lz4": lambda b: tar_members(subprocess.run(
                ["lz4", "-dc"], input=b, capture_output=True,
                check=True).stdout),
            "zip": lambda b: [(i.filename, zipfile.ZipFile(io.BytesIO(b))
                               .read(i)) for i in
                              zipfile.ZipFile(io.BytesIO(b)).infolist()],
        }
        for mime, read in readers.items():
            for strm in (True, False):
                with self.subTest(mime=mime, strm=strm):
                    r = get_batch(self.cluster.url, {"in": entries,
                                                     "mime": mime,
                                                     "strm": strm},
                                  bucket="b")
                    self.assertEqual(r.status, 200, r.body[:300])
                    body = r.body if strm else split_multipart(r)[1]
                    self.assertEqual(read(body), expected)
                    if not strm:
                        meta = split_multipart(r)[0]
                        for out, e in zip(meta["out"], entries):
                            self.assertEqual(out["objname"], e["objname"])
                            self.assertEqual(out.get("archpath"),
                                             e.get("archpath"))

    def test_missing_archpath(self):
        body = {"in": [{"objname": "s.tar", "archpath": "nope.wav"},
                       {"objname": "s.zip", "archpath": "audio/01 ü.wav"}]}
        r = get_batch(self.cluster.url, dict(body, coer=True, strm=True),
                      bucket="b")
        self.assertEqual(r.status, 200)
        self.assertEqual(tar_members(r.body),
                         [("__404__/b/s.tar/nope.wav", b""),
                          ("b/s.zip/audio/01 ü.wav",
                           self.files["audio/01 ü.wav"])])
        for strm in (True, False):
            r = get_batch(self.cluster.url, dict(body, strm=strm), bucket="b")
            self.assertEqual(r.status, 404)
            self.assertIn("nope.wav in ais://b/s.tar does not exist",
                          r.json()["message"])

    def test_ranges_apply_to_the_extracted_file(self):
        path = next(p for p, d in self.files.items() if len(d) > 100)
        data = self.files[path]
        r = get_batch(self.cluster.url, {"strm": True, "in": [
            {"objname": "s.tgz", "archpath": path, "start": 10, "length": 20},
            {"objname": "s.zip", "archpath": path, "start": 50,
             "length": -1}]}, bucket="b")
        self.assertEqual([d for _, d in tar_members(r.body)],
                         [data[10:30], data[50:]])

    def test_a_non_shard_is_a_clear_error(self):
        for obj in ("notes.txt", "plain/1"):
            r = get_batch(self.cluster.url, {"in": [
                {"objname": obj, "archpath": "x"}]}, bucket="b")
            self.assertEqual(r.status, 400)
            self.assertIn(f"ais://b/{obj}", r.json()["message"])

    def test_members_over_the_configured_limit_are_refused(self):
        shard = make_tar({"huge.bin": b"h" * 100_000, "ok.bin": b"fine"})
        self.assertEqual(self.cluster.put("b", "huge.tar", shard).status, 200)
        r = get_batch(self.cluster.url, {"in": [
            {"objname": "huge.tar", "archpath": "huge.bin"}]}, bucket="b")
        self.assertEqual(r.status, 413)
        self.assertIn("huge.bin in ais://b/huge.tar is larger than",
                      r.json()["message"])
        r = get_batch(self.cluster.url, {"strm": True, "in": [
            {"objname": "huge.tar", "archpath": "ok.bin"}]}, bucket="b")
        self.assertEqual(tar_members(r.body), [("b/huge.tar/ok.bin", b"fine")])

    def shard_scans(self):
        """Shard reads over all targets, from /metrics (and the daemon
        endpoint, which must agree)."""
        total = 0
        for url in self.cluster.target_urls().values():
            text = request("GET", url + "/metrics").body.decode()
            line = next(x for x in text.splitlines()
                        if x.startswith("moss_getbatch_shard_reads_total{"))
            reads = int(float(line.rsplit(" ", 1)[1]))
            self.assertEqual(reads, request(
                "GET", url + "/v1/daemon?what=getbatch").json()["shard_scans"])
            total += reads
        return total

    def test_plain_tar_lookups_use_the_stored_index(self):
        files = {f"m/{i}.txt": f"member {i}".encode() for i in range(50)}
        self.assertEqual(self.cluster.put("b", "idx.tar",
                                          make_tar(files)).status, 200)
        before = self.shard_scans()
        r = get_batch(self.cluster.url, {"strm": True, "in": [
            {"objname": "idx.tar", "archpath": "m/3.txt"}]}, bucket="b")
        self.assertEqual(tar_members(r.body)[0][1], b"member 3")
        self.assertEqual(self.shard_scans() - before, 1, "index built once")
        r = get_batch(self.cluster.url, {"strm": True, "in": [
            {"objname": "idx.tar", "archpath": f"m/{i}.txt"}
            for i in (40, 7, 49)]}, bucket="b")
        self.assertEqual([d for _, d in tar_members(r.body)],
                         [b"member 40", b"member 7", b"member 49"])
        self.assertEqual(self.shard_scans() - before, 1,
                         "later lookups read the stored index, not the shard")

    def test_a_rewritten_shard_is_read_anew(self):
        for version in (b"one", b"two, longer"):
            for name in ("re.tar", "re.tgz"):
                mode = "w:gz" if name.endswith("tgz") else "w"
                shard = make_tar({"pad": b"p" * len(version), "a": version},
                                 mode)
                self.assertEqual(self.cluster.put("b", name, shard).status,
                                 200)
                r = get_batch(self.cluster.url, {"strm": True, "in": [
                    {"objname": name, "archpath": "a"}]}, bucket="b")
                self.assertEqual(tar_members(r.body), [(f"b/{name}/a",
                                                        version)])

    def test_a_thousand_files_from_one_tgz_shard_cost_one_scan(self):
        rng = random.Random(2)
        files = {f"f/{i:04d}.bin": rng.randbytes(50_000) for i in range(1000)}
        shard = make_tar(files, "w:gz")
        self.assertGreater(len(shard), 49_000_000)
        self.assertEqual(self.cluster.put("b", "big.tgz", shard).status, 200)
        order = list(files)
        rng.shuffle(order)
        before = self.shard_scans()
        r = get_batch(self.cluster.url, {"strm": True, "in": [
            {"objname": "big.tgz", "archpath": p} for p in order]},
                      bucket="b")
        self.assertEqual(r.status, 200)
        members = tar_members(r.body)
        self.assertEqual([n for n, _ in members],
                         [f"b/big.tgz/{p}" for p in order])
        self.assertTrue(all(d == files[p] for (_, d), p in zip(members,
                                                               order)))
        self.assertEqual(self.shard_scans() - before, 1,
                         "the shard should be decompressed exactly once")


if __name__ == "__main__":
    unittest.main()
