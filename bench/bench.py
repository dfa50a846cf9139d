#!/usr/bin/env python3
"""moss GetBatch benchmark. One cluster (1 proxy + 3 targets on 127.0.0.1,
real processes) and the same objects fetched as one GetBatch stream through
the proxy and, in the same run, with the baselines: sequential GETs through
the proxy (307 to the owner, keep-alive, as AIStore clients do), 16 and 64
parallel GETs, nginx serving the same files to 64 keep-alive connections,
and the ceiling: GNU tar of the same files written into a TCP socket.
Sections: object size x batch size; output formats (TAR, TGZ, TAR.LZ4,
streaming and multipart); 1, 4 and 16 concurrent clients; cluster and
client pinned to separate cores. Every client is curl, every answer is
checked for order and bytes after the clock stops. Results: JSON, Markdown
tables and (with gnuplot) PNG plots in bench/results/."""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import concurrent.futures as cf

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, quote  # noqa: E402
from clients import (SHM, Pool, check_batch, check_files, digest,  # noqa
                     digest_file, fetch_into_files, fetch_parallel,
                     fetch_sequential, get_batch, tar_ceiling)
from nodes import Nginx, NodeMeter  # noqa: E402


def progress(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def percentile(values, p):
    """Nearest rank: with few runs, p99 is the slowest run."""
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v) + 0.5) - 1))]


class Bench:
    def __init__(self, cluster, files_root, scratch, quick):
        self.cluster, self.files_root = cluster, files_root
        self.scratch, self.quick = scratch, quick
        self.meter = NodeMeter(cluster)
        self.objects = {}

    def upload(self, bucket, count, size, rng):
        if bucket in self.objects:
            return self.objects[bucket]
        assert self.cluster.create_bucket(bucket).status == 200
        objs = {f"o{i:05d}": rng.randbytes(size) for i in range(count)}
        progress(f"uploading {count} x {size} B objects")
        pool = Pool()
        with cf.ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda kv: pool.request(
                "PUT", f"{self.cluster.url}/v1/objects/{bucket}/{kv[0]}",
                kv[1]).read(), objs.items()))
        os.makedirs(os.path.join(self.files_root, bucket))
        for n, d in objs.items():
            with open(os.path.join(self.files_root, bucket, n), "wb") as f:
                f.write(d)
        self.objects[bucket] = objs
        # Let the writeback of the upload finish: a busy disk would make the
        # targets' load advice slow GetBatch down (and only GetBatch).
        os.sync()
        return objs

    def batch_runs(self, bucket, names, runs, mime=".tar", strm=True,
                   clients=1, pin=None):
        """`runs` verified GetBatch rounds of `clients` concurrent requests;
        per-request seconds and TTFBs, and the node meter's reading. A TAR
        stream is the same bytes every time: its first answer is taken apart
        and checked, the timed ones stream into the hash sink and must hash
        alike. Compressed and multipart answers differ from run to run
        (compressor flushes, a random boundary), so each goes to a file."""
        objs = self.objects[bucket]
        req = {"in": [{"objname": n} for n in names], "strm": strm}
        if mime != ".tar":
            req["mime"] = mime
        body_file = os.path.join(self.scratch, "batch.req")
        with open(body_file, "w") as f:
            json.dump(req, f)
        url = f"{self.cluster.url}/v1/ml/moss/{bucket}"
        first = os.path.join(self.scratch, f"batch{mime}")
        remove_files([first])
        # Also warms the designated targets.
        _, _, ctype, _ = get_batch(url, body_file, first, pin)
        check_batch(first, mime, ctype, bucket, names, objs)
        same_bytes = mime == ".tar" and strm
        want = digest_file(first) if same_bytes else None
        outs = [None if same_bytes else os.path.join(
            self.scratch, f"batch{c}{mime}") for c in range(clients)]
        times, ttfbs, walls = [], [], []
        self.meter.start()
        for _ in range(runs):
            remove_files([o for o in outs if o])
            t0 = time.perf_counter()
            with cf.ThreadPoolExecutor(clients) as ex:
                got = list(ex.map(
                    lambda o: get_batch(url, body_file, o, pin), outs))
            walls.append(time.perf_counter() - t0)
            for out, (secs, ttfb, ctype, hashed) in zip(outs, got):
                times.append(secs)
                ttfbs.append(ttfb)
                if out is None:
                    assert hashed == want, \
                        f"a GetBatch answer hashed {hashed}, not {want}"
                else:
                    check_batch(out, mime, ctype, bucket, names, objs)
        usage = self.meter.stop()
        return times, ttfbs, walls, usage

    def gets(self, base, bucket, names, parallel, pin=None):
        """Seconds to GET every object: sequential GETs into the hash sink,
        parallel ones checked by status and length (see fetch_parallel)."""
        objs = self.objects[bucket]
        urls = [f"{base}/{bucket}/{quote(n)}" for n in names]
        out = os.path.join(self.scratch, "gets")
        if parallel > 1:
            return fetch_parallel(urls, out, parallel,
                                  [len(objs[n]) for n in names], pin)
        secs, got = fetch_sequential(urls, out, pin)
        want = digest(objs[n] for n in names)
        assert got == want, f"sequential GETs hashed {got}, not {want}"
        return secs

    def check_gets(self, base, bucket, names):
        """One untimed run of parallel GETs, every body checked."""
        objs = self.objects[bucket]
        out = os.path.join(self.scratch, "gets")
        shutil.rmtree(out, ignore_errors=True)
        fetch_into_files([f"{base}/{bucket}/{quote(n)}" for n in names], out,
                         16)
        check_files(out, [objs[n] for n in names])
        shutil.rmtree(out, ignore_errors=True)

    def ceiling(self, bucket, names, pin_tar=None, pin_client=None):
        root = os.path.join(self.files_root, bucket)
        return min(tar_ceiling(root, names, self.scratch, pin_tar, pin_client)
                   for _ in range(2))


