"""GetBatch against a real 1-proxy/3-target cluster: order, bytes, names,
errors, ranges, opaque, remote-only batches, formats."""

import base64
import concurrent.futures as cf
import io
import json
import random
import subprocess
import unittest
import zipfile

from harness import (Cluster, get_batch, owner_of, request, split_multipart,
                     tar_members)


class GetBatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A small window and chunk size make the credit logic and chunked
        # transfers do real work even on test-sized data.
        cls.cluster = Cluster(targets=3, overrides=[
            "get_batch.window_bytes=4194304", "get_batch.chunk_bytes=262144",
            "get_batch.max_soft_errs=20"])
        cls.cluster.start()
        cls.smap = cls.cluster.smap()
        rng = random.Random(11)
        cls.objs = {"b1": {}, "b2": {}}
        for i in range(1200):
            if i % 150 == 0:
                size = rng.randint(1 << 20, 2 << 20)
            elif i % 17 == 0:
                size = 0
            else:
                size = rng.choice([1, rng.randint(2, 2000),
                                   rng.randint(2000, 40000)])
            cls.objs["b1"][f"dir/ö {i:04d}.bin"] = rng.randbytes(size)
        for i in range(100):
            cls.objs["b2"][f"x/{i}"] = rng.randbytes(rng.randint(0, 5000))
        items = [(b, n, d) for b, objs in cls.objs.items()
                 for n, d in objs.items()]
        for b in cls.objs:
            assert cls.cluster.create_bucket(b).status == 200
        with cf.ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(
                lambda t: cls.cluster.put(t[0], t[1], t[2]).status, items))
        assert set(codes) == {200}, set(codes)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def url(self):
        return self.cluster.url

    def check_archive(self, members, expected):
        self.assertEqual(len(members), len(expected))
        for i, ((name, data), (ename, edata)) in enumerate(zip(members,
                                                               expected)):
            self.assertEqual(name, ename, f"entry {i}")
            self.assertEqual(data, edata, f"entry {i} ({name})")

    def test_ten_thousand_shuffled_entries_in_both_modes(self):
        rng = random.Random(5)
        names = list(self.objs["b1"])
        picks = [rng.choice(names) for _ in range(10000)]
        body = {"in": [{"objname": n} for n in picks]}
        expected = [(f"b1/{n}", self.objs["b1"][n]) for n in picks]
        for strm in (True, False):
            with self.subTest(strm=strm):
                r = get_batch(self.url(), dict(body, strm=strm), bucket="b1")
                self.assertEqual(r.status, 200, r.body[:300])
                if strm:
                    self.assertEqual(r.header("Content-Type"),
                                     "application/x-tar")
                    archive = r.body
                else:
                    meta, archive = split_multipart(r)
                    self.assertTrue(meta["uuid"].startswith("gbt-"))
                    self.assertEqual(len(meta["out"]), 10000)
                    for out, n in zip(meta["out"], picks):
                        self.assertEqual(out["objname"], n)
                        self.assertEqual(out["bucket"], "b1")
                        self.assertEqual(out["provider"], "ais")
                        self.assertEqual(out["size"], len(self.objs["b1"][n]))
                        self.assertNotIn("err_msg", out)
                self.check_archive(tar_members(archive), expected)

    def test_naming_rules(self):
        a, b = "dir/ö 0003.bin", "x/7"
        d1, d2 = self.objs["b1"][a], self.objs["b2"][b]
        cases = [
            # URL bucket, entries without bucket, duplicates
            ("b1", {"in": [{"objname": a}, {"objname": a}]},
             [(f"b1/{a}", d1), (f"b1/{a}", d1)]),
            # cross-bucket: the entry's bucket wins over the URL's
            ("b1", {"in": [{"objname": a}, {"objname": b, "bucket": "b2"}]},
             [(f"b1/{a}", d1), (f"b2/{b}", d2)]),
            # no URL bucket at all
            (None, {"in": [{"objname": b, "bucket": "b2", "provider": "ais"},
                           {"objname": a, "bucket": "b1"}]},
             [(f"b2/{b}", d2), (f"b1/{a}", d1)]),
            # onob: names without the bucket
            (None, {"onob": True, "in": [{"objname": b, "bucket": "b2"}]},
             [(b, d2)]),
            # uname instead of bucket
            (None, {"in": [{"objname": b, "uname": "ais/@#/b2/"}]},
             [(f"b2/{b}", d2)]),
        ]
        for bucket, body, expected in cases:
            for strm in (True, False):
                with self.subTest(body=body, strm=strm):
                    r = get_batch(self.url(), dict(body, strm=strm), bucket)
                    self.assertEqual(r.status, 200, r.body[:300])
                    archive = r.body if strm else split_multipart(r)[1]
                    self.check_archive(tar_members(archive), expected)

    def test_missing_entries_with_coer_become_placeholders(self):
        names = list(self.objs["b1"])[:20]
        entries = [{"objname": n} for n in names]
        missing_at = [0, 4, 9, 13, 19]
        for i in missing_at:
            entries[i] = {"objname": f"missing/{i}"}
        for strm in (True, False):
            with self.subTest(strm=strm):
                r = get_batch(self.url(), {"in": entries, "coer": True,
                                           "strm": strm}, bucket="b1")
                self.assertEqual(r.status, 200, r.body[:300])
                archive = r.body if strm else split_multipart(r)[1]
                members = tar_members(archive)
                self.assertEqual(len(members), 20)
                for i, (name, data) in enumerate(members):
                    if i in missing_at:
                        self.assertEqual(name, f"__404__/b1/missing/{i}")
                        self.assertEqual(data, b"")
                    else:
                        self.assertEqual(name, f"b1/{names[i]}")
                        self.assertEqual(data, self.objs["b1"][names[i]])
                if not strm:
                    meta = split_multipart(r)[0]
                    for i in missing_at:
                        self.assertIn(f"ais://b1/missing/{i}",
                                      meta["out"][i]["err_msg"])
                        self.assertEqual(meta["out"][i]["size"], 0)

    def test_strict_mode_missing_entry_is_a_clean_404(self):
        body = {"in": [{"objname": "dir/ö 0001.bin"}, {"objname": "nope/x"}]}
        for strm in (True, False):
            with self.subTest(strm=strm):
                r = get_batch(self.url(), dict(body, strm=strm), bucket="b1")
                self.assertEqual(r.status, 404)
                self.assertEqual(r.header("Content-Type"), "application/json")
                self.assertIn("ais://b1/nope/x", r.json()["message"])

    def test_too_many_missing_entries_fail_the_batch(self):
        entries = [{"objname": f"gone/{i}"} for i in range(21)]
        r = get_batch(self.url(), {"in": entries, "coer": True, "strm": False},
                      bucket="b1")
        self.assertEqual(r.status, 404)
        self.assertIn("max_soft_errs", r.json()["message"])

    def test_ranges(self):
        name = next(n for n, d in self.objs["b1"].items() if len(d) > 30000)
        data = self.objs["b1"][name]
        body = {"in": [
            {"objname": name, "start": 0, "length": 10},
            {"objname": name, "start": 100, "length": 1},
            {"objname": name, "start": 20000, "length": -1},
            {"objname": name, "start": 0, "length": -1},
            {"objname": name, "start": 5, "length": len(data) - 5},
        ]}
        expected = [data[:10], data[100:101], data[20000:], data,
                    data[5:]]
        for strm in (True, False):
            r = get_batch(self.url(), dict(body, strm=strm), bucket="b1")
            self.assertEqual(r.status, 200)
            archive = r.body if strm else split_multipart(r)[1]
            got = [d for _, d in tar_members(archive)]
            self.assertEqual(got, expected)
        for bad in ({"start": len(data), "length": 1},
                    {"start": 0, "length": len(data) + 1}):
            for strm in (True, False):
                r = get_batch(self.url(), {"strm": strm, "in": [
                    dict(objname=name, **bad)]}, bucket="b1")
                self.assertEqual(r.status, 416, r.body)
                self.assertIn("outside", r.json()["message"])
        r = get_batch(self.url(), {"in": [{"objname": name, "start": 3}]},
                      bucket="b1")
        self.assertEqual(r.status, 400)

    def test_opaque_round_trips_in_standard_base64(self):
        raw = bytes([0xfb, 0xff, 0xfe, 0x00, 0x41])
        urlsafe = base64.urlsafe_b64encode(raw).decode()
        self.assertIn("-", urlsafe + "_")  # really the URL-safe alphabet
        r = get_batch(self.url(), {"strm": False, "in": [
            {"objname": "x/1", "opaque": urlsafe},
            {"objname": "x/2", "opaque": base64.b64encode(b"std").decode()},
            {"objname": "x/3"}]}, bucket="b2")
        meta, _ = split_multipart(r)
        self.assertEqual(meta["out"][0]["opaque"], base64.b64encode(raw).decode())
        self.assertEqual(base64.b64decode(meta["out"][1]["opaque"]), b"std")
        self.assertNotIn("opaque", meta["out"][2])

    def test_a_batch_whose_objects_all_live_elsewhere(self):
        urls = {tid: t["public_net"]["direct_url"]
                for tid, t in self.smap["tmap"].items()}
        dt = sorted(urls)[0]
        names = [n for n in self.objs["b1"]
                 if owner_of(self.smap, "b1", n) != dt][:300]
        owners = {owner_of(self.smap, "b1", n) for n in names}
        self.assertEqual(len(owners), 2)
        r = get_batch(urls[dt], {"strm": True,
                                 "in": [{"objname": n} for n in names]},
                      bucket="b1", follow=False)
        self.assertEqual(r.status, 200)
        self.check_archive(tar_members(r.body),
                           [(f"b1/{n}", self.objs["b1"][n]) for n in names])

    def test_proxy_redirects_to_a_designated_target(self):
        names = list(self.objs["b1"])[:50]
        body = {"in": [{"objname": n} for n in names]}
        r = get_batch(self.url(), body, bucket="b1", query="coloc=1",
                      follow=False)
        self.assertEqual(r.status, 307)
        counts = {}
        for n in names:
            o = owner_of(self.smap, "b1", n)
            counts[o] = counts.get(o, 0) + 1
        # Several targets may tie for most entries; any of them is right.
        top = max(counts.values())
        allowed = {self.smap["tmap"][o]["public_net"]["direct_url"]
                   + "/v1/ml/moss/b1" for o, c in counts.items() if c == top}
        location = r.header("Location")
        self.assertIn(location.split("?")[0], allowed)
        dts = set()
        for _ in range(9):
            r = get_batch(self.url(), body, bucket="b1", follow=False)
            dts.add(r.header("Location").split("/v1/")[0])
        self.assertGreater(len(dts), 1, "coloc=0 should spread batches")

    def test_output_formats(self):
        names = list(self.objs["b1"])[:40] + ["dir/ö 0150.bin"]
        body = {"in": [{"objname": n} for n in names], "strm": True}
        expected = [(f"b1/{n}", self.objs["b1"][n]) for n in names]
        r = get_batch(self.url(), dict(body, mime="tar.gz"), bucket="b1")
        self.assertEqual(r.header("Content-Type"), "application/gzip")
        self.check_archive(tar_members(r.body, "r:gz"), expected)
        r = get_batch(self.url(), dict(body, mime=".tgz", strm=False),
                      bucket="b1")
        self.check_archive(tar_members(split_multipart(r)[1], "r:gz"),
                           expected)
        r = get_batch(self.url(), dict(body, mime="zip"), bucket="b1")
        self.assertEqual(r.header("Content-Type"), "application/zip")
        with zipfile.ZipFile(io.BytesIO(r.body)) as zf:
            self.assertIsNone(zf.testzip())
            got = [(i.filename, zf.read(i)) for i in zf.infolist()]
        self.check_archive(got, expected)
        r = get_batch(self.url(), dict(body, mime="tar.lz4"), bucket="b1")
        self.assertEqual(r.header("Content-Type"), "application/x-lz4")
        tar = subprocess.run(["lz4", "-dc"], input=r.body,
                             capture_output=True, check=True).stdout
        self.check_archive(tar_members(tar), expected)

    def test_bad_requests(self):
        url = self.url()
        too_many = {"in": [{"objname": "a"}] * 100001}
        cases = [
            ("GET", "/v1/ml/moss/b1", "{", 400, "invalid GetBatch request (not JSON)"),
            ("GET", "/v1/ml/moss/b1", "", 400, "needs a JSON body"),
            ("GET", "/v1/ml/moss/b1", '{"in": []}', 400, "empty input"),
            ("GET", "/v1/ml/moss/b1", '{"in": [{"objname": "a"}], '
             '"mime": "rar"}', 400, "rar"),
            ("GET", "/v1/ml/moss/b1", '{"in": [{"objname": "a", '
             '"opaque": "!!"}]}', 400, "opaque"),
            ("GET", "/v1/ml/moss", '{"in": [{"objname": "a"}]}', 400,
             "missing bucket"),
            ("GET", "/v1/ml/moss/nob", '{"in": [{"objname": "a"}]}', 404,
             "ais://nob"),
            ("GET", "/v1/ml/moss/b1", '{"in": [{"objname": "../a"}]}', 400,
             "in[0]"),
            ("GET", "/v1/ml/moss/b1", '{"in": [{"objname": "a", '
             '"length": -2}]}', 400, "length"),
            ("GET", "/v1/ml/moss/b1?coloc=3", '{"in": [{"objname": "a"}]}',
             400, "coloc"),
            ("POST", "/v1/ml/moss/b1", '{"in": [{"objname": "a"}]}', 405,
             "GET"),
            ("GET", "/v1/ml/moss/b1", json.dumps(too_many), 413, "limit"),
            ("GET", "/v1/ml/moss/b1", '{"in": [{"objname": "a", '
             '"provider": "ftp"}]}', 400, "ftp"),
        ]
        for method, path, body, status, needle in cases:
            for base in [url] + list({t["public_net"]["direct_url"]
                                      for t in self.smap["tmap"].values()})[:1]:
                with self.subTest(base=base, path=path, body=body[:40]):
                    r = request(method, base + path, body)
                    self.assertEqual(r.status, status, r.body[:300])
                    self.assertIn(needle, r.json()["message"])


if __name__ == "__main__":
    unittest.main()
