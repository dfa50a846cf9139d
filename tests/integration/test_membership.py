"""Adding a target to a running cluster: objects it now owns by HRW are
still found (GET, HEAD, GetBatch in both modes) while they sit on their
previous owner, deletes and overwrites made meanwhile stick, and
`moss rebalance` moves everything to its owner, with progress."""

import json
import os
import subprocess
import time
import unittest
import urllib.parse

from harness import (MOSS, Cluster, get_batch, owner_of, request,
                     split_multipart, tar_members)


def quote_name(name):
    return urllib.parse.quote(name, safe="")


def stored_names(target_dir):
    """Object names stored under a target's data dir (bucket 'm')."""
    names = set()
    for dirpath, _, files in os.walk(target_dir):
        marker = os.path.join("@ais", "m", "%ob")
        if marker not in dirpath:
            continue
        base = dirpath.split(marker, 1)[1].lstrip("/")
        for f in files:
            names.add(os.path.join(base, f) if base else f)
    return names


class MembershipTest(unittest.TestCase):
    def test_a_new_target_finds_what_it_owns_until_rebalance_moves_it(self):
        with Cluster(targets=2) as c:
            self.assertEqual(c.create_bucket("m").status, 200)
            data = {f"obj/{i:04d}": os.urandom(100 + i) for i in range(300)}
            for n, d in data.items():
                self.assertEqual(c.put("m", n, d).status, 200)

            smap = c.add_target()
            new_id = c.target_id(2)
            self.assertIn(new_id, smap["tmap"])
            moved = [n for n in data if owner_of(smap, "m", n) == new_id]
            self.assertGreater(len(moved), 30, "HRW gives the newcomer a share")
            self.assertEqual(stored_names(f"{c.dir}/target-2"), set())

            # Every object is still found, through the proxy.
            for n in moved[:40]:
                r = c.get("m", n)
                self.assertEqual(r.status, 200, n)
                self.assertEqual(r.body, data[n])
            r = request("HEAD", f"{c.url}/v1/objects/m/{moved[0]}")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Ais-Size"), str(len(data[moved[0]])))
            names = sorted(data, reverse=True)
            for strm in (True, False):
                r = get_batch(c.url, {"in": [{"objname": n} for n in names],
                                      "strm": strm}, bucket="m")
                self.assertEqual(r.status, 200, r.body[:300])
                archive = r.body if strm else split_multipart(r)[1]
                self.assertEqual(tar_members(archive),
                                 [(f"m/{n}", data[n]) for n in names])
            # A genuinely missing object is still a clean 404.
            self.assertEqual(c.get("m", "obj/none").status, 404)

            # Meanwhile: one object deleted, one overwritten at its owner.
            gone, newer = moved[0], moved[1]
            self.assertEqual(request("DELETE", f"{c.url}/v1/objects/m/{gone}")
                             .status, 200)
            self.assertEqual(c.get("m", gone).status, 404)
            data[newer] = b"written after the target joined"
            self.assertEqual(c.put("m", newer, data[newer]).status, 200)
            del data[gone]

            out = subprocess.run([MOSS, "rebalance", "--endpoint", c.url],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("rebalance started on 3 target(s)", out.stderr)
            self.assertRegex(out.stdout, rf"{len(moved) - 2} moved")
            self.assertIn("1 already newer at their owner", out.stdout)

            # Everything now lives on its owner, and only there.
            smap = c.smap()
            for i in range(3):
                tid = c.target_id(i)
                owned = {n for n in data if owner_of(smap, "m", n) == tid}
                self.assertEqual(stored_names(f"{c.dir}/target-{i}"), owned,
                                 f"target {i}")
            for n, d in data.items():
                r = c.get("m", n)
                self.assertEqual((r.status, r.body), (200, d), n)
            self.assertEqual(c.get("m", gone).status, 404,
                             "a deleted object stays deleted")
            progress = request("GET", f"{c.url}/v1/cluster/rebalance").json()
            self.assertEqual(len(progress["targets"]), 3)
            self.assertFalse(any(t["progress"]["running"]
                                 for t in progress["targets"]))

            # A second pass finds nothing to move.
            out = subprocess.run([MOSS, "rebalance", "--endpoint", c.url],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn(" 0 moved", out.stdout)

    def test_decommission_moves_objects_off_then_removes_the_target(self):
        with Cluster(targets=3) as c:
            self.assertEqual(c.create_bucket("m").status, 200)
            data = {f"obj/{i:04d}": os.urandom(64 + i) for i in range(200)}
            for n, d in data.items():
                self.assertEqual(c.put("m", n, d).status, 200)
            leaving = c.target_id(2)
            held = stored_names(f"{c.dir}/target-2")
            self.assertGreater(len(held), 20)

            # Removing before the objects moved off is refused.
            r = request("POST", f"{c.url}/v1/cluster/remove?node={leaving}")
            self.assertEqual(r.status, 409)
            self.assertIn("not leaving", json.loads(r.body)["message"])

            out = subprocess.run([MOSS, "target", "decommission", leaving,
                                  "--endpoint", c.url],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("out of placement", out.stderr)
            self.assertIn(f"{len(held)} moved", out.stdout)
            self.assertIn(f"target {leaving} is decommissioned", out.stdout)

            smap = c.smap()
            self.assertNotIn(leaving, smap["tmap"])
            self.assertEqual(smap["leaving"], {})
            proc = c.targets[2].proc
            self.assertEqual(proc.wait(timeout=15), 3, "it stops by itself")
            self.assertEqual(stored_names(f"{c.dir}/target-2"), set())
            for n, d in data.items():
                r = c.get("m", n)
                self.assertEqual((r.status, r.body), (200, d), n)
            names = sorted(data)
            r = get_batch(c.url, {"in": [{"objname": n} for n in names],
                                  "strm": True}, bucket="m")
            self.assertEqual(tar_members(r.body),
                             [(f"m/{n}", data[n]) for n in names])

            # It does not come back by itself.
            c.targets[2].start()
            self.assertEqual(c.targets[2].proc.wait(timeout=15), 3)
            with open(c.targets[2].log_path) as f:
                self.assertIn("was decommissioned", f.read())

            # Nor can the cluster lose its last target this way.
            out = subprocess.run([MOSS, "target", "decommission", "nope",
                                  "--endpoint", c.url],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 1)
            self.assertIn("no target nope", out.stderr)
            self.assertEqual(request(
                "POST", f"{c.url}/v1/cluster/decommission?node="
                f"{c.target_id(1)}").status, 200)
            r = request("POST", f"{c.url}/v1/cluster/decommission?node="
                        f"{c.target_id(0)}")
            self.assertEqual(r.status, 409)
            self.assertIn("last target", json.loads(r.body)["message"])
            r = request("POST", f"{c.url}/v1/cluster/remove?node="
                        f"{c.target_id(1)}")
            self.assertEqual(r.status, 409, "no pass since it left")
            self.assertIn("still holds objects", json.loads(r.body)["message"])

    def test_targets_join_only_with_the_clusters_token(self):
        with Cluster(targets=2,
                     overrides=["middleman.join_token=open-sesame"]) as c:
            self.assertEqual(len(c.smap()["tmap"]), 2)
            intruder = c.target_node(2)
            intruder.args += ["--set", "middleman.join_token=guess"]
            c.targets.append(intruder)  # stopped with the cluster
            intruder.start()
            time.sleep(3)
            self.assertEqual(len(c.smap()["tmap"]), 2)
            with open(intruder.log_path) as f:
                self.assertIn("join_token does not match", f.read())
            with open(c.proxy.log_path) as f:
                self.assertIn("wrong middleman.join_token", f.read())

    def test_with_a_join_token_internal_requests_must_be_signed(self):
        with Cluster(targets=2,
                     overrides=["middleman.join_token=open-sesame"]) as c:
            self.assertEqual(c.create_bucket("m").status, 200)
            data = {f"k{i:03d}": os.urandom(200) for i in range(120)}
            for n, d in data.items():
                self.assertEqual(c.put("m", n, d).status, 200)
            smap = c.add_target()
            new_id = c.target_id(2)
            moved = [n for n in data if owner_of(smap, "m", n) == new_id]
            self.assertTrue(moved)
            name = moved[0]
            owner_url = smap["tmap"][new_id]["public_net"]["direct_url"]
            # The owner hands the client a signed redirect to the holder.
            r = request("GET", f"{owner_url}/v1/objects/m/{name}",
                        follow=False)
            self.assertEqual(r.status, 307)
            location = r.header("Location")
            self.assertIn("moss_sig=", location)
            self.assertEqual(request("GET", location).body, data[name])
            holder = location.split("/v1/")[0]
            plain = f"{holder}/v1/objects/m/{name}?moss_local=1"
            forged = location.replace("moss_sig=", "moss_sig=0")
            other = location.replace(quote_name(name), quote_name(moved[1]))
            for url in (plain, forged, other):
                r = request("GET", url, follow=False)
                self.assertEqual(r.status, 403, url)
                self.assertIn("signature", json.loads(r.body)["message"])
            r = request("DELETE", plain)
            self.assertEqual(r.status, 403)
            self.assertEqual(c.get("m", name).body, data[name])
            # Deletes through the cluster still reach the stale copy.
            self.assertEqual(request("DELETE", f"{c.url}/v1/objects/m/{name}")
                             .status, 200)
            self.assertEqual(c.get("m", name).status, 404)
            for n in moved[1:10]:
                self.assertEqual(c.get("m", n).body, data[n])

    def test_local_copies_are_not_writable_through_the_internal_flag(self):
        with Cluster(targets=2) as c:
            self.assertEqual(c.create_bucket("m").status, 200)
            url = next(iter(c.target_urls().values()))
            r = request("PUT", f"{url}/v1/objects/m/x?moss_local=1", b"x",
                        follow=False)
            self.assertEqual(r.status, 400)
            self.assertIn("moss_local", json.loads(r.body)["message"])
            r = request("PUT", f"{c.url}/v1/objects/m/y", b"1")
            self.assertEqual(r.status, 200)
            r = request("PUT", f"{c.url}/v1/objects/m/y", b"2",
                        {"If-None-Match": "*"})
            self.assertEqual(r.status, 412)
            self.assertEqual(c.get("m", "y").body, b"1")


if __name__ == "__main__":
    unittest.main()
