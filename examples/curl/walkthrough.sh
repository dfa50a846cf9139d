#!/usr/bin/env bash
# The README's curl walk-through, end to end. Needs a running cluster:
#   ./build/moss cluster        (or set E to another endpoint)
set -euo pipefail
E=${E:-http://127.0.0.1:51080}
B=${B:-walkthrough}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
curl -sf -X POST "$E/v1/buckets/$B?provider=ais" -d '{"action":"create-bck"}'
echo hello > hello.txt
curl -sfL -T hello.txt "$E/v1/objects/$B/train/hello%20world.txt"
test "$(curl -sfL "$E/v1/objects/$B/train/hello%20world.txt")" = hello
curl -sfI -L "$E/v1/objects/$B/train/hello%20world.txt" | grep -i '^Ais-Checksum-Value'
test "$(curl -sfL -H 'Range: bytes=0-1' "$E/v1/objects/$B/train/hello%20world.txt")" = he
for i in 1 2 3; do
  echo "sample $i" > s$i.txt
  curl -sfL -T s$i.txt "$E/v1/objects/$B/train/s$i.txt"
done
curl -sfL -X GET "$E/v1/ml/moss/$B" -H 'Content-Type: application/json' -d '{
  "in": [{"objname": "train/s3.txt"}, {"objname": "train/s1.txt"},
         {"objname": "train/s2.txt", "start": 0, "length": 6},
         {"objname": "train/missing.txt"}],
  "strm": true, "coer": true}' -o batch.tar
tar tf batch.tar
test "$(tar tf batch.tar | tr '\n' ' ')" = \
  "$B/train/s3.txt $B/train/s1.txt $B/train/s2.txt __404__/$B/train/missing.txt "
curl -sf "$E/v1/buckets/$B?prefix=train/" > /dev/null
curl -sf "$E/v1/daemon?what=smap" | grep -q '"tmap"'
# Operating the cluster: work items (JSON behind /console), runtime settings.
curl -sf "$E/v1/console/cluster" | grep -q '"targets"'
curl -sf -X PUT "$E/v1/cluster/config?get_batch.max_soft_errs=10" \
  | grep -q '"get_batch.max_soft_errs=10"'
curl -sf "$E/v1/cluster/config" | grep -q '"max_soft_errs":10'
curl -sf -X PUT "$E/v1/cluster/config?get_batch.max_soft_errs=8" > /dev/null
curl -sfL -X DELETE "$E/v1/objects/$B/train/hello%20world.txt"
curl -sf -X DELETE "$E/v1/buckets/$B"
echo "walkthrough: ok"
