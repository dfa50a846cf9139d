"""The benchmark's clients: curl (a C client, so that the numbers measure the
server, not Python) for every timed transfer, and a keep-alive Python pool
for uploads. A timed answer streams into moss_hash_sink (bench/hash_sink.cpp),
whose hash is compared with the hash of the bytes expected; an answer that
must be taken apart to be checked (a batch's first run, compressed or
multipart outputs, whose bytes differ from run to run) goes to a file in
/dev/shm and is checked after the clock stops."""

import http.client
import io
import os
import re
import socket
import subprocess
import tarfile
import threading
import time
import urllib.parse

SHM = "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"
SINK = os.environ.get("MOSS_HASH_SINK", os.path.join(
    os.path.dirname(__file__), "..", "build", "bench", "moss_hash_sink"))


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

    def request(self, method, url, body=None):
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


def pinned(cmd, pin):
    """`cmd` on the CPUs in `pin` (a taskset list), or anywhere."""
    return cmd if pin is None else ["taskset", "-c", pin] + cmd


CURL = ["curl", "-s", "-S", "--fail-with-body"]


def curl(args, pin=None):
    """Runs curl; returns its stdout."""
    out = subprocess.run(pinned(CURL + args, pin), capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"curl failed ({out.returncode}): {out.stderr}")
    return out.stdout


