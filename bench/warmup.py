#!/usr/bin/env python3
"""Does the warm-up (look-ahead) pool help? GetBatch over cold data with
get_batch.warmup_workers = -1 (off) and several pool sizes, on one cluster
(1 proxy + 3 targets on 127.0.0.1). "Cold" needs no root: every object file
is evicted from the page cache with posix_fadvise(DONTNEED) before each run
(the files are fsynced, so their pages are clean and really go). Settings
change at runtime through the cluster config API, so every run uses the same
objects. Runs alternate between settings to spread machine noise. Writes
bench/results/warmup.{json,md}."""

import argparse
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
from bench import progress, remove_files  # noqa: E402
from clients import SHM, Pool, check_batch, get_batch  # noqa: E402
from harness import Cluster, request  # noqa: E402

RESULTS = os.path.join(os.path.dirname(__file__), "results")


def object_files(root):
    for dirpath, _, files in os.walk(root):
        if "@ais" in dirpath:
            for f in files:
                yield os.path.join(dirpath, f)


def evict(root):
    for path in object_files(root):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def set_workers(cluster, n):
    r = request("PUT", f"{cluster.url}/v1/cluster/config?"
                f"get_batch.warmup_workers={n}")
    assert r.status == 200, r.body


def timed_batch(cluster, bucket, names, expected):
    """Seconds for one GetBatch of `names` (both hops, curl), checked."""
    body_file = os.path.join(SHM, f"moss-warmup-{os.getpid()}.req")
    out = body_file[:-4] + ".tar"
    with open(body_file, "w") as f:
        json.dump({"in": [{"objname": n} for n in names], "strm": True}, f)
    try:
        secs, _, ctype, _ = get_batch(f"{cluster.url}/v1/ml/moss/{bucket}",
                                      body_file, out)
        check_batch(out, ".tar", ctype, bucket, names, expected)
        return secs
    finally:
        remove_files([body_file, out])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--settings", default="-1,1,4,8",
                    help="warmup_workers values to compare")
    ap.add_argument("--quick", action="store_true",
                    help="small data, one round (a smoke check)")
    args = ap.parse_args()
    settings = [int(s) for s in args.settings.split(",")]
    workloads = [("16 KiB x 6000", 16 << 10, 6000),
                 ("1 MiB x 300", 1 << 20, 300)]
    if args.quick:
        workloads = [("16 KiB x 500", 16 << 10, 500)]
        args.rounds = 1
    rows = []
    with Cluster() as cluster:
        assert cluster.create_bucket("w").status == 200
        pool = Pool()
        for label, size, count in workloads:
            progress(f"{label}: writing {count} objects")
            expected = {}
            prefix = f"s{size}/"
            for i in range(count):
                name = f"{prefix}{i:06d}"
                expected[name] = os.urandom(size)
                r = pool.request("PUT", f"{cluster.url}/v1/objects/w/{name}",
                                 expected[name])
                r.read()
                assert r.status == 200
            names = list(expected)
            random.Random(7).shuffle(names)
            times = {s: {"cold": [], "warm": []} for s in settings}
            for rnd in range(args.rounds):
                order = settings if rnd % 2 == 0 else settings[::-1]
                for s in order:
                    set_workers(cluster, s)
                    evict(cluster.dir)
                    cold = timed_batch(cluster, "w", names, expected)
                    warm = timed_batch(cluster, "w", names, expected)
                    times[s]["cold"].append(cold)
                    times[s]["warm"].append(warm)
                    progress(f"{label} round {rnd + 1}/{args.rounds} "
                             f"warmup_workers={s}: cold {cold:.3f}"
                             f" s, warm {warm:.3f} s")
            off = statistics.median(times[settings[0]]["cold"])
            for s in settings:
                cold = statistics.median(times[s]["cold"])
                warm = statistics.median(times[s]["warm"])
                rows.append({"workload": label, "warmup_workers": s,
                             "cold_s": cold, "warm_s": warm,
                             "cold_speedup_vs_off": off / cold,
                             "cold_over_warm": cold / warm})
    if args.quick:
        print(f"warmup --quick: {len(rows)} settings, every answer verified")
        return
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "warmup.json"), "w") as f:
        json.dump({"time": time.strftime("%Y-%m-%d %H:%M:%S"),
                   "cpus": os.cpu_count(), "rounds": args.rounds,
                   "rows": rows}, f, indent=2)
    lines = ["| workload | warmup_workers | cold GetBatch (s) | warm (s) | "
             "cold speedup vs off | cold / warm |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['warmup_workers']} | "
                     f"{r['cold_s']:.3f} | {r['warm_s']:.3f} | "
                     f"{r['cold_speedup_vs_off']:.2f}x | "
                     f"{r['cold_over_warm']:.2f} |")
    table = "\n".join(lines)
    with open(os.path.join(RESULTS, "warmup.md"), "w") as f:
        f.write(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
