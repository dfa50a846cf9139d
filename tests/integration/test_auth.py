"""Bearer-token access control on a real cluster: HS256 and RS256 tokens,
per-bucket read/write/admin grants, GetBatch checking every bucket, targets
checking tokens themselves, and nodes signing their requests to each other."""

import base64
import hashlib
import hmac
import io
import json
import os
import subprocess
import tarfile
import tempfile
import time
import unittest

from harness import MOSS, Cluster, get_batch, peer_span_gets, request

SECRET = "hs256-test-secret"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(sub, buckets=(), admin=False, ttl=600):
    return {"sub": sub, "exp": int(time.time()) + ttl, "admin": admin,
            "buckets": [{"bck": {"name": b, "provider": "ais"}, "perm": p}
                        for b, p in buckets]}


def hs256(payload, secret=SECRET, alg="HS256"):
    head = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(),
                   hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def rs256(payload, key_file):
    head = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    body = b64url(json.dumps(payload).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key_file],
                         input=f"{head}.{body}".encode(), capture_output=True,
                         check=True).stdout
    return f"{head}.{body}.{b64url(sig)}"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.mkdtemp(prefix="moss-keys-")
        cls.private = os.path.join(cls.keys, "private.pem")
        public = os.path.join(cls.keys, "public.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", cls.private],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", cls.private, "-pubout",
                        "-out", public], check=True, capture_output=True)
        cls.admin = hs256(claims("root", admin=True))
        cls.cluster = Cluster(token=cls.admin, overrides=[
            "auth.enabled=true", f"auth.secret={SECRET}",
            f"auth.public_key_file={public}",
            "middleman.join_token=cluster-join-secret",
            # Spans over HTTP (on one host they would be handed over).
            "get_batch.span_handoff=false"])
        cls.cluster.start()
        cls.url = cls.cluster.url
        cls.reader = rs256(claims("reader", [("train", "read")]), cls.private)
        cls.writer = hs256(claims("writer", [("train", "write")]))
        cls.data = {}
        for b in ("train", "private"):
            r = cls.cluster.create_bucket(b)
            assert r.status == 200, r.body
            for i in range(12):
                cls.data[(b, f"o{i}")] = os.urandom(1000 + i)
                r = cls.cluster.put(b, f"o{i}", cls.data[(b, f"o{i}")])
                assert r.status == 200, r.body

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()
        subprocess.run(["rm", "-rf", cls.keys])

    def assert_denied(self, r, status, *words):
        self.assertEqual(r.status, status, r.body)
        err = json.loads(r.body)
        self.assertEqual(err["status"], status)
        for w in words:
            self.assertIn(w, err["message"])
        if status == 401:
            self.assertIn("Bearer", r.header("WWW-Authenticate"))

    def obj(self, bucket, name):
        return f"{self.url}/v1/objects/{bucket}/{name}?provider=ais"

    def test_health_and_metrics_need_no_token(self):
        self.assertEqual(request("GET", self.url + "/v1/health").status, 200)
        self.assertEqual(request("GET", self.url + "/metrics").status, 200)

    def test_no_token_is_401_everywhere_else(self):
        self.assert_denied(request("GET", self.obj("train", "o1")), 401,
                           "Bearer")
        self.assert_denied(request("PUT", self.obj("train", "n"), b"x"), 401)
        self.assert_denied(request("GET", self.url + "/v1/buckets"), 401)
        self.assert_denied(request("GET", self.url + "/v1/daemon?what=smap"),
                           401)
        r = get_batch(self.url, {"in": [{"objname": "o1"}]}, bucket="train")
        self.assert_denied(r, 401)

    def test_bad_tokens_are_401(self):
        payload = claims("root", admin=True)
        cases = {
            "expired": hs256(claims("root", admin=True, ttl=-10)),
            "wrong secret": hs256(payload, secret="guess"),
            "alg none": hs256(payload).rsplit(".", 1)[0].replace(
                b64url(b'{"alg": "HS256", "typ": "JWT"}'),
                b64url(b'{"alg": "none"}')) + ".",
            "garbage": "abc.def.ghi",
            "RS256 by another key": rs256(payload, self._other_key()),
        }
        for why, token in cases.items():
            with self.subTest(why):
                r = request("GET", self.obj("train", "o1"), None,
                            bearer(token))
                self.assert_denied(r, 401, "token")
        r = request("GET", self.obj("train", "o1"), None,
                    {"Authorization": "Basic cm9vdDpyb290"})
        self.assert_denied(r, 401, "Bearer")

    def _other_key(self):
        path = os.path.join(self.keys, "other.pem")
        if not os.path.exists(path):
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA",
                            "-out", path], check=True, capture_output=True)
        return path

    def test_read_grant_reads_its_bucket_only(self):
        r = request("GET", self.obj("train", "o3"), None, bearer(self.reader))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, self.data[("train", "o3")])
        self.assert_denied(request("PUT", self.obj("train", "new"), b"x",
                                   bearer(self.reader)),
                           403, "reader", "write", "ais://train")
        self.assert_denied(request("GET", self.obj("private", "o3"), None,
                                   bearer(self.reader)),
                           403, "read", "ais://private")
        self.assert_denied(request("DELETE", self.obj("train", "o3"), None,
                                   bearer(self.reader)), 403)

    def test_large_entries_cross_targets_without_user_tokens(self):
        # Peer spans are collected over the targets' HTTP ports by the
        # designated target, which has no user token: the token of the span
        # is the permission.
        big = {f"big{i}": os.urandom(400_000 + i) for i in range(9)}
        for n, d in big.items():
            self.assertEqual(self.cluster.put("train", n, d).status, 200)
        before = peer_span_gets(self.cluster)
        names = sorted(big)
        r = request("GET", self.url + "/v1/ml/moss/train",
                    json.dumps({"in": [{"objname": n} for n in names],
                                "strm": True}),
                    bearer(self.reader))
        self.assertEqual(r.status, 200, r.body[:300])
        with tarfile.open(fileobj=io.BytesIO(r.body)) as tar:
            got = [(m.name, tar.extractfile(m).read()) for m in tar]
        self.assertEqual(got, [(f"train/{n}", big[n]) for n in names])
        self.assertGreater(peer_span_gets(self.cluster), before)

    def test_getbatch_checks_every_bucket(self):
        names = [f"o{i}" for i in range(12)]
        r = get_batch(self.url, {"in": [{"objname": n} for n in names]},
                      bucket="train")
        self.assertEqual(r.status, 401)
        ok = request("GET", self.url + "/v1/ml/moss/train",
                     json.dumps({"in": [{"objname": n} for n in names],
                                 "strm": True}),
                     bearer(self.reader))
        self.assertEqual(ok.status, 200, ok.body[:300])
        with tarfile.open(fileobj=io.BytesIO(ok.body)) as tar:
            got = [(m.name, tar.extractfile(m).read()) for m in tar]
        self.assertEqual(got, [(f"train/{n}", self.data[("train", n)])
                               for n in names])
        mixed = {"in": [{"objname": "o1", "bucket": "train"},
                        {"objname": "o2", "bucket": "private"}]}
        r = request("GET", self.url + "/v1/ml/moss", json.dumps(mixed),
                    bearer(self.reader))
        self.assert_denied(r, 403, "ais://private")
        # A bucket the token does not cover is refused before its existence
        # is revealed.
        r = request("GET", self.url + "/v1/ml/moss",
                    json.dumps({"in": [{"objname": "x", "bucket": "nope"}]}),
                    bearer(self.reader))
        self.assert_denied(r, 403, "ais://nope")

    def test_targets_check_tokens_themselves(self):
        # Going around the proxy to a target gains nothing.
        smap = request("GET", self.url + "/v1/daemon?what=smap", None,
                       bearer(self.reader)).json()
        for t in smap["tmap"].values():
            base = t["public_net"]["direct_url"]
            path = "/v1/objects/private/o1?provider=ais"
            self.assert_denied(request("GET", base + path, follow=False), 401)
            self.assert_denied(request("GET", base + path, None,
                                       bearer(self.reader), follow=False),
                               403)
            # Node signatures cannot be made up, nor moss_local bypasses.
            self.assert_denied(request("GET", base + path, None,
                                       {"Moss-Node-Auth": "9999999999.00"},
                                       follow=False), 401)
            r = request("GET", base + path + "&moss_local=1", follow=False)
            self.assertEqual(r.status, 403, r.body)
            r = request("POST", base + "/v1/rebalance", None,
                        bearer(self.writer), follow=False)
            self.assert_denied(r, 403, "admin")

    def test_redirects_carry_a_signature_bound_to_the_request(self):
        # Python's requests (and so the AIStore SDK) drops Authorization on a
        # redirect to another port; the proxy's signed Location suffices.
        r = request("GET", self.obj("train", "o4"), None, bearer(self.reader),
                    follow=False)
        self.assertEqual(r.status, 307)
        location = r.header("Location")
        self.assertIn("moss_auth=", location)
        got = request("GET", location, follow=False)
        self.assertEqual(got.status, 200, got.body)
        self.assertEqual(got.body, self.data[("train", "o4")])
        # Bound to method and object.
        self.assert_denied(request("PUT", location, b"x", follow=False), 401,
                           "moss_auth")
        other = location.replace("/o4?", "/o5?")
        self.assert_denied(request("GET", other, follow=False), 401)
        # GetBatch: bound to the body as well.
        body = json.dumps({"in": [{"objname": "o1"}, {"objname": "o2"}],
                           "strm": True})
        r = request("GET", self.url + "/v1/ml/moss/train", body,
                    bearer(self.reader), follow=False)
        self.assertEqual(r.status, 307)
        location = r.header("Location")
        got = request("GET", location, body, follow=False)
        self.assertEqual(got.status, 200, got.body[:300])
        with tarfile.open(fileobj=io.BytesIO(got.body)) as tar:
            self.assertEqual([m.name for m in tar], ["train/o1", "train/o2"])
        sneaky = json.dumps({"in": [{"objname": "o1", "bucket": "private"}],
                             "strm": True})
        self.assert_denied(request("GET", location, sneaky, follow=False),
                           401, "moss_auth")

    def test_write_grant_puts_and_deletes_but_cannot_create_buckets(self):
        r = request("PUT", self.obj("train", "fresh"), b"new bytes",
                    bearer(self.writer))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(request("GET", self.obj("train", "fresh"), None,
                                 bearer(self.writer)).body, b"new bytes")
        # DELETE also asks every other target (signed node requests).
        r = request("DELETE", self.obj("train", "fresh"), None,
                    bearer(self.writer))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(request("GET", self.obj("train", "fresh"), None,
                                 bearer(self.writer)).status, 404)
        r = request("POST", f"{self.url}/v1/buckets/mine?provider=ais",
                    json.dumps({"action": "create-bck"}), bearer(self.writer))
        self.assert_denied(r, 403, "admin", "ais://mine")

    def test_cluster_administration_needs_admin(self):
        r = request("PUT", self.url + "/v1/cluster/config",
                    json.dumps({"get_batch.max_soft_errs": "9"}),
                    bearer(self.reader))
        self.assert_denied(r, 403, "admin")
        # The proxy asks every target for the console (signed requests).
        r = request("GET", self.url + "/v1/console/cluster", None,
                    bearer(self.admin))
        self.assertEqual(r.status, 200, r.body)
        nodes = r.json()["targets"]
        self.assertEqual(len(nodes), 3)
        self.assertTrue(all(n["reachable"] for n in nodes), nodes)

    def test_cli_reads_the_token_from_the_environment(self):
        env = dict(os.environ, AIS_AUTHN_TOKEN=self.reader)
        out = subprocess.run([MOSS, "ls", "ais://train", "--endpoint",
                              self.url], capture_output=True, text=True,
                             env=env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("o11", out.stdout)
        env.pop("AIS_AUTHN_TOKEN")
        out = subprocess.run([MOSS, "ls", "ais://train", "--endpoint",
                              self.url], capture_output=True, text=True,
                             env=env, timeout=60)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("token", out.stderr)


if __name__ == "__main__":
    unittest.main()
