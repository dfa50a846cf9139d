"""What the benchmark reads from the cluster's processes (CPU time, peak
memory), how it pins them to CPUs, and the nginx baseline server."""

import os
import signal
import socket
import subprocess
import tempfile
import time

from harness import free_port

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_rss_kib(pid):
    return status_kib(pid, "VmHWM")


def resident_kib(pid):
    return status_kib(pid, "VmRSS")


class NodeMeter:
    """CPU seconds of every node between start() and stop(), and the peak
    RSS of the designated target (the target that burnt the most CPU)."""

    def __init__(self, cluster):
        self.cluster = cluster

    def pids(self):
        return [n.proc.pid for n in [self.cluster.proxy] + self.cluster.targets]

    def start(self):
        for pid in self.pids():
            try:
                # "5" resets the peak RSS (VmHWM) to the current RSS.
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass
        self.before = [cpu_seconds(p) for p in self.pids()]
        self.rss_before = [resident_kib(p) for p in self.pids()]

    def stop(self):
        pids = self.pids()
        used = [cpu_seconds(p) - b for p, b in zip(pids, self.before)]
        dt = max(range(1, len(pids)), key=lambda i: used[i])
        return {"cpu_s": sum(used), "dt_cpu_s": used[dt],
                "dt_peak_rss_kib": peak_rss_kib(pids[dt]),
                "dt_rss_before_kib": self.rss_before[dt]}

    def pin(self, cpus):
        """Every thread of every node on `cpus` (None: all CPUs)."""
        cpus = cpus or f"0-{os.cpu_count() - 1}"
        for pid in self.pids():
            subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)],
                           check=True, capture_output=True)


class Nginx:
    """Debian's nginx serving `root` on 127.0.0.1 (keep-alive, sendfile)."""

    def __init__(self, root):
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="moss-bench-nginx-")
        self.proc = None

    def start(self):
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
daemon off;
worker_processes auto;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
{"user root;" if os.getuid() == 0 else ""}
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {self.dir}/body;
  proxy_temp_path {self.dir}/proxy;
  fastcgi_temp_path {self.dir}/fastcgi;
  uwsgi_temp_path {self.dir}/uwsgi;
  scgi_temp_path {self.dir}/scgi;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir],
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        subprocess.run(["rm", "-rf", self.dir])
