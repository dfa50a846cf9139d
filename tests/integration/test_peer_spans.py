"""Peer spans: large plain objects for a TAR stream go from their owner to
the designated target over the targets' HTTP ports, or, between targets on
the same host, as open descriptors handed over a Unix socket. The archive
must be the same byte for byte, in order, whichever way spans travel (or
none), and whether file bytes go by sendfile/splice or through a buffer."""

import random
import unittest

from harness import (Cluster, get_batch, owner_of, peer_span_gets,
                     peer_span_handoffs, request, split_multipart,
                     tar_members)


class PeerSpansTest(unittest.TestCase):
    """Spans over HTTP. On 127.0.0.1 file bytes are copied through a buffer
    by default (http.zero_copy=auto); a subclass takes the zero-copy paths,
    two more hand spans over as descriptors (the default on one host)."""
    overrides = ("get_batch.span_handoff=false",)
    handoff = False

    def collected(self):
        """Spans collected the way this class expects, and the other way."""
        ways = [peer_span_gets(self.cluster, "200"),
                peer_span_handoffs(self.cluster)]
        return ways[::-1] if self.handoff else ways

    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(targets=3, overrides=cls.overrides)
        cls.cluster.start()
        assert cls.cluster.create_bucket("b").status == 200
        rng = random.Random(5)
        cls.objs = {}
        for i in range(36):
            size = (rng.randint(256 << 10, 3 << 20) if i % 3 else
                    rng.randint(0, 4000))
            cls.objs[f"s/{i:02d}"] = rng.randbytes(size)
        for n, d in cls.objs.items():
            assert cls.cluster.put("b", n, d).status == 200
        cls.smap = cls.cluster.smap()
        owners = {owner_of(cls.smap, "b", n) for n in cls.objs}
        assert len(owners) == 3, "every target should own some objects"

    @classmethod
    def tearDownClass(cls):
        cls.cluster.stop()

    def batch(self, **extra):
        """Every object twice (shuffled), and ranges of the large ones."""
        names = sorted(self.objs) * 2
        random.Random(2).shuffle(names)
        entries = [{"objname": n} for n in names]
        expected = [(f"b/{n}", self.objs[n]) for n in names]
        for n in sorted(self.objs)[1::3]:
            data = self.objs[n]
            start, length = 1000, len(data) // 2
            entries.append({"objname": n, "start": start, "length": length})
            expected.append((f"b/{n}", data[start:start + length]))
        return dict({"in": entries}, **extra), expected

    def assert_collected_the_expected_way(self, before):
        expected_way, other_way = self.collected()
        self.assertGreater(expected_way, before[0])
        self.assertEqual(other_way, before[1])

    def test_tar_stream_collects_spans_and_keeps_order_and_bytes(self):
        before = self.collected()
        body, expected = self.batch(strm=True)
        r = get_batch(self.cluster.url, body, bucket="b")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(tar_members(r.body), expected)
        self.assert_collected_the_expected_way(before)
        self.assertEqual(peer_span_gets(self.cluster, "404"), 0)

    def test_multipart_collects_spans_into_its_spool(self):
        before = self.collected()
        body, expected = self.batch(strm=False)
        r = get_batch(self.cluster.url, body, bucket="b")
        self.assertEqual(r.status, 200, r.body[:300])
        metadata, archive = split_multipart(r)
        self.assertEqual(len(metadata["out"]), len(expected))
        self.assertEqual(tar_members(archive), expected)
        self.assert_collected_the_expected_way(before)

    def test_compressed_output_never_uses_spans(self):
        before = self.collected()
        body, expected = self.batch(strm=True, mime=".tar.gz")
        r = get_batch(self.cluster.url, body, bucket="b")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(tar_members(r.body, "r:gz"), expected)
        self.assertEqual(self.collected(), before)

    def test_switched_off_at_runtime_the_same_archive_comes_without_spans(self):
        url = self.cluster.url + "/v1/cluster/config"
        r = request("PUT", url + "?get_batch.peer_spans=false")
        self.assertEqual(r.status, 200, r.body)
        try:
            self.assertFalse(request("GET", url).json()["get_batch"]
                             ["peer_spans"])
            before = self.collected()
            body, expected = self.batch(strm=True)
            r = get_batch(self.cluster.url, body, bucket="b")
            self.assertEqual(r.status, 200, r.body[:300])
            self.assertEqual(tar_members(r.body), expected)
            self.assertEqual(self.collected(), before)
        finally:
            r = request("PUT", url + "?get_batch.peer_spans=true")
            self.assertEqual(r.status, 200, r.body)

    def test_plain_and_range_gets_are_exact(self):
        for n, data in self.objs.items():
            self.assertEqual(self.cluster.get("b", n).body, data, n)
        n = max(self.objs, key=lambda k: len(self.objs[k]))
        end = len(self.objs[n]) // 2
        r = request("GET", f"{self.cluster.url}/v1/objects/b/{n}",
                    headers={"Range": f"bytes=1000-{end}"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, self.objs[n][1000:end + 1])

    def test_unknown_tokens_and_other_methods_are_refused(self):
        target = next(iter(self.cluster.target_urls().values()))
        r = request("GET", target + "/v1/spans/0123456789abcdef")
        self.assertEqual(r.status, 404)
        self.assertIn("0123456789abcdef", r.json()["message"])
        r = request("DELETE", target + "/v1/spans/0123456789abcdef")
        self.assertEqual(r.status, 405)
        self.assertIn("GET", r.json()["message"])


class PeerSpansZeroCopyTest(PeerSpansTest):
    overrides = ("get_batch.span_handoff=false", "http.zero_copy=always")


class SpanHandoffTest(PeerSpansTest):
    overrides = ()
    handoff = True


class SpanHandoffZeroCopyTest(PeerSpansTest):
    overrides = ("http.zero_copy=always",)
    handoff = True


if __name__ == "__main__":
    unittest.main()
