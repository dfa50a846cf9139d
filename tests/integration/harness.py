"""A real moss cluster (1 proxy + N targets as separate processes on
127.0.0.1) for integration tests, plus an HTTP client that behaves like the
AIStore SDK on the wire (follows 307 by re-sending method and body)."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

MOSS = os.environ.get("MOSS_BIN", os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "moss"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body, url):
        self.status, self.headers, self.body, self.url = status, headers, body, url

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


def request(method, url, body=None, headers=None, follow=True, timeout=60):
    """One request; on 307 re-sends the same method and body (max 5 hops)."""
    headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode()  # sent with the headers in one segment
    for _ in range(6):
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                          timeout=timeout)
        path = parts.path + ("?" + parts.query if parts.query else "")
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        if follow and resp.status == 307:
            url = resp.getheader("Location")
            continue
        return Response(resp.status, resp.getheaders(), data, url)
    raise RuntimeError("too many redirects")


def quote(name):
    return urllib.parse.quote(name, safe="")


def unpack_msgpack(data):
    """Decodes the msgpack subset moss emits (maps, arrays, str, ints, nil)."""
    pos = 0

    def take(n):
        nonlocal pos
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    def value():
        b = take(1)[0]
        if b <= 0x7f:
            return b
        if b >= 0xe0:
            return b - 0x100
        if 0x80 <= b <= 0x8f:
            return {value(): value() for _ in range(b & 0x0f)}
        if 0x90 <= b <= 0x9f:
            return [value() for _ in range(b & 0x0f)]
        if 0xa0 <= b <= 0xbf:
            return take(b & 0x1f).decode()
        simple = {0xc0: None, 0xc2: False, 0xc3: True}
        if b in simple:
            return simple[b]
        fmt = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q",
               0xd0: ">b", 0xd1: ">h", 0xd2: ">i", 0xd3: ">q"}
        if b in fmt:
            size = struct.calcsize(fmt[b])
            return struct.unpack(fmt[b], take(size))[0]
        lens = {0xd9: ">B", 0xda: ">H", 0xdb: ">I"}
        if b in lens:
            n = struct.unpack(lens[b], take(struct.calcsize(lens[b])))[0]
            return take(n).decode()
        if b in (0xdc, 0xdd):
            n = struct.unpack(">H" if b == 0xdc else ">I",
                              take(2 if b == 0xdc else 4))[0]
            return [value() for _ in range(n)]
        if b in (0xde, 0xdf):
            n = struct.unpack(">H" if b == 0xde else ">I",
                              take(2 if b == 0xde else 4))[0]
            return {value(): value() for _ in range(n)}
        raise ValueError(f"unsupported msgpack byte 0x{b:02x}")

    result = value()
    assert pos == len(data), "trailing bytes after msgpack value"
    return result


class Node:
    def __init__(self, name, args, log_path):
        self.name, self.args, self.log_path = name, args, log_path
        self.proc = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([MOSS] + self.args, stdout=log,
                                         stderr=subprocess.STDOUT)

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=15)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def memory_kib(self, field="VmHWM"):
        """Peak (VmHWM) or current (VmRSS) resident memory of the node."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)


