#!/usr/bin/env bash
# The server under load, on loopback, with the embedded default model (Scripts/bench.sh serve):
#   1. wrk at 1, 8 and 32 concurrent clients, 30 s each, POST /v1/generate of 1 bar (new seed
#      per request): requests/s, p50/p99 latency, errors (any non-2xx or socket error);
#   2. WebSocket open → first note, 50 streams one after another on the idle server (node);
#   3. a soak: 8 clients for SOAK_SECONDS (default 600), resident memory sampled every 30 s.
# Needs wrk (apt-get install wrk) and node ≥ 20. wrk runs on the same two cores as the server,
# so the figures are a floor. Results: runs/bench-serve/ (outside git).
set -euo pipefail
cd "$(dirname "$0")/../.."
soak="${1:-600}"
port="${PORT:-18080}"
out=runs/bench-serve
mkdir -p "$out"
command -v wrk >/dev/null || { echo "bench serve: wrk not found (apt-get install wrk)" >&2; exit 1; }
command -v node >/dev/null || { echo "bench serve: node not found" >&2; exit 1; }
swift build -c release --product cadenza-server >/dev/null
.build/release/cadenza-server --port "$port" --concurrent-generations 2 > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }
url="http://127.0.0.1:$port/v1/generate"

# Warm-up: load the generators for both slots.
wrk -t2 -c2 -d5s --timeout 30s -s Scripts/serve/generate.lua "$url" > /dev/null
echo "rss after warm-up: $(rss) MB"
printf "| clients | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|\n" | tee "$out/load.md"
for clients in 1 8 32; do
  threads=$(( clients < 2 ? 1 : 2 ))
  line=$(wrk -t$threads -c$clients -d30s --timeout 60s -s Scripts/serve/generate.lua "$url" | grep '^RESULT' | cut -c8-)
  echo "$line" > "$out/load-$clients.json"
  python3 - "$clients" "$line" <<'PY' | tee -a "$out/load.md"
import json, sys
c, r = sys.argv[1], json.loads(sys.argv[2])
errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
print(f"| {c} | {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {errors} of {r['requests']} |")
PY
done

# wrk's last requests may still be in line after it stops: measure on an idle server.
for _ in $(seq 300); do curl -s "http://127.0.0.1:$port/health" | grep -q '"activeGenerations":0' && break; sleep 0.1; done
sleep 2
first=$(node --experimental-websocket --no-warnings Scripts/serve/first_note.mjs "ws://127.0.0.1:$port/v1/stream" 50 | grep '^RESULT' | cut -c8-)
echo "$first" > "$out/first-note.json"
echo "WebSocket open → first note: $first"

before=$(rss)
echo "soak: 8 clients for $soak s; rss before $before MB"
( for _ in $(seq $(( soak / 30 ))); do sleep 30; echo "$(date +%T) $(rss)"; done ) > "$out/soak-rss.txt" &
sampler=$!
line=$(wrk -t2 -c8 -d${soak}s --timeout 60s -s Scripts/serve/generate.lua "$url" | grep '^RESULT' | cut -c8-)
wait $sampler || true
after=$(rss)
echo "$line" > "$out/soak.json"
python3 - "$line" "$before" "$after" "$soak" <<'PY' | tee "$out/soak.md"
import json, sys
r, before, after, soak = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
errors = r["non2xx"] + r["connect"] + r["read"] + r["write"] + r["timeout"]
print(f"soak {soak} s at 8 clients: {r['requests']} requests, {r['rps']:.1f}/s, p99 {r['p99_ms']:.0f} ms, "
      f"{errors} errors; resident memory {before} MB before, {after} MB after ({after - before:+d} MB)")
PY
cat "$out/soak-rss.txt"
