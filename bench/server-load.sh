#!/usr/bin/env bash
# Load test of `verity serve` on loopback, bounded in time, with wrk: cached assessment
# reads and log proofs (inclusion at random indices, consistency). Prints requests/s and
# p99 latency per route.
#
#   bash bench/server-load.sh                  # 10 s per route, 32 connections
#   DURATION=5s CONNS=64 ENTRIES=5000 bash bench/server-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
ENTRIES=${ENTRIES:-2000}
PORT=${PORT:-18473}

if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
    else
        echo "bench/server-load.sh: needs wrk (apt-get install wrk)" >&2
        exit 1
    fi
fi

echo "== building verity (release)"
cargo build --release -q -p verity-cli
BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/verity"

WORK=$(mktemp -d)
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

start() {
    # No per-client budgets: the load comes from one address by design.
    "$BIN" serve --db "$WORK/verity.db" --bind "127.0.0.1:$PORT" --read-rate 0 --write-rate 0 \
        >"$WORK/serve.out" 2>"$WORK/serve.err" &
    SERVER=$!
    for _ in $(seq 1 100); do
        if curl -sf "http://127.0.0.1:$PORT/api/v1/log/checkpoint" >/dev/null; then return; fi
        sleep 0.1
    done
    echo "the server did not start:" >&2
    cat "$WORK/serve.err" >&2
    exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""; }

echo "== a store with the shipped record and $ENTRIES signed log entries"
start
stop
"$BIN" key generate --name bench.example/inspector --out "$WORK/keys" >/dev/null
mkdir -p "$WORK/docs"
for i in $(seq 1 "$ENTRIES"); do
    printf '{"kind":"inspection_report","site":"bench","seq":%d}\n' "$i" >"$WORK/docs/$i.json"
done
(cd "$WORK/docs" && ls | sort -n | xargs "$BIN" log append --db "$WORK/verity.db" \
    --key "$WORK/keys/bench.example_inspector.key" >/dev/null)
start
SIZE=$(curl -sf "http://127.0.0.1:$PORT/api/v1/log/checkpoint" | sed -n 's/.*"tree_size":\([0-9]*\).*/\1/p')
echo "log size: $SIZE"
# Warm the assessment cache (the first read computes it).
curl -sf "http://127.0.0.1:$PORT/api/v1/assessments" >/dev/null

cat >"$WORK/inclusion.lua" <<LUA
math.randomseed(7)
request = function()
  return wrk.format("GET", "/api/v1/log/proofs/inclusion?index=" .. math.random(0, $SIZE - 1))
end
LUA

run() {
    local name=$1 url=$2 script=${3:-} header=${4:-}
    local out args=(-t"$THREADS" -c"$CONNS" -d"$DURATION" --latency)
    if [ -n "$script" ]; then args+=(-s "$script"); fi
    if [ -n "$header" ]; then args+=(-H "$header"); fi
    out=$(wrk "${args[@]}" "$url")
    local rps p50 p99 errors
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
    printf '%-34s %12s req/s   p50 %-9s p99 %-9s %s\n' "$name" "$rps" "$p50" "$p99" "${errors:+non-2xx: $errors}"
}

echo "== wrk: $THREADS threads, $CONNS connections, $DURATION per route ($(nproc) cores, server and wrk on the same machine)"
BYTES=$(curl -s "http://127.0.0.1:$PORT/api/v1/assessments" | wc -c)
GZBYTES=$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/api/v1/assessments" | wc -c)
IRAN="party=iran&from=2019-01-01&to=2019-12-31"
IBYTES=$(curl -s "http://127.0.0.1:$PORT/api/v1/assessments?$IRAN" | wc -c)
echo "assessment body: $BYTES bytes, $GZBYTES gzipped; one party for one year: $IBYTES bytes"
run "GET /api/v1/assessments (gzip)" "http://127.0.0.1:$PORT/api/v1/assessments" "" "Accept-Encoding: gzip"
run "GET /api/v1/assessments (identity)" "http://127.0.0.1:$PORT/api/v1/assessments"
run "GET /api/v1/assessments?party=iran&1 yr" "http://127.0.0.1:$PORT/api/v1/assessments?$IRAN"
run "GET /api/v1/assessments (If-None-Match)" "http://127.0.0.1:$PORT/api/v1/assessments" "" "If-None-Match: $(curl -sI "http://127.0.0.1:$PORT/api/v1/assessments" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')"
run "GET /api/v1/log/proofs/inclusion" "http://127.0.0.1:$PORT" "$WORK/inclusion.lua"
run "GET /api/v1/log/proofs/consistency" "http://127.0.0.1:$PORT/api/v1/log/proofs/consistency?old=$((SIZE / 2))&new=$SIZE"
run "GET /api/v1/log/checkpoint" "http://127.0.0.1:$PORT/api/v1/log/checkpoint"

# The log as C2SP tlog-tiles: full tiles at random indices (cached after the first
# read), entry bundles (gzip), and the checkpoint.
FULL=$((SIZE / 256))
cat >"$WORK/tiles.lua" <<LUA
math.randomseed(11)
request = function()
  return wrk.format("GET", string.format("/log/tile/0/%03d", math.random(0, $FULL - 1)))
end
LUA
cat >"$WORK/bundles.lua" <<LUA
math.randomseed(13)
wrk.headers["Accept-Encoding"] = "gzip"
request = function()
  return wrk.format("GET", string.format("/log/tile/entries/%03d", math.random(0, $FULL - 1)))
end
LUA
run "GET /log/tile/0/<N> (random, full)" "http://127.0.0.1:$PORT" "$WORK/tiles.lua"
run "GET /log/tile/entries/<N> (gzip)" "http://127.0.0.1:$PORT" "$WORK/bundles.lua"
run "GET /log/checkpoint" "http://127.0.0.1:$PORT/log/checkpoint"
