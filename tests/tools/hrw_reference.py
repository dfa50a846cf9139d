#!/usr/bin/env python3
"""Independent reference for moss's placement hash, written from the
definitions in AIStore (XXH64 spec, seed 1103515245; xoshiro256 mixer).
Prints the values that tests/unit/hrw_test.cpp expects."""

M = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F,
                      0x165667B19E3779F9, 0x85EBCA77C2B2AE63,
                      0x27D4EB2F165667C5)


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M


def rnd(acc, lane):
    acc = (acc + lane * P2) & M
    return (rotl(acc, 31) * P1) & M


def merge(acc, v):
    acc ^= rnd(0, v)
    return (acc * P1 + P4) & M


def xxh64(data: bytes, seed: int) -> int:
    n, i = len(data), 0
    le = lambda k, w: int.from_bytes(data[k:k + w], "little")
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            v = [rnd(v[j], le(i + 8 * j, 8)) for j in range(4)]
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for x in v:
            h = merge(h, x)
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h ^= rnd(0, le(i, 8))
        h = (rotl(h, 27) * P1 + P4) & M
        i += 8
    if i + 4 <= n:
        h ^= (le(i, 4) * P1) & M
        h = (rotl(h, 23) * P2 + P3) & M
        i += 4
    while i < n:
        h ^= (data[i] * P5) & M
        h = (rotl(h, 11) * P1) & M
        i += 1
    h ^= h >> 33
    h = (h * P2) & M
    h ^= h >> 29
    h = (h * P3) & M
    return h ^ (h >> 32)


def xoshiro(x: int) -> int:
    G, C1, C2 = 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
    z = (x + G) & M
    z = ((z ^ (z >> 30)) * C1) & M
    z = ((z ^ (z >> 27)) * C2) & M
    z = ((z ^ (z >> 31)) + G) & M
    z = ((z ^ (z >> 30)) * C1) & M
    z = ((z ^ (z >> 27)) * C2) & M
    z = ((z ^ (z >> 31)) * 5) & M
    return (rotl(z, 7) * 9) & M


SEED = 1103515245

if __name__ == "__main__":
    assert xxh64(b"", 0) == 0xEF46DB3751D8E999  # the XXH64 spec's test vector
    for s in ["", "a", "ais/@#/imgs/train/0001.jpg", "t1h3jhbg",
              "x" * 100]:
        print(f"xxh64({s!r}) = 0x{xxh64(s.encode(), SEED):016x}")
    for x in [0, 1, 0xDEADBEEFCAFEBABE]:
        print(f"xoshiro(0x{x:x}) = 0x{xoshiro(x):016x}")
    targets = ["tA", "tB", "tC"]
    for obj in ["ais/@#/b/o1", "ais/@#/b/o2", "ais/@#/b/o3", "ais/@#/b/o4"]:
        d = xxh64(obj.encode(), SEED)
        w = [xoshiro(xxh64(t.encode(), SEED) ^ d) for t in targets]
        print(f"owner({obj}) = {targets[w.index(max(w))]}")