def remove_files(paths):
    """A timed client that writes a file writes one that does not exist
    yet: truncating the last run's answer (1 GB of /dev/shm takes about
    0.25 s here) would be charged to the next run."""
    for path in paths:
        if os.path.exists(path):
            os.remove(path)


def runs_for(batch, size):
    """Timed GetBatch rounds of one grid point: 7 up to 1,000 entries (the
    time-to-first-byte target is at 1,000, and one slow start in 3 runs
    moves a median far on this guest), else 5, or 3 above 64 MB."""
    if batch <= 1000:
        return 7
    return 5 if batch * size <= 64e6 else 3


def grid_point(b, nginx, size, batch, names, runs):
    bucket = f"b{size}"
    times, ttfbs, _, usage = b.batch_runs(bucket, names, runs)
    gb = statistics.median(times)
    sample = names[:min(batch, 2000)]
    scale = batch / len(sample)
    objects_url = f"{b.cluster.url}/v1/objects"
    seq = b.gets(objects_url, bucket, sample, 1) * scale
    par16 = b.gets(objects_url, bucket, sample, 16) * scale
    par64 = b.gets(objects_url, bucket, sample, 64) * scale
    ngx = None
    if nginx:
        b.check_gets(nginx.url, bucket, sample)
        ngx = b.gets(nginx.url, bucket, sample, 64) * scale
    ceil = b.ceiling(bucket, names)
    total_bytes = batch * size * runs
    return {
        "size": size, "batch": batch, "runs": runs,
        "getbatch_s": gb, "p50_s": percentile(times, 50),
        "p99_s": percentile(times, 99),
        "ttfb_ms": statistics.median(ttfbs) * 1000,
        # Every run, for a look at the spread behind the medians.
        "runs_s": times, "ttfb_runs_ms": [t * 1000 for t in ttfbs],
        "entries_per_s": batch / gb, "mb_per_s": batch * size / gb / 1e6,
        "seq_get_s": seq, "par16_get_s": par16, "par64_get_s": par64,
        "nginx64_s": ngx, "tar_ceiling_s": ceil,
        "speedup_vs_seq": seq / gb, "speedup_vs_par16": par16 / gb,
        "speedup_vs_par64": par64 / gb,
        "speedup_vs_nginx64": ngx / gb if ngx else None,
        "pct_of_ceiling": 100 * ceil / gb,
        "dt_peak_rss_mib": usage["dt_peak_rss_kib"] / 1024,
        "cpu_s_per_gb": usage["cpu_s"] / (total_bytes / 1e9),
        "dt_cpu_s_per_gb": usage["dt_cpu_s"] / (total_bytes / 1e9),
    }


