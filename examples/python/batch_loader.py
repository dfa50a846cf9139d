#!/usr/bin/env python3
"""An iterable dataset over moss GetBatch, standard library only.

Each iteration sends one GetBatch request per `batch_size` samples and
yields `(name, bytes)` in exactly the requested order, reading the TAR
stream as it arrives. A PyTorch `DataLoader` can consume it as an
`IterableDataset` (wrap it, or subclass `torch.utils.data.IterableDataset`);
it runs without torch installed.

    python3 batch_loader.py http://127.0.0.1:51080 BUCKET NAME [NAME ...]
"""

import http.client
import json
import sys
import tarfile
import urllib.parse


class GetBatchDataset:
    def __init__(self, endpoint, bucket, names, batch_size=256):
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.names = list(names)
        self.batch_size = batch_size

    def _stream(self, entries):
        body = json.dumps({"in": entries, "strm": True, "coer": True}).encode()
        url = f"{self.endpoint}/v1/ml/moss/{self.bucket}"
        for _ in range(3):  # the proxy answers 307 to the designated target
            parts = urllib.parse.urlsplit(url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                              timeout=120)
            conn.request("GET", parts.path, body=body,
                         headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            if resp.status == 307:
                url = resp.getheader("Location")
                resp.read()
                conn.close()
                continue
            if resp.status != 200:
                raise RuntimeError(f"GetBatch failed: {resp.status} "
                                   f"{resp.read()[:300]!r}")
            return conn, resp
        raise RuntimeError("too many redirects")

    def __iter__(self):
        for start in range(0, len(self.names), self.batch_size):
            chunk = self.names[start:start + self.batch_size]
            conn, resp = self._stream([{"objname": n} for n in chunk])
            count = 0
            # Stream mode: members are read as the archive arrives.
            with tarfile.open(fileobj=resp, mode="r|") as tf:
                for member, name in zip(tf, chunk):
                    data = tf.extractfile(member).read()
                    missing = member.name.startswith("__404__/")
                    yield name, (None if missing else data)
                    count += 1
            conn.close()
            if count != len(chunk):  # moss never ends a batch short silently
                raise RuntimeError(f"got {count} of {len(chunk)} entries")


if __name__ == "__main__":
    endpoint, bucket, *names = sys.argv[1:]
    for name, data in GetBatchDataset(endpoint, bucket, names, batch_size=2):
        print(name, "missing" if data is None else f"{len(data)} bytes")
