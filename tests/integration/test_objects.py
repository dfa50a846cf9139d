"""The object and bucket API of a real 1-proxy/3-target cluster."""

import concurrent.futures as cf
import json
import random
import time
import unittest
import urllib.parse

from harness import Cluster, quote, request, unpack_msgpack

NAME_PARTS = ["plain", "with space", "ünïcødé-名前", "q?x", "h#sh", "pct%41",
              "amp&", "eq=sign", "deep/er/path"]


def make_objects(count, seed=7):
    rng = random.Random(seed)
    objs = {}
    for i in range(count):
        if i % 100 == 0:
            size = rng.randint(1 << 20, 4 << 20)  # 10 objects of 1-4 MiB
        elif i % 10 == 0:
            size = 0
        else:
            size = rng.choice([1, rng.randint(2, 4096), rng.randint(4096, 65536)])
        name = f"{NAME_PARTS[i % len(NAME_PARTS)]}/obj-{i:04d}.bin"
        objs[name] = rng.randbytes(size)
    return objs


class ObjectApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(targets=3, overrides=["http.max_json_body=4096"])
        cls.cluster.start()
        cls.objs = make_objects(1000)
        r = cls.cluster.create_bucket("data")
        assert r.status == 200, r.body
        with cf.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(
                lambda kv: cls.cluster.put("data", kv[0], kv[1]),
                cls.objs.items()))
        bad = [r.status for r in results if r.status != 200]
        assert not bad, f"PUT failures: {bad[:5]}"

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_read_back_through_the_proxy_redirect(self):
        def check(item):
            name, data = item
            r = self.cluster.get("data", name)
            return name, r.status, r.body == data
        with cf.ThreadPoolExecutor(8) as pool:
            for name, status, same in pool.map(check, self.objs.items()):
                self.assertEqual(status, 200, name)
                self.assertTrue(same, name)

    def test_proxy_redirects_with_307_to_the_owner(self):
        urls = set(self.cluster.target_urls().values())
        owners = set()
        for name in list(self.objs)[:60]:
            r = self.cluster.get("data", name, follow=False)
            self.assertEqual(r.status, 307)
            loc = r.header("Location")
            base = loc.split("/v1/")[0]
            self.assertIn(base, urls)
            owners.add(base)
            # Straight to the owner: 200 and the bytes.
            direct = request("GET", loc, follow=False)
            self.assertEqual(direct.status, 200)
            self.assertEqual(direct.body, self.objs[name])
            # Any other target refuses and points at the owner.
            for other in urls - {base}:
                path = loc[len(base):]
                r2 = request("GET", other + path, follow=False)
                self.assertEqual(r2.status, 307)
                self.assertEqual(r2.header("Location"), loc)
        self.assertEqual(len(owners), 3, "objects should spread over 3 targets")

    def test_head_returns_size_and_checksum(self):
        name = next(n for n, d in self.objs.items() if len(d) > 1000)
        r = request("HEAD", f"{self.cluster.url}/v1/objects/data/{quote(name)}")
        self.assertEqual(r.status, 200)
        self.assertEqual(int(r.header("Ais-Size")), len(self.objs[name]))
        self.assertEqual(int(r.header("Content-Length")), len(self.objs[name]))
        self.assertEqual(r.header("Ais-Checksum-Type"), "xxhash64")
        self.assertRegex(r.header("Ais-Checksum-Value"), "^[0-9a-f]{16}$")
        self.assertEqual(r.body, b"")

    def test_range_reads(self):
        name = next(n for n, d in self.objs.items() if len(d) > 1000)
        data = self.objs[name]
        r = self.cluster.get("data", name, headers={"Range": "bytes=10-99"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, data[10:100])
        r = self.cluster.get("data", name, headers={"Range": "bytes=-5"})
        self.assertEqual(r.body, data[-5:])
        r = self.cluster.get("data", name,
                             headers={"Range": f"bytes={len(data)}-"})
        self.assertEqual(r.status, 416)
        self.assertEqual(r.header("Content-Range"), f"bytes */{len(data)}")

    def list_all(self, msgpack, pagesize):
        names, token, pages = [], "", 0
        while True:
            body = json.dumps({"action": "list", "name": "", "value": {
                "prefix": "", "pagesize": pagesize, "uuid": "", "props": "",
                "continuation_token": token, "flags": "0", "target": ""}})
            headers = {"Content-Type": "application/json"}
            if msgpack:
                headers["Accept"] = "application/msgpack"
            r = request("GET", f"{self.cluster.url}/v1/buckets/data?provider=ais",
                        body, headers)
            self.assertEqual(r.status, 200, r.body)
            pages += 1
            if msgpack:
                self.assertEqual(r.header("Content-Type"), "application/msgpack")
                res = unpack_msgpack(r.body)
                self.assertTrue(res["UUID"])
                entries = res["Entries"] or []
                names += [(e["n"], e["s"]) for e in entries]
                token = res["ContinuationToken"]
            else:
                res = r.json()
                names += [(e["name"], e["size"]) for e in res["entries"]]
                token = res["continuation_token"]
            if not token:
                return names, pages
            self.assertLess(pages, 1000)

    def test_list_with_paging_json_and_msgpack(self):
        expected = sorted((n, len(d)) for n, d in self.objs.items())
        for msgpack in (False, True):
            names, pages = self.list_all(msgpack, 97)
            self.assertEqual(names, expected)
            self.assertGreaterEqual(pages, 11)

    def test_list_with_prefix(self):
        r = request("GET", f"{self.cluster.url}/v1/buckets/data?prefix="
                    + urllib.parse.quote("deep/er/"))
        names = [e["name"] for e in r.json()["entries"]]
        self.assertEqual(names, sorted(n for n in self.objs
                                       if n.startswith("deep/er/")))

    def test_delete_then_404_names_the_object(self):
        self.assertEqual(self.cluster.create_bucket("scratch").status, 200)
        for i in range(5):
            self.assertEqual(self.cluster.put("scratch", f"d/{i}", b"x").status,
                             200)
        for i in range(3):
            r = request("DELETE",
                        f"{self.cluster.url}/v1/objects/scratch/d%2F{i}")
            self.assertEqual(r.status, 200)
        r = self.cluster.get("scratch", "d/0")
        self.assertEqual(r.status, 404)
        self.assertIn("ais://scratch/d/0", r.json()["message"])
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(self.cluster.get("scratch", "d/4").body, b"x")
        r = request("DELETE", f"{self.cluster.url}/v1/objects/scratch/d%2F0")
        self.assertEqual(r.status, 404)

    def test_bucket_lifecycle(self):
        url = self.cluster.url
        self.assertEqual(self.cluster.create_bucket("life").status, 200)
        r = self.cluster.create_bucket("life")
        self.assertEqual(r.status, 409)
        self.assertIn("ais://life", r.json()["message"])
        self.assertEqual(request("HEAD", f"{url}/v1/buckets/life").status, 200)
        self.assertEqual(self.cluster.put("life", "x", b"1").status, 200)
        names = [b["name"] for b in request("GET", f"{url}/v1/buckets/").json()]
        self.assertIn("life", names)
        r = request("DELETE", f"{url}/v1/buckets/life",
                    json.dumps({"action": "destroy-bck"}))
        self.assertEqual(r.status, 200)
        r = self.cluster.get("life", "x")
        self.assertEqual(r.status, 404)
        self.assertIn("ais://life", r.json()["message"])
        r = request("DELETE", f"{url}/v1/buckets/life")
        self.assertEqual(r.status, 404)
        self.assertIn("ais://life", r.json()["message"])
        # Re-created, the bucket is empty.
        self.assertEqual(self.cluster.create_bucket("life").status, 200)
        self.assertEqual(self.cluster.get("life", "x").status, 404)

    def test_bad_input_gets_a_clear_json_error(self):
        url = self.cluster.url
        cases = [
            ("GET", "/v1/objects/data/..%2Fescape", None, 400, "'..'"),
            ("PUT", "/v1/objects/data/%2Fabs", b"x", 400, "start with '/'"),
            ("PUT", "/v1/objects/data/~%2Fhome", b"x", 400, "'~/'"),
            ("PUT", "/v1/objects/data/dir%2F", b"x", 400, "end with '/'"),
            ("PUT", "/v1/objects/data/a%00b", b"x", 400, "NUL"),
            ("PUT", "/v1/objects/data/%FF%FE", b"x", 400, "UTF-8"),
            ("GET", "/v1/objects/nobucket/x", None, 404, "ais://nobucket"),
            ("GET", "/v1/objects/data", None, 400, "<object>"),
            ("GET", "/v1/objects/bad%20bucket/x", None, 400, "bucket name"),
            ("POST", "/v1/objects/data/x", b"", 405, "POST"),
            ("PATCH", "/v1/buckets/data", b"", 405, "PATCH"),
            ("POST", "/v1/buckets/newb", b"{not json", 400, "JSON"),
            ("POST", "/v1/buckets/newb", b'{"action":"rename"}', 400, "rename"),
            ("POST", "/v1/buckets/newb", b'{"action":"create-bck","x":"'
             + b"y" * 5000 + b'"}', 413, "limit"),
            ("GET", "/v1/buckets/data?provider=ftp", None, 400, "ftp"),
            ("GET", "/v1/nothing", None, 404, "no such endpoint"),
            ("GET", "/v1/objects/data/%zz", None, 400, "escape"),
        ]
        for method, path, body, status, needle in cases:
            with self.subTest(method=method, path=path):
                r = request(method, url + path, body)
                self.assertEqual(r.status, status, r.body)
                err = r.json()
                self.assertEqual(err["status"], status)
                self.assertIn(needle, err["message"])
        # Nothing was written outside the data dir or into the bucket.
        r = request("GET", f"{url}/v1/buckets/data?prefix=%7E")
        self.assertEqual(r.json()["entries"], [])

    def test_large_put_through_the_proxy_follows_the_redirect(self):
        # Like the SDK, send the whole body before reading the 307.
        self.assertEqual(self.cluster.create_bucket("big").status, 200)
        data = random.Random(1).randbytes(24 << 20)
        r = self.cluster.put("big", "large/24MiB.bin", data)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.cluster.get("big", "large/24MiB.bin").body, data)

    def test_huge_headers_are_refused(self):
        r = request("GET", f"{self.cluster.url}/v1/objects/data/"
                    + "x" * (1 << 20))
        self.assertEqual(r.status, 431)
        self.assertIn("64 KiB", r.json()["message"])