class Cluster:
    """Starts a proxy and `targets` targets; `overrides` go to every node."""

    def __init__(self, targets=3, overrides=(), keep_dir=None, token=None):
        self.dir = keep_dir or tempfile.mkdtemp(prefix="moss-it-")
        # Sent by the helpers below when the cluster checks tokens.
        self.auth = {"Authorization": f"Bearer {token}"} if token else {}
        self.http_port, self.caf_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        sets = []
        for o in ["log_level=warn", "middleman.heartbeat_interval=500ms",
                  "middleman.connection_timeout=3s", *overrides]:
            sets += ["--set", o]
        self.proxy = Node("proxy", ["proxy", "--data-dir", self.dir + "/proxy",
                                    "--port", str(self.http_port),
                                    "--caf-port", str(self.caf_port)] + sets,
                          self.dir + "/proxy.log")
        self.sets = sets
        self.targets = [self.target_node(i) for i in range(targets)]

    def target_node(self, i):
        return Node(f"target-{i}",
                    ["target", "--proxy", f"127.0.0.1:{self.caf_port}",
                     "--data-dir", f"{self.dir}/target-{i}", "--port", "0"]
                    + self.sets, f"{self.dir}/target-{i}.log")

    def add_target(self):
        """Starts one more target and waits until it is in the map."""
        node = self.target_node(len(self.targets))
        self.targets.append(node)
        node.start()
        return self.wait_for_targets(len(self.targets))

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.print_log_tails()
        self.stop()

    def print_log_tails(self, lines=15):
        """What each node logged last: a failed test shows why."""
        for node in [self.proxy] + self.targets:
            try:
                with open(node.log_path, "rb") as f:
                    tail = f.read().splitlines()[-lines:]
            except OSError:
                continue
            sys.stderr.write(f"--- {node.name} log (last {len(tail)} lines)\n")
            for line in tail:
                sys.stderr.write(line.decode(errors="replace") + "\n")

    def start(self):
        self.proxy.start()
        # Targets pick free ports of their own: once the proxy answers, its
        # inter-node port is taken and no target can land on it.
        self.wait_for_proxy()
        for t in self.targets:
            t.start()
        try:
            self.wait_for_targets(len(self.targets))
        except BaseException:
            # Never leave nodes behind when a test cannot even start.
            self.stop(remove=False)
            raise

    def stop(self, remove=True):
        for n in self.targets + [self.proxy]:
            n.kill(signal.SIGTERM)
        if remove and not os.environ.get("MOSS_KEEP_TEST_DATA"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def wait_for_proxy(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if request("GET", self.url + "/v1/health",
                           timeout=2).status == 200:
                    return
            except OSError:
                pass
            if not self.proxy.running():
                break
            time.sleep(0.05)
        self.stop(remove=False)
        raise TimeoutError(f"the proxy did not start; logs in {self.dir}")

    def smap(self):
        return request("GET", self.url + "/v1/daemon?what=smap", None,
                       self.auth).json()

    def wait_for_targets(self, count, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.smap()
                if len(last["tmap"]) == count:
                    return last
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        raise TimeoutError(f"expected {count} targets, map is {last}; logs in "
                           f"{self.dir}")

    def target_urls(self):
        return {tid: t["public_net"]["direct_url"]
                for tid, t in self.smap()["tmap"].items()}

    def target_id(self, index):
        with open(f"{self.dir}/target-{index}/node_id") as f:
            return f.read().strip()

    # -- object API helpers --------------------------------------------------

    def create_bucket(self, bucket):
        return request("POST", f"{self.url}/v1/buckets/{bucket}?provider=ais",
                       json.dumps({"action": "create-bck", "name": "",
                                   "value": None}),
                       {"Content-Type": "application/json", **self.auth})

    def put(self, bucket, name, data):
        return request("PUT", f"{self.url}/v1/objects/{bucket}/{quote(name)}"
                       "?provider=ais", data,
                       {"Content-Type": "application/json", **self.auth})

    def get(self, bucket, name, **kw):
        kw.setdefault("headers", self.auth)
        return request("GET", f"{self.url}/v1/objects/{bucket}/{quote(name)}"
                       "?provider=ais", **kw)


# -- GetBatch helpers --------------------------------------------------------

import io
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
from hrw_reference import SEED, xoshiro, xxh64  # noqa: E402


def owner_of(smap, bucket, name):
    """The HRW owner of ais://bucket/name, computed independently."""
    digest = xxh64(f"ais/@#/{bucket}/{name}".encode(), SEED)
    best, best_w = None, -1
    for tid in smap["tmap"]:
        w = xoshiro(xxh64(tid.encode(), SEED) ^ digest)
        if w >= best_w:
            best, best_w = tid, w
    return best


def get_batch(base_url, body, bucket=None, query="", follow=True, timeout=120):
    path = "/v1/ml/moss" + (f"/{bucket}" if bucket else "")
    return request("GET", base_url + path + (("?" + query) if query else ""),
                   json.dumps(body), {"Content-Type": "application/json"},
                   follow=follow, timeout=timeout)


def split_multipart(resp):
    """Splits a multipart/mixed body the way the AIStore SDK does."""
    ctype = resp.header("Content-Type")
    assert ctype.startswith("multipart/"), ctype
    boundary = ctype.split("boundary=")[1].encode()
    parts = resp.body.split(b"--" + boundary)
    # ['', part1, part2, '--\r\n']
    assert parts[0] == b"" and parts[-1] == b"--\r\n", parts[-1][:20]
    out = {}
    for part in parts[1:-1]:
        head, _, data = part.partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        out[name] = data[:-2]  # drop the CRLF before the next boundary
    return json.loads(out["metadata"]), out["archive"]


def tar_members(data, mode="r:"):
    """(name, bytes) of every member, with Python's own tar reader."""
    members = []
    with tarfile.open(fileobj=io.BytesIO(data), mode=mode) as tf:
        for m in tf:
            assert m.isfile(), m.name
            members.append((m.name, tf.extractfile(m).read()))
    return members


def metric_sum(cluster, pattern):
    """The values of the metric lines matching `pattern` (one group: the
    value), summed over all targets."""
    total = 0
    for url in cluster.target_urls().values():
        text = request("GET", url + "/metrics").body.decode()
        total += sum(int(n) for n in re.findall(pattern, text, re.M))
    return total


def peer_span_handoffs(cluster):
    """Peer spans handed to a designated target on the same host as open
    descriptors."""
    return metric_sum(cluster, r'^moss_peer_span_handoffs_total\{.*\} (\d+)')


def peer_span_gets(cluster, code="200"):
    """`GET /v1/spans/...` answered with `code`, summed over all targets
    (large entries a designated target collected from their owners)."""
    return metric_sum(cluster, r'^moss_http_requests_total\{.*code="' + code
                      + r'",method="GET",route="/v1/spans"\} (\d+)')
