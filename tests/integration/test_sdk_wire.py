"""A client that behaves on the wire like the official AIStore Python SDK,
built only on `requests` (the SDK's own HTTP stack) and the standard
library, independent of the test harness's client: it follows 307 by
re-sending method and body, matches streamed TAR members to the request by
position, splits multipart/mixed on its boundary, sends URL-safe base64
opaque values, and reads msgpack listings."""

import base64
import io
import json
import os
import tarfile
import unittest

import requests

from harness import Cluster, unpack_msgpack


class SdkLikeClient:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.http = requests.Session()

    def create_bucket(self, bucket):
        r = self.http.post(f"{self.endpoint}/v1/buckets/{bucket}",
                           params={"provider": "ais"},
                           json={"action": "create-bck"})
        r.raise_for_status()

    def put(self, bucket, name, data):
        # requests keeps the method and body across a 307, as the SDK does.
        r = self.http.put(f"{self.endpoint}/v1/objects/{bucket}/{name}",
                          params={"provider": "ais"}, data=data)
        r.raise_for_status()
        return r

    def list_msgpack(self, bucket, prefix=""):
        names, token = [], ""
        for _ in range(1000):
            r = self.http.get(
                f"{self.endpoint}/v1/buckets/{bucket}",
                params={"provider": "ais"},
                headers={"Accept": "application/msgpack"},
                json={"action": "list", "value": {
                    "prefix": prefix, "continuation_token": token,
                    "pagesize": 7}})
            r.raise_for_status()
            # AIStore's msgpack listing: Go field names, short entry keys.
            page = unpack_msgpack(r.content)
            names += [e["n"] for e in page["Entries"] or []]
            token = page["ContinuationToken"]
            if not token:
                return names
        raise AssertionError("listing did not end")

    def batch_stream(self, bucket, entries, **opts):
        """Streaming GetBatch: yields (request entry, member name, bytes)
        pairing members with the request by position."""
        body = {"in": entries, "strm": True, **opts}
        r = self.http.get(f"{self.endpoint}/v1/ml/moss/{bucket}", json=body,
                          stream=True)
        r.raise_for_status()
        with tarfile.open(fileobj=r.raw, mode="r|") as tar:
            for entry, member in zip(entries, tar):
                yield entry, member.name, tar.extractfile(member).read()

    def batch_multipart(self, bucket, entries, **opts):
        body = {"in": entries, "strm": False, **opts}
        r = self.http.get(f"{self.endpoint}/v1/ml/moss/{bucket}", json=body)
        r.raise_for_status()
        ctype = r.headers["Content-Type"]
        boundary = ctype.split("boundary=", 1)[1].encode()
        parts = {}
        for part in r.content.split(b"--" + boundary)[1:-1]:
            head, _, data = part.partition(b"\r\n\r\n")
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
            parts[name] = data[:-2]
        return json.loads(parts["metadata"]), parts["archive"]


class SdkWireTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        cls.cluster.start()
        cls.client = SdkLikeClient(cls.cluster.url)
        cls.client.create_bucket("sdk")
        cls.data = {f"d/{i:03d}": os.urandom(50 + i) for i in range(40)}
        for n, d in cls.data.items():
            cls.client.put("sdk", n, d)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def test_put_follows_the_redirect_to_the_owner(self):
        r = self.client.put("sdk", "one-more", b"payload")
        self.assertEqual([h.status_code for h in r.history], [307])
        self.assertNotEqual(r.url.split("/v1/")[0], self.cluster.url)
        g = self.client.http.get(f"{self.cluster.url}/v1/objects/sdk/one-more")
        self.assertEqual(g.content, b"payload")

    def test_streamed_members_match_the_request_by_position(self):
        names = sorted(self.data, reverse=True)
        entries = [{"objname": n} for n in names] + [{"objname": "gone"}]
        got = list(self.client.batch_stream("sdk", entries, coer=True))
        self.assertEqual(len(got), len(entries))
        for entry, member, data in got[:-1]:
            self.assertEqual(member, "sdk/" + entry["objname"])
            self.assertEqual(data, self.data[entry["objname"]])
        self.assertEqual(got[-1][1:], ("__404__/sdk/gone", b""))

    def test_multipart_metadata_and_urlsafe_opaque(self):
        raw = bytes(range(250, 256)) + b"\xfb\xff"  # '-' and '_' in URL-safe
        urlsafe = base64.urlsafe_b64encode(raw).decode()
        self.assertNotEqual(urlsafe, base64.b64encode(raw).decode())
        entries = [{"objname": "d/001", "opaque": urlsafe},
                   {"objname": "d/002"}]
        meta, archive = self.client.batch_multipart("sdk", entries)
        self.assertEqual([o["objname"] for o in meta["out"]],
                         ["d/001", "d/002"])
        self.assertEqual(base64.b64decode(meta["out"][0]["opaque"]), raw)
        self.assertEqual(meta["out"][1]["size"], len(self.data["d/002"]))
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            self.assertEqual(tar.getnames(), ["sdk/d/001", "sdk/d/002"])

    def test_msgpack_listing_pages_through_everything(self):
        names = self.client.list_msgpack("sdk", prefix="d/")
        self.assertEqual(names, sorted(self.data))

    def test_errors_are_json_with_status_and_message(self):
        r = self.client.http.get(f"{self.cluster.url}/v1/objects/sdk/nope")
        self.assertEqual(r.status_code, 404)
        self.assertEqual(r.json()["message"], "ais://sdk/nope does not exist")
        with self.assertRaises(requests.HTTPError) as err:
            list(self.client.batch_stream("sdk", [{"objname": "nope"}]))
        self.assertEqual(err.exception.response.status_code, 404)
        self.assertIn("does not exist", err.exception.response.json()["message"])


if __name__ == "__main__":
    unittest.main()
