"""The benchmark's clients: curl (a C client, so that the numbers measure the
server, not Python) for every timed transfer, each answer written to a file
in /dev/shm and checked after the clock stops; and a keep-alive Python pool
for uploads."""

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


def curl(args, pin=None):
    """Runs curl; returns its stdout. `pin`: a CPU list for taskset."""
    cmd = ["curl", "-s", "-S", "--fail-with-body"] + args
    if pin is not None:
        cmd = ["taskset", "-c", pin] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"curl failed ({out.returncode}): {out.stderr}")
    return out.stdout


def get_batch(url, body, out, pin=None):
    """One GetBatch as AIStore clients do it: the proxy answers 307, the
    client sends the same body to the designated target. Returns (seconds,
    seconds to the first archive byte, Content-Type), both hops counted."""
    body_file = out + ".req"
    with open(body_file, "wb") as f:
        f.write(body)
    # No "Expect: 100-continue": it would add a round trip, and its interim
    # answer would count as the first byte.
    send = ["-X", "GET", "-H", "Expect:", "--data-binary", "@" + body_file]
    w = curl(send + ["-o", "/dev/null", "-w",
                     "%{http_code} %{time_total} %{redirect_url}", url], pin)
    code, redirect_s, location = w.split(" ", 2)
    assert code == "307", f"the proxy answered {code}, not 307"
    w = curl(send + ["-o", out, "-w",
                     "%{time_total} %{time_starttransfer} %{content_type}",
                     location], pin)
    total, ttfb, ctype = w.split(" ", 2)
    return (float(redirect_s) + float(total),
            float(redirect_s) + float(ttfb), ctype)


def fetch_many(urls, out_dir, parallel=1, pin=None):
    """GETs every URL with one curl (keep-alive; `parallel` > 1 uses that
    many connections); each body goes to out_dir/<index>."""
    os.makedirs(out_dir, exist_ok=True)
    cfg = os.path.join(out_dir, "urls.cfg")
    with open(cfg, "w") as f:
        for i, u in enumerate(urls):
            f.write(f'url = "{u}"\noutput = "{out_dir}/{i}"\n')
    args = ["-L", "-K", cfg]
    if parallel > 1:
        args += ["-Z", "--parallel-max", str(parallel)]
    t0 = time.perf_counter()
    curl(args, pin)
    return time.perf_counter() - t0


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


def tar_ceiling(root, names, out, pin_tar=None, pin_sink=None):
    """GNU tar of the files, written straight into a TCP socket on
    127.0.0.1 whose reader writes to `out` (the same sink as curl's)."""
    listfile = out + ".list"
    with open(listfile, "w") as f:
        f.write("\n".join(names) + "\n")
    with socket.create_server(("127.0.0.1", 0)) as srv:
        sink = ["python3", "-c",
                "import socket,sys\n"
                "s=socket.create_connection(('127.0.0.1',int(sys.argv[1])))\n"
                "f=open(sys.argv[2],'wb')\n"
                "while b:=s.recv(1<<20): f.write(b)\n",
                str(srv.getsockname()[1]), out]
        tar = ["tar", "-c", "-C", root, "-T", listfile]
        if pin_sink is not None:
            sink = ["taskset", "-c", pin_sink] + sink
        if pin_tar is not None:
            tar = ["taskset", "-c", pin_tar] + tar
        reader = subprocess.Popen(sink)
        conn, _ = srv.accept()
        t0 = time.perf_counter()
        with conn:
            subprocess.run(tar, stdout=conn, check=True)
        reader.wait()
        return time.perf_counter() - t0
