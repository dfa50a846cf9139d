#!/usr/bin/env python3
"""moss GetBatch benchmark: one cluster (1 proxy + 3 targets on 127.0.0.1),
the same objects fetched (a) as one GetBatch TAR stream through the proxy,
(b) with sequential GETs through the proxy (307 to the target, keep-alive,
as the AIStore SDK does), (c) with 16 parallel GETs, and (d) the ceiling:
GNU tar of the same files piped into a TCP socket on 127.0.0.1.
Every GetBatch answer is checked for order and bytes. Writes JSON, a
Markdown table and (with gnuplot) a PNG into bench/results/."""

import argparse
import concurrent.futures as cf
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
from harness import Cluster, quote  # noqa: E402


class Pool:
    """Keep-alive connections per host, one set per thread."""

    def __init__(self):
        self.local = threading.local()

    def conn(self, host, port):
        conns = self.local.__dict__.setdefault("c", {})
        key = (host, port)
        if key not in conns:
            c = http.client.HTTPConnection(host, port, timeout=120)
            c.connect()
            # As urllib3 (and so the AIStore SDK) does.
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conns[key] = c
        return conns[key]

    def request(self, method, url, body=None, stream_to=None):
        for _ in range(3):
            p = urllib.parse.urlsplit(url)
            c = self.conn(p.hostname, p.port)
            path = p.path + ("?" + p.query if p.query else "")
            c.request(method, path, body=body)
            r = c.getresponse()
            if r.status == 307:
                r.read()
                url = r.getheader("Location")
                continue
            return r
        raise RuntimeError("redirect loop")


