#!/usr/bin/env python3
"""Splits Lhotse-style URLs into a GetBatch entry: the part up to the
shard's archive suffix is the object, the rest is the file inside it.

    ais://bucket/shards/a.tar.gz/audio/x.wav
      -> {"bucket": "bucket", "objname": "shards/a.tar.gz",
          "archpath": "audio/x.wav"}
"""

import json
import sys

SUFFIXES = (".tar.gz", ".tar.lz4", ".tgz", ".tar", ".zip")


def split_url(url):
    if not url.startswith("ais://"):
        raise ValueError(f"not an ais:// URL: {url}")
    bucket, _, path = url[len("ais://"):].partition("/")
    if not bucket or not path:
        raise ValueError(f"expected ais://bucket/object: {url}")
    parts = path.split("/")
    for i in range(len(parts)):
        head = "/".join(parts[:i + 1])
        if head.endswith(SUFFIXES) and i + 1 < len(parts):
            return {"bucket": bucket, "objname": head,
                    "archpath": "/".join(parts[i + 1:])}
    return {"bucket": bucket, "objname": path}


if __name__ == "__main__":
    print(json.dumps([split_url(u) for u in sys.argv[1:]], indent=1))