def curl_into_sink(args, write_out="", pin=None):
    """Runs curl with its output piped into the hash sink; returns (what
    curl's `write_out` printed, the sink's "<hash> <bytes>")."""
    fetch = subprocess.Popen(
        pinned(CURL + args + ["-w", "%{stderr}" + write_out], pin),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sink = subprocess.run(pinned([SINK], pin), stdin=fetch.stdout,
                          capture_output=True, text=True)
    fetch.stdout.close()
    err = fetch.stderr.read().decode(errors="replace")
    fetch.stderr.close()
    if fetch.wait() != 0 or sink.returncode != 0:
        raise RuntimeError(f"curl failed ({fetch.returncode}): {err}"
                           f"{sink.stderr}")
    return err, sink.stdout.strip()


def digest(chunks):
    """The hash sink's reading of these bytes, one chunk after another."""
    with subprocess.Popen([SINK], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as sink:
        for chunk in chunks:
            sink.stdin.write(chunk)
        sink.stdin.close()
        out = sink.stdout.read().decode().strip()
    assert sink.returncode == 0, "moss_hash_sink failed"
    return out


def digest_file(path):
    with open(path, "rb") as f:
        out = subprocess.run([SINK], stdin=f, capture_output=True, check=True)
    return out.stdout.decode().strip()


def get_batch(url, body_file, out=None, pin=None):
    """One GetBatch as AIStore clients do it: the proxy answers 307, the
    client sends the same body to the designated target. The answer goes to
    the file `out`, or into the hash sink when `out` is None. Returns
    (seconds, seconds to the first byte of the answer (its status line,
    which a strict batch sends once every entry is found), Content-Type,
    the sink's digest or None), both hops counted."""
    # No "Expect: 100-continue": it would add a round trip, and its interim
    # answer would count as the first byte.
    send = ["-X", "GET", "-H", "Expect:", "--data-binary", "@" + body_file]
    w = curl(send + ["-o", "/dev/null", "-w",
                     "%{http_code} %{time_total} %{redirect_url}", url], pin)
    code, redirect_s, location = w.split(" ", 2)
    assert code == "307", f"the proxy answered {code}, not 307"
    timing = "%{time_total} %{time_starttransfer} %{content_type}"
    if out is None:
        w, got = curl_into_sink(send + [location], timing, pin)
    else:
        w, got = curl(send + ["-o", out, "-w", timing, location], pin), None
    total, ttfb, ctype = w.split(" ", 2)
    return (float(redirect_s) + float(total),
            float(redirect_s) + float(ttfb), ctype, got)


def url_config(urls, out_dir, outputs):
    """A curl config naming every URL (keep-alive: one curl for all), each
    body into out_dir/<index> (`outputs` "files"), /dev/null ("null") or
    standard output (None)."""
    os.makedirs(out_dir, exist_ok=True)
    cfg = os.path.join(out_dir, "urls.cfg")
    with open(cfg, "w") as f:
        for i, u in enumerate(urls):
            f.write(f'url = "{u}"\n')
            if outputs is not None:
                path = f"{out_dir}/{i}" if outputs == "files" else "/dev/null"
                f.write(f'output = "{path}"\n')
    return cfg


def fetch_into_files(urls, out_dir, parallel=1, pin=None):
    """GETs every URL, `parallel` at a time, each body into out_dir/<index>
    (for the untimed run whose bytes are checked one by one)."""
    args = ["-L", "-K", url_config(urls, out_dir, "files")]
    if parallel > 1:
        args += ["-Z", "--parallel-max", str(parallel)]
    curl(args, pin)


def fetch_sequential(urls, out_dir, pin=None):
    """GETs every URL in order over one keep-alive connection (per host),
    the bodies one after another into the hash sink; returns (seconds,
    the sink's digest)."""
    args = ["-L", "-K", url_config(urls, out_dir, None)]
    t0 = time.perf_counter()
    _, got = curl_into_sink(args, pin=pin)
    return time.perf_counter() - t0, got


def fetch_parallel(urls, out_dir, parallel, sizes, pin=None):
    """GETs every URL over `parallel` connections; returns seconds. The
    bodies of parallel transfers cannot share one stream, and a file per
    body would cost more than the transfer, so they go to /dev/null and
    each transfer's status and length are checked (the bytes were checked
    in a run into files)."""
    args = ["-L", "-K", url_config(urls, out_dir, "null"), "-Z",
            "--parallel-max", str(parallel),
            "-w", "%{http_code} %{size_download}\n"]
    t0 = time.perf_counter()
    w = curl(args, pin)
    secs = time.perf_counter() - t0
    # Parallel transfers finish in any order, and -L reports the owner's
    # URL: compare the statuses and lengths as sets.
    got = sorted(tuple(line.split()) for line in w.splitlines())
    want = sorted(("200", str(n)) for n in sizes)
    assert got == want, f"{parallel} parallel GETs: other statuses or sizes"
    return secs


def check_files(out_dir, expected):
    for i, want in enumerate(expected):
        with open(os.path.join(out_dir, str(i)), "rb") as f:
            assert f.read() == want, f"GET {i} returned other bytes"


def open_archive(path, mime, ctype):
    """The TAR inside a GetBatch answer (decompressed, multipart split)."""
    with open(path, "rb") as f:
        data = f.read()
    if ctype.startswith("multipart/"):
        boundary = re.search(r'boundary="?([^";]+)', ctype).group(1).encode()
        parts = data.split(b"--" + boundary)
        archive = [p for p in parts if b'name="archive"' in p[:300]]
        assert archive, "multipart answer without an archive part"
        data = archive[0].split(b"\r\n\r\n", 1)[1][:-2]
    if mime == ".tar.lz4":
        data = subprocess.run(["lz4", "-dc"], input=data, capture_output=True,
                              check=True).stdout
    mode = "r:gz" if mime == ".tgz" else "r:"
    return tarfile.open(fileobj=io.BytesIO(data), mode=mode)


def check_batch(path, mime, ctype, bucket, names, expected):
    """Every entry present, in the requested order, byte-exact."""
    with open_archive(path, mime, ctype) as tf:
        members = list(tf)
        assert len(members) == len(names), (len(members), len(names))
        for m, n in zip(members, names):
            assert m.name == f"{bucket}/{n}", (m.name, n)
            assert tf.extractfile(m).read() == expected[n], n


def tar_ceiling(root, names, scratch, pin_tar=None, pin_client=None):
    """Seconds for GNU tar of the files, written straight into a TCP socket
    on 127.0.0.1 behind a bare HTTP answer head, read by the client of the
    timed GetBatch (curl into the hash sink), as curl counts them."""
    listfile = os.path.join(scratch, "ceiling.list")
    with open(listfile, "w") as f:
        f.write("\n".join(names) + "\n")
    tar = pinned(["tar", "-c", "-C", root, "-T", listfile], pin_tar)
    failed = []

    def serve(srv):
        try:
            conn, _ = srv.accept()
        except OSError as e:  # curl never came: the timeout below
            failed.append(f"no client ({e})")
            return
        with conn:
            conn.settimeout(60)
            head = b""
            while b"\r\n\r\n" not in head:
                got = conn.recv(4096)
                if not got:
                    failed.append("the client left before its request")
                    return
                head += got
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            # tar writes to the descriptor itself: blocking again.
            conn.settimeout(None)
            if subprocess.run(tar, stdout=conn).returncode != 0:
                failed.append("tar")

    with socket.create_server(("127.0.0.1", 0)) as srv:
        # Bounds the wait of the serving thread when curl fails to start.
        srv.settimeout(60)
        server = threading.Thread(target=serve, args=(srv,))
        server.start()
        try:
            w, _ = curl_into_sink([f"http://127.0.0.1:{srv.getsockname()[1]}/"],
                                  "%{time_total}", pin_client)
        finally:
            server.join()
    assert not failed, f"the ceiling run failed: {failed}"
    return float(w)