def progress(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def get_batch(pool, url, bucket, names, expected):
    body = json.dumps({"in": [{"objname": n} for n in names],
                       "strm": True}).encode()
    t0 = time.perf_counter()
    r = pool.request("GET", f"{url}/v1/ml/moss/{bucket}", body)
    first = r.read(1)
    ttfb = time.perf_counter() - t0
    data = first + r.read()
    elapsed = time.perf_counter() - t0
    assert r.status == 200, data[:200]
    # Verify order and bytes with an independent reader.
    with tarfile.open(fileobj=__import__("io").BytesIO(data)) as tf:
        members = list(tf)
        assert len(members) == len(names), (len(members), len(names))
        for m, n in zip(members, names):
            assert m.name == f"{bucket}/{n}", (m.name, n)
            assert tf.extractfile(m).read() == expected[n], n
    return elapsed, ttfb, len(data)


def sequential_gets(pool, url, bucket, names, expected):
    t0 = time.perf_counter()
    for n in names:
        r = pool.request("GET", f"{url}/v1/objects/{bucket}/{quote(n)}")
        assert r.read() == expected[n]
    return time.perf_counter() - t0


def parallel_gets(pool, url, bucket, names, expected, workers):
    def one(n):
        r = pool.request("GET", f"{url}/v1/objects/{bucket}/{quote(n)}")
        return r.read() == expected[n]
    t0 = time.perf_counter()
    with cf.ThreadPoolExecutor(workers) as ex:
        assert all(ex.map(one, names))
    return time.perf_counter() - t0


def tar_ceiling(root, names):
    """GNU tar of the files, streamed into a socket on 127.0.0.1."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    got = [0]

    def drain():
        c, _ = srv.accept()
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            got[0] += len(b)
        c.close()
    th = threading.Thread(target=drain)
    th.start()
    listfile = os.path.join(root, "..", "list.txt")
    with open(listfile, "w") as f:
        f.write("\n".join(names) + "\n")
    t0 = time.perf_counter()
    sock = socket.create_connection(("127.0.0.1", port))
    p = subprocess.Popen(["tar", "-c", "-C", root, "-T", listfile],
                         stdout=subprocess.PIPE)
    while True:
        b = p.stdout.read(1 << 20)
        if not b:
            break
        sock.sendall(b)
    p.wait()
    sock.close()
    th.join()
    srv.close()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, correctness only (for the test suite)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__),
                                                  "results"))
    args = ap.parse_args()
    sizes = [1024, 16384, 131072, 1 << 20]
    batches = [16, 100, 1000, 10000]
    if args.quick:
        sizes, batches = [1024, 131072], [16, 100]
    rng = random.Random(1)
    cluster = Cluster(targets=3)
    cluster.start()
    files_root = tempfile.mkdtemp(prefix="moss-bench-files-")
    pool = Pool()
    rows = []
    try:
        for size in sizes:
            bucket = f"b{size}"
            assert cluster.create_bucket(bucket).status == 200
            count = max(batches) if size <= 131072 else 1000
            objs = {f"o{i:05d}": rng.randbytes(size) for i in range(count)}
            progress(f"uploading {count} x {size} B objects")
            os.makedirs(os.path.join(files_root, bucket))
            with cf.ThreadPoolExecutor(8) as ex:
                list(ex.map(lambda kv: pool.request(
                    "PUT", f"{cluster.url}/v1/objects/{bucket}/{kv[0]}",
                    kv[1]).read(), objs.items()))
            for n, d in objs.items():
                with open(os.path.join(files_root, bucket, n), "wb") as f:
                    f.write(d)
            for batch in batches:
                if batch * size > (4 << 30) or batch > count:
                    continue
                names = rng.sample(list(objs), batch)
                progress(f"size {size} B, batch {batch}")
                # Warm every target (coloc=0 spreads batches), then take
                # the median of three verified runs.
                for _ in range(3):
                    get_batch(pool, cluster.url, bucket, names, objs)
                runs = sorted(get_batch(pool, cluster.url, bucket, names, objs)
                              for _ in range(3))
                gb, ttfb, nbytes = runs[1]
                seq_names = names[:min(batch, 2000)]
                seq = sequential_gets(pool, cluster.url, bucket, seq_names,
                                      objs) * batch / len(seq_names)
                par = parallel_gets(pool, cluster.url, bucket, seq_names,
                                    objs, 16) * batch / len(seq_names)
                ceil = tar_ceiling(os.path.join(files_root, bucket), names)
                row = {
                    "size": size, "batch": batch,
                    "getbatch_s": gb, "ttfb_ms": ttfb * 1000,
                    "entries_per_s": batch / gb,
                    "mb_per_s": batch * size / gb / 1e6,
                    "seq_get_s": seq, "par16_get_s": par, "tar_ceiling_s": ceil,
                    "speedup_vs_seq": seq / gb, "speedup_vs_par16": par / gb,
                    "pct_of_ceiling": 100 * ceil / gb,
                }
                rows.append(row)
                progress(f"  getbatch {gb*1000:.1f} ms ({row['speedup_vs_seq']:.1f}x "
                         f"sequential, {row['speedup_vs_par16']:.1f}x 16 parallel, "
                         f"{row['pct_of_ceiling']:.0f}% of tar ceiling)")
    finally:
        cluster.stop()
        shutil.rmtree(files_root, ignore_errors=True)
    if args.quick:
        print(f"bench --quick: {len(rows)} points, every batch verified")
        return
    os.makedirs(args.out, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "kernel": os.uname().release,
               "date": time.strftime("%Y-%m-%d")}
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump({"machine": machine, "rows": rows}, f, indent=1)
    lines = ["| object | batch | GetBatch | entries/s | MB/s | TTFB ms | "
             "x sequential GET | x 16 parallel GET | % of tar ceiling |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['size'] // 1024} KiB | {r['batch']} | "
                     f"{r['getbatch_s']*1000:.1f} ms | {r['entries_per_s']:.0f} | "
                     f"{r['mb_per_s']:.0f} | {r['ttfb_ms']:.1f} | "
                     f"{r['speedup_vs_seq']:.1f} | {r['speedup_vs_par16']:.1f} | "
                     f"{r['pct_of_ceiling']:.0f} |")
    table = "\n".join(lines)
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write(f"Machine: {machine}\n\n{table}\n")
    print(table)
    if shutil.which("gnuplot"):
        dat = os.path.join(args.out, "speedup.dat")
        with open(dat, "w") as f:
            for size in sorted({r["size"] for r in rows}):
                f.write(f'"{size // 1024} KiB"\n')
                for r in rows:
                    if r["size"] == size:
                        f.write(f"{r['batch']} {r['speedup_vs_seq']:.2f}\n")
                f.write("\n\n")
        png = os.path.join(args.out, "speedup.png")
        subprocess.run(["gnuplot", "-e", f"""
            set terminal pngcairo size 800,500; set output '{png}';
            set logscale x; set xlabel 'entries per batch';
            set ylabel 'speedup over sequential GETs'; set key left top;
            set title 'moss GetBatch vs sequential GETs (same objects, one run)';
            plot for [i=0:*] '{dat}' index i using 1:2 with linespoints
                 title columnheader(1)"""], check=True)
        progress(f"plot: {png}")


if __name__ == "__main__":
    main()
