"""The client side of the multi-host test, run inside the proxy's network
namespace: fills a bucket, checks that every target owns some of it, runs
GetBatch through the proxy (byte-exact, in order) and times it against
sequential GETs. Prints one JSON object."""

import json
import os
import sys
import time

from harness import (get_batch, owner_of, peer_span_gets, peer_span_handoffs,
                     quote, request, split_multipart, tar_members)


class Targets:
    """The targets of the smap, as the harness's metric helpers take them."""

    def __init__(self, smap):
        self.smap = smap

    def target_urls(self):
        return {i: t["public_net"]["direct_url"]
                for i, t in self.smap["tmap"].items()}


def large_batch(proxy, smap):
    """Objects large enough to travel as peer spans: between hosts they
    cannot be handed over as descriptors, so they come over HTTP."""
    data = {f"big{i}": os.urandom(600_000 + i) for i in range(9)}
    for name, body in data.items():
        r = request("PUT", f"{proxy}/v1/objects/mh/{quote(name)}", body)
        assert r.status == 200, (name, r.status, r.body[:200])
    targets = Targets(smap)
    before = peer_span_gets(targets)
    names = sorted(data)
    r = get_batch(proxy, {"in": [{"objname": n} for n in names],
                          "strm": True}, bucket="mh")
    assert r.status == 200, r.body[:300]
    assert tar_members(r.body) == [(f"mh/{n}", data[n]) for n in names]
    return {"span_gets": peer_span_gets(targets) - before,
            "span_handoffs": peer_span_handoffs(targets)}


def main():
    proxy, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    assert request("POST", f"{proxy}/v1/buckets/mh?provider=ais",
                   json.dumps({"action": "create-bck"})).status == 200
    data = {f"o{i:05d}": os.urandom(size) for i in range(count)}
    for name, body in data.items():
        r = request("PUT", f"{proxy}/v1/objects/mh/{quote(name)}", body)
        assert r.status == 200, (name, r.status, r.body[:200])
    smap = request("GET", f"{proxy}/v1/daemon?what=smap").json()
    owners = {}
    for name in data:
        owners.setdefault(owner_of(smap, "mh", name), 0)
        owners[owner_of(smap, "mh", name)] += 1
    names = sorted(data, reverse=True)
    body = {"in": [{"objname": n} for n in names], "strm": True}
    t0 = time.perf_counter()
    r = get_batch(proxy, body, bucket="mh")
    batch_s = time.perf_counter() - t0
    assert r.status == 200, r.body[:300]
    members = tar_members(r.body)
    assert [m for m, _ in members] == [f"mh/{n}" for n in names]
    assert all(d == data[m[3:]] for m, d in members), "bytes differ"
    meta, archive = split_multipart(get_batch(proxy, dict(body, strm=False),
                                              bucket="mh"))
    assert [o["objname"] for o in meta["out"]] == names
    t0 = time.perf_counter()
    for n in names:
        assert request("GET", f"{proxy}/v1/objects/mh/{quote(n)}").body \
            == data[n]
    gets_s = time.perf_counter() - t0
    print(json.dumps({**large_batch(proxy, smap),"targets": len(smap["tmap"]), "owners": owners,
                      "entries": count, "bytes": count * size,
                      "batch_s": batch_s, "gets_s": gets_s,
                      "target_urls": sorted(t["public_net"]["direct_url"]
                                            for t in smap["tmap"].values())}))


if __name__ == "__main__":
    main()
