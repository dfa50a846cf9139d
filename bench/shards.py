#!/usr/bin/env python3
"""Files from shards: one GetBatch that extracts K files from a shard (one
pass over it) against K single-file requests for the same files, per shard
format. Reports time, speedup and how many times the shard was read.
Results go to bench/results/shards.{json,md}."""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import time
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
from harness import Cluster, get_batch, request, tar_members  # noqa: E402
from clients import Pool  # noqa: E402


def make_shard(fmt, files):
    buf = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for n, d in files.items():
                zf.writestr(n, d)
        return buf.getvalue()
    mode = {"tar": "w", "tgz": "w:gz"}.get(fmt, "w")
    with tarfile.open(fileobj=buf, mode=mode, **(
            {"compresslevel": 1} if mode == "w:gz" else {})) as tf:
        for n, d in files.items():
            info = tarfile.TarInfo(n)
            info.size = len(d)
            tf.addfile(info, io.BytesIO(d))
    data = buf.getvalue()
    if fmt == "tar.lz4":
        data = subprocess.run(["lz4", "-c"], input=data, capture_output=True,
                              check=True).stdout
    return data


def scans(cluster):
    return sum(request("GET", u + "/v1/daemon?what=getbatch").json()[
        "shard_scans"] for u in cluster.target_urls().values())


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__),
                                                  "results"))
    args = ap.parse_args()
    k, size = (100, 4096) if args.quick else (1000, 10240)
    rng = random.Random(3)
    files = {f"s/{i:05d}.bin": rng.randbytes(size) for i in range(k)}
    order = list(files)
    rng.shuffle(order)
    cluster = Cluster(targets=3)
    cluster.start()
    pool = Pool()
    rows = []
    try:
        assert cluster.create_bucket("b").status == 200
        for fmt in ("tar", "tgz", "tar.lz4", "zip"):
            name = f"shard.{fmt}"
            shard = make_shard(fmt, files)
            assert cluster.put("b", name, shard).status == 200
            print(f"[shards] {fmt}: {k} files of {size} B "
                  f"({len(shard) / 1e6:.1f} MB shard)", file=sys.stderr)
            s0 = scans(cluster)
            t0 = time.perf_counter()
            body = json.dumps({"strm": True, "in": [
                {"objname": name, "archpath": p} for p in order]}).encode()
            r = pool.request("GET", f"{cluster.url}/v1/ml/moss/b", body)
            data = r.read()
            one = time.perf_counter() - t0
            members = tar_members(data)
            assert [m for m, _ in members] == [f"b/{name}/{p}" for p in order]
            assert all(d == files[p] for (_, d), p in zip(members, order))
            one_scans = scans(cluster) - s0
            # Same files, one request each (with a fresh copy of the shard,
            # so nothing is cached from the batch above).
            fresh = f"fresh.{fmt}"
            assert cluster.put("b", fresh, shard).status == 200
            s0 = scans(cluster)
            t0 = time.perf_counter()
            for p in order:
                r = pool.request("GET", f"{cluster.url}/v1/ml/moss/b",
                                 json.dumps({"strm": True, "in": [
                                     {"objname": fresh, "archpath": p}]})
                                 .encode())
                got = tar_members(r.read())
                assert got == [(f"b/{fresh}/{p}", files[p])]
            single = time.perf_counter() - t0
            rows.append({"format": fmt, "files": k, "file_bytes": size,
                         "one_batch_s": one, "single_requests_s": single,
                         "speedup": single / one, "scans_one_batch": one_scans,
                         "scans_single_requests": scans(cluster) - s0})
            print(f"[shards]   one batch {one * 1000:.0f} ms, {k} requests "
                  f"{single * 1000:.0f} ms ({single / one:.1f}x)",
                  file=sys.stderr)
    finally:
        cluster.stop()
    if args.quick:
        print(f"shards --quick: {len(rows)} formats, every file verified")
        return
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "shards.json"), "w") as f:
        json.dump(rows, f, indent=1)
    lines = ["| shard | files | one batch | one request per file | speedup | "
             "shard reads (batch / single) |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['format']} | {r['files']} x {r['file_bytes']} B | "
                     f"{r['one_batch_s'] * 1000:.0f} ms | "
                     f"{r['single_requests_s'] * 1000:.0f} ms | "
                     f"{r['speedup']:.1f}x | {r['scans_one_batch']} / "
                     f"{r['scans_single_requests']} |")
    with open(os.path.join(args.out, "shards.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
