"""Real separate hosts on one machine: four network namespaces joined by veth
pairs to a bridge (in a fifth, "switch" namespace, so the machine's own
network is untouched). The proxy runs in one, a target in each of the
others, each bound only to its own address; a GetBatch whose entries live on
every target goes through the proxy. A second run adds 2 ms of `tc netem`
delay on every link. Needs root (network namespaces); skipped otherwise."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import MOSS

HERE = os.path.dirname(os.path.abspath(__file__))
SUBNET = "10.77.0"


def sh(*args, check=True):
    return subprocess.run(list(args), capture_output=True, text=True,
                          check=check, timeout=30)


def netns_available():
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    name = f"mossprobe{os.getpid()}"
    ok = sh("ip", "netns", "add", name, check=False).returncode == 0
    if ok:
        sh("ip", "netns", "del", name, check=False)
    return ok


class Hosts:
    """The switch namespace with a bridge, and one namespace per host."""

    def __init__(self, count):
        tag = f"{os.getpid() % 100000}"
        self.switch = f"mosssw{tag}"
        self.hosts = [f"mossh{tag}n{i}" for i in range(count)]
        self.addrs = [f"{SUBNET}.{i + 1}" for i in range(count)]

    def __enter__(self):
        try:
            sh("ip", "netns", "add", self.switch)
            sw = ["ip", "netns", "exec", self.switch]
            sh(*sw, "ip", "link", "add", "br0", "type", "bridge")
            sh(*sw, "ip", "link", "set", "br0", "up")
            for i, (ns, addr) in enumerate(zip(self.hosts, self.addrs)):
                sh("ip", "netns", "add", ns)
                sh("ip", "link", "add", f"mh{i}a", "type", "veth", "peer",
                   "name", f"mh{i}b")
                sh("ip", "link", "set", f"mh{i}a", "netns", ns)
                sh("ip", "link", "set", f"mh{i}b", "netns", self.switch)
                sh(*sw, "ip", "link", "set", f"mh{i}b", "master", "br0")
                sh(*sw, "ip", "link", "set", f"mh{i}b", "up")
                inside = ["ip", "netns", "exec", ns]
                sh(*inside, "ip", "addr", "add", f"{addr}/24", "dev", f"mh{i}a")
                sh(*inside, "ip", "link", "set", f"mh{i}a", "up")
                sh(*inside, "ip", "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for ns in self.hosts + [self.switch]:
            sh("ip", "netns", "del", ns, check=False)

    def exec_args(self, i):
        return ["ip", "netns", "exec", self.hosts[i]]

    def delay(self, ms):
        """Adds `ms` of delay to every host's link; False if this kernel
        has no netem queueing discipline."""
        for i in range(len(self.hosts)):
            r = sh(*self.exec_args(i), "tc", "qdisc", "replace", "dev",
                   f"mh{i}a", "root", "netem", "delay", f"{ms}ms", check=False)
            if r.returncode != 0:
                return False
        return True


@unittest.skipUnless(netns_available(),
                     "needs root and network namespaces (ip netns add)")
class MultiHostTest(unittest.TestCase):
    def start(self, hosts, data_dir):
        logs = []
        procs = []
        sets = ["--set", "log_level=warn",
                "--set", "middleman.heartbeat_interval=500ms"]
        proxy = f"{hosts.addrs[0]}"
        log = open(os.path.join(data_dir, "proxy.log"), "wb")
        logs.append(log)
        procs.append(subprocess.Popen(
            hosts.exec_args(0) + [MOSS, "proxy", "--host", proxy,
                                  "--port", "51080", "--caf-port", "51081",
                                  "--data-dir", f"{data_dir}/proxy", *sets],
            stdout=log, stderr=subprocess.STDOUT))
        for i in range(1, len(hosts.hosts)):
            log = open(os.path.join(data_dir, f"target{i}.log"), "wb")
            logs.append(log)
            # The last target binds every address and advertises its own,
            # as a node behind NAT or in a container would.
            bind = (["--host", hosts.addrs[i]] if i < len(hosts.hosts) - 1
                    else ["--host", "0.0.0.0",
                          "--advertise-host", hosts.addrs[i]])
            procs.append(subprocess.Popen(
                hosts.exec_args(i) + [
                    MOSS, "target", "--proxy", f"{proxy}:51081", *bind,
                    "--port", "51090", "--data-dir", f"{data_dir}/t{i}",
                    *sets],
                stdout=log, stderr=subprocess.STDOUT))
        return procs, logs

    def client(self, hosts, count, size):
        out = subprocess.run(
            hosts.exec_args(0) + [sys.executable,
                                  os.path.join(HERE, "netns_client.py"),
                                  f"http://{hosts.addrs[0]}:51080",
                                  str(count), str(size)],
            capture_output=True, text=True, timeout=300, cwd=HERE)
        self.assertEqual(out.returncode, 0, out.stderr[-3000:])
        return json.loads(out.stdout)

    def wait_for_targets(self, hosts, count):
        deadline = time.time() + 30
        while time.time() < deadline:
            out = subprocess.run(
                hosts.exec_args(0) + [MOSS, "show", "cluster",
                                      f"http://{hosts.addrs[0]}:51080"],
                capture_output=True, text=True, timeout=30)
            if out.stdout.count("target ") >= count:
                return out.stdout
            time.sleep(0.2)
        raise AssertionError("targets did not join: " + out.stdout
                             + out.stderr)

    def run_hosts(self, check):
        data_dir = tempfile.mkdtemp(prefix="moss-mh-")
        procs, logs = [], []
        try:
            with Hosts(4) as hosts:
                procs, logs = self.start(hosts, data_dir)
                shown = self.wait_for_targets(hosts, 3)
                for addr in hosts.addrs[1:]:
                    self.assertIn(f"http://{addr}:51090", shown)
                check(hosts)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
            for log in logs:
                log.close()
            if not os.environ.get("MOSS_KEEP_TEST_DATA"):
                shutil.rmtree(data_dir, ignore_errors=True)

    def test_getbatch_across_hosts(self):
        def check(hosts):
            result = self.client(hosts, 300, 4096)
            self.assertEqual(result["targets"], 3)
            self.assertEqual(len(result["owners"]), 3,
                             "entries live on every target")
            self.assertEqual(result["target_urls"],
                             [f"http://{a}:51090" for a in hosts.addrs[1:]])
            # Large entries from other hosts: spans over HTTP (sendfile
            # there: the peers are not on loopback), never handed over.
            self.assertGreater(result["span_gets"], 0)
            self.assertEqual(result["span_handoffs"], 0)
            # Each target is bound to its own address only.
            r = subprocess.run(
                hosts.exec_args(1) + [sys.executable, "-c",
                                      "import socket; socket.create_"
                                      "connection(('127.0.0.1', 51090), 2)"],
                capture_output=True, text=True, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            print(f"\nmulti-host, 300 x 4 KiB: GetBatch "
                  f"{result['batch_s']:.3f} s, sequential GETs "
                  f"{result['gets_s']:.3f} s", file=sys.stderr)

        self.run_hosts(check)

    def test_getbatch_across_hosts_with_2ms_links(self):
        def check(hosts):
            if not hosts.delay(2):
                self.skipTest("this kernel has no netem queueing discipline "
                              "(tc qdisc ... netem: unknown kind)")
            result = self.client(hosts, 300, 4096)
            print(f"\nmulti-host with 2 ms netem on every link, 300 x 4 KiB: "
                  f"GetBatch {result['batch_s']:.3f} s, sequential GETs "
                  f"{result['gets_s']:.3f} s", file=sys.stderr)
            # A round trip costs >= 4 ms (2 ms each way on two links):
            # per-object GETs pay it per object (twice, with the 307),
            # GetBatch about once per group of entries.
            self.assertGreater(result["gets_s"], 300 * 0.004)
            self.assertLess(result["batch_s"], result["gets_s"] / 5)

        self.run_hosts(check)


if __name__ == "__main__":
    unittest.main()