def run(args):
    sizes = [1024, 16384, 131072, 1 << 20]
    batches = [16, 100, 1000, 10000]
    if args.quick:
        sizes, batches = [1024, 131072], [16, 100]
    rng = random.Random(1)
    cluster = Cluster(targets=3)
    cluster.start()
    files_root = tempfile.mkdtemp(prefix="moss-bench-files-")
    scratch = tempfile.mkdtemp(prefix="moss-bench-", dir=SHM)
    nginx = None if args.quick or not shutil.which("nginx") else Nginx(
        files_root)
    if not args.quick and nginx is None:
        progress("nginx is not installed (scripts/deps --bench installs it): "
                 "the nginx column stays empty")
    b = Bench(cluster, files_root, scratch, args.quick)
    result = {"grid": [], "formats": [], "clients": [], "pinned": [],
              "memory": []}
    try:
        if nginx:
            nginx.start()
        for size in sizes:
            count = max(batches) if size <= 131072 else 1000
            b.upload(f"b{size}", count, size, rng)
            for batch in batches:
                if batch > count:
                    continue
                names = rng.sample(list(b.objects[f"b{size}"]), batch)
                runs = 2 if args.quick else runs_for(batch, size)
                progress(f"size {size} B, batch {batch}: {runs} runs + "
                         "baselines")
                row = grid_point(b, nginx, size, batch, names, runs)
                result["grid"].append(row)
                progress(f"  {row['mb_per_s']:.0f} MB/s, "
                         f"{row['speedup_vs_seq']:.1f}x sequential, "
                         f"{row['pct_of_ceiling']:.0f}% of tar ceiling")
        formats_and_clients(b, args, rng, result)
        pinned(b, args, rng, result)
        memory(b, args, result)
    finally:
        if nginx:
            nginx.stop()
        cluster.stop()
        shutil.rmtree(files_root, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def formats_and_clients(b, args, rng, result):
    points = [(1024, 100)] if args.quick else [(16384, 1000), (1 << 20, 100)]
    for size, batch in points:
        names = rng.sample(list(b.objects[f"b{size}"]), batch)
        for mime in (".tar", ".tgz", ".tar.lz4"):
            for strm in (True, False):
                progress(f"format {mime} {'streaming' if strm else 'multipart'}"
                         f": {batch} x {size} B")
                times, ttfbs, _, usage = b.batch_runs(
                    f"b{size}", names, 3, mime, strm)
                gb = statistics.median(times)
                result["formats"].append({
                    "size": size, "batch": batch, "mime": mime,
                    "streaming": strm, "getbatch_s": gb,
                    "mb_per_s": batch * size / gb / 1e6,
                    "ttfb_ms": statistics.median(ttfbs) * 1000,
                    "dt_cpu_s_per_gb": usage["dt_cpu_s"]
                    / (3 * batch * size / 1e9)})
    size, batch = (1024, 100) if args.quick else (16384, 1000)
    names = rng.sample(list(b.objects[f"b{size}"]), batch)
    for clients in (1, 4, 16):
        progress(f"{clients} concurrent clients: {batch} x {size} B each")
        times, _, walls, usage = b.batch_runs(f"b{size}", names, 3,
                                              clients=clients)
        wall = statistics.median(walls)
        result["clients"].append({
            "size": size, "batch": batch, "clients": clients,
            "entries_per_s": clients * batch / wall,
            "mb_per_s": clients * batch * size / wall / 1e6,
            "p50_s": percentile(times, 50), "p99_s": percentile(times, 99),
            "dt_peak_rss_mib": usage["dt_peak_rss_kib"] / 1024})


def pinned(b, args, rng, result):
    """The cluster on CPU 0, every client (and tar's reader) on CPU 1."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        progress("pinned runs skipped: needs two CPUs and taskset")
        return
    points = [(1024, 100)] if args.quick else [(1024, 1000), (16384, 1000),
                                               (1 << 20, 100)]
    b.meter.pin("0")
    try:
        for size, batch in points:
            progress(f"pinned: {batch} x {size} B")
            bucket = f"b{size}"
            names = rng.sample(list(b.objects[bucket]), batch)
            times, ttfbs, _, _ = b.batch_runs(bucket, names, 3, pin="1")
            gb = statistics.median(times)
            sample = names[:min(batch, 2000)]
            seq = b.gets(f"{b.cluster.url}/v1/objects", bucket, sample, 1,
                         pin="1") * batch / len(sample)
            ceil = b.ceiling(bucket, names, pin_tar="0", pin_client="1")
            result["pinned"].append({
                "size": size, "batch": batch, "getbatch_s": gb,
                "mb_per_s": batch * size / gb / 1e6,
                "ttfb_ms": statistics.median(ttfbs) * 1000,
                "speedup_vs_seq": seq / gb,
                "pct_of_ceiling": 100 * ceil / gb})
    finally:
        b.meter.pin(None)


def memory(b, args, result):
    """The designated target's peak RSS for batches 10x apart, with every
    object asked for many times (duplicates are allowed): the answers are
    too large to keep, so they stream through `tar -t`, which must list
    every entry, in order. Each batch runs on a cluster started for it (same
    data): glibc keeps what the earlier sections freed, and on such a heap a
    batch's own growth hides."""
    size = 1024 if args.quick else 1 << 20
    counts = (1000, 10000) if args.quick else (10000, 100000)
    bucket = f"b{size}"
    names = list(b.objects[bucket])
    for count in counts:
        progress(f"memory: {count} x {size} B in one batch "
                 f"({count * size / 1e9:.1f} GB)")
        entries = [names[i % len(names)] for i in range(count)]
        body = json.dumps({"in": [{"objname": n} for n in entries],
                           "strm": True}).encode()
        b.cluster.stop(remove=False)
        b.cluster.start()
        b.meter.start()
        secs, listed = stream_through_tar(
            f"{b.cluster.url}/v1/ml/moss/{bucket}", body, b.scratch)
        usage = b.meter.stop()
        assert listed == [f"{bucket}/{n}" for n in entries], \
            "the archive lists other entries or another order"
        result["memory"].append({
            "size": size, "batch": count, "seconds": secs,
            "mb_per_s": count * size / secs / 1e6,
            "dt_rss_before_mib": usage["dt_rss_before_kib"] / 1024,
            "dt_peak_rss_mib": usage["dt_peak_rss_kib"] / 1024})


def stream_through_tar(url, body, scratch):
    body_file = os.path.join(scratch, "memory.req")
    with open(body_file, "wb") as f:
        f.write(body)
    t0 = time.perf_counter()
    curl_cmd = ["curl", "-s", "-S", "--fail-with-body", "-L", "-X", "GET",
                "-H", "Expect:", "--data-binary", "@" + body_file, url]
    with subprocess.Popen(curl_cmd, stdout=subprocess.PIPE) as fetch:
        listing = subprocess.run(["tar", "-t"], stdin=fetch.stdout,
                                 capture_output=True, text=True, check=True)
        fetch.stdout.close()
    assert fetch.returncode == 0, "the GetBatch stream failed"
    return time.perf_counter() - t0, listing.stdout.splitlines()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, correctness only (for the test suite)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__),
                                                  "results"))
    args = ap.parse_args()
    started = time.time()
    result = run(args)
    if args.quick:
        n = sum(len(v) for v in result.values())
        print(f"bench --quick: {n} points, every answer verified")
        return
    from report import write_report
    result["machine"] = {"cpus": os.cpu_count(), "kernel": os.uname().release,
                         "model": cpu_model(), "date": time.strftime("%Y-%m-%d"),
                         "minutes": round((time.time() - started) / 60, 1)}
    write_report(result, args.out)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