class FailureTest(unittest.TestCase):
    def test_a_killed_target_leaves_the_map_and_comes_back(self):
        with Cluster(targets=3) as cluster:
            self.assertEqual(cluster.create_bucket("b").status, 200)
            objs = {f"o{i}": bytes([i]) * (i * 100) for i in range(60)}
            for k, v in objs.items():
                self.assertEqual(cluster.put("b", k, v).status, 200)
            victim = cluster.target_id(1)
            cluster.targets[1].kill()
            smap = cluster.wait_for_targets(2, timeout=15)
            self.assertNotIn(victim, smap["tmap"])
            cluster.targets[1].start()
            smap = cluster.wait_for_targets(3, timeout=15)
            self.assertIn(victim, smap["tmap"])
            for k, v in objs.items():
                r = cluster.get("b", k)
                self.assertEqual((r.status, r.body), (200, v), k)

    def test_data_and_buckets_survive_a_full_restart(self):
        cluster = Cluster(targets=3)
        cluster.start()
        try:
            self.assertEqual(cluster.create_bucket("keep").status, 200)
            self.assertEqual(cluster.put("keep", "a/b c", b"persist").status,
                             200)
            cluster.stop(remove=False)
            time.sleep(0.5)
            cluster.start()
            r = cluster.get("keep", "a/b c")
            self.assertEqual((r.status, r.body), (200, b"persist"))
        finally:
            cluster.stop()

    def test_proxy_restart_targets_reconnect(self):
        with Cluster(targets=3) as cluster:
            self.assertEqual(cluster.create_bucket("b").status, 200)
            self.assertEqual(cluster.put("b", "x", b"before").status, 200)
            cluster.proxy.kill()
            cluster.proxy.start()
            cluster.wait_for_targets(3, timeout=20)
            self.assertEqual(cluster.get("b", "x").body, b"before")
            self.assertEqual(cluster.put("b", "y", b"after").status, 200)
            self.assertEqual(cluster.get("b", "y").body, b"after")


if __name__ == "__main__":
    unittest.main()
