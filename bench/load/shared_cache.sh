#!/usr/bin/env bash
# Load benchmark of the shared tile tiers: hot-tile (cache-hit) requests/s through `tessera
# serve` with each tile cache backend, in one run, under wrk:
#
#   memory            the in-process tile cache alone (cache-backend = memory)
#   memcached         the memcached tier alone (cache-front-bytes = 0): every hit a network hop
#   redis             the redis tier alone
#   2tier-memcached   a 64 MiB in-process front over memcached (the two-tier mode)
#   2tier-redis       the same over redis
#
#   bench/load/shared_cache.sh           ~3 min: 3 rounds of 10 s per backend (interleaved),
#                                        the best round of each kept
#   bench/load/shared_cache.sh --quick   smoke run (1 round of 2 s, ~30 s); fails unless every
#                                        request answered 200 and the shared tiers saw no error
#
# The hot set is every tile of levels 0-4 of CMU-1-Small-Region.svs (the shared test data;
# JPEG passthrough), fetched once before each measurement so that every measured request is a
# hit. memcached and redis-server are started fresh per backend on a free loopback port.
# Pinning: tessera on --server-cpus (1), wrk on --client-cpus (0); the cache servers are not
# pinned (on a real deployment they are other machines). Exit 0 with a note when the test data
# or a program is missing (memcached/redis rows are then skipped).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESSERA="$ROOT/build/src/tessera"
DURATION=10
ROUNDS=3
CONNECTIONS=16
SERVER_CPUS=1
CLIENT_CPUS=0
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; DURATION=2; ROUNDS=1 ;;
    --tessera) TESSERA=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --server-cpus) SERVER_CPUS=$2; shift ;;
    --client-cpus) CLIENT_CPUS=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$(nproc)" -lt 2 ]; then SERVER_CPUS=0; fi

TESTDATA=${TESSERA_TESTDATA:-$ROOT/../shared/testdata}
SLIDE="$TESTDATA/CMU-1-Small-Region.svs"
[ -f "$SLIDE" ] || { echo "SKIP: $SLIDE not found"; exit 0; }
[ -x "$TESSERA" ] || { echo "no tessera binary at $TESSERA (build it or pass --tessera)" >&2; exit 1; }
for tool in wrk curl taskset; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 0; }
done
MEMCACHED=$(command -v memcached || true)
REDIS=$(command -v redis-server || true)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-shared-cache.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # port: polls until it accepts (30 s)
  local i
  for ((i = 0; i < 300; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

"$TESSERA" import --data "$WORK/data" "$SLIDE" >"$WORK/import.jsonl"
ID=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$WORK/import.jsonl" | head -1)
[ -n "$ID" ] || { echo "import failed: $(cat "$WORK/import.jsonl")" >&2; exit 1; }
# Levels 0-4 of a 2220 x 2967 slide in 240-pixel tiles (its tile size).
for z in 0 1 2 3 4; do
  w=$(((2220 >> (4 - z)) + 239)); h=$(((2967 >> (4 - z)) + 239))
  for ((y = 0; y < h / 240; y++)); do
    for ((x = 0; x < w / 240; x++)); do echo "/api/v1/item/$ID/tiles/zxy/$z/$x/$y"; done
  done
done >"$WORK/paths.txt"
NPATHS=$(wc -l <"$WORK/paths.txt")

declare -A URL TPID
start_backend() { # name: starts its cache server (if any) and tessera, warms the hot set
  local name=$1 flags=() port pid url i
  case "$name" in
    memory) ;;
    *memcached)
      [ -n "$MEMCACHED" ] || return 0
      port=$(free_port)
      "$MEMCACHED" -l 127.0.0.1 -p "$port" -U 0 -m 256 $([ "$(id -u)" = 0 ] && echo -u root) \
        >"$WORK/$name.cache.log" 2>&1 &
      PIDS+=($!)
      wait_port "$port" || { echo "memcached did not start" >&2; exit 1; }
      flags=(--cache-backend memcached --cache-servers "127.0.0.1:$port") ;;
    *redis)
      [ -n "$REDIS" ] || return 0
      port=$(free_port)
      "$REDIS" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
        >"$WORK/$name.cache.log" 2>&1 &
      PIDS+=($!)
      wait_port "$port" || { echo "redis-server did not start" >&2; exit 1; }
      flags=(--cache-backend redis --cache-servers "127.0.0.1:$port") ;;
  esac
  case "$name" in
    2tier-*) flags+=(--cache-front-bytes 64MiB) ;;
    memory) ;;
    *) flags+=(--cache-front-bytes 0) ;;
  esac
  taskset -c "$SERVER_CPUS" "$TESSERA" serve --host 127.0.0.1 --port 0 --data "$WORK/data" \
    --log-level warning --io-threads 1 --workers 2 "${flags[@]}" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
  pid=$!
  PIDS+=("$pid")
  url=""
  for ((i = 0; i < 300; i++)); do
    # (the file appears when the background job has started: under load that takes a moment)
    url=$(sed -n 's/^tessera listening on //p' "$WORK/$name.out" 2>/dev/null || true)
    [ -z "$url" ] || break
    kill -0 "$pid" 2>/dev/null || { echo "tessera exited: $(cat "$WORK/$name.err")" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "tessera printed no URL" >&2; exit 1; }
  # Warm: every hot tile, twice (the second pass is all hits).
  for pass in 1 2; do
    sed "s|^|url = \"$url|; s|\$|\"\noutput = \"/dev/null\"|" "$WORK/paths.txt" >"$WORK/curl.cfg"
    curl -s --no-progress-meter --fail -Z --parallel-max 4 -K "$WORK/curl.cfg" ||
      { echo "warm-up failed" >&2; exit 1; }
  done
  URL[$name]=$url
  TPID[$name]=$pid
}

field() { # RESULT-line key
  echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

BACKENDS=(memory memcached redis 2tier-memcached 2tier-redis)
declare -A BEST BEST_RPS
echo "shared_cache.sh: $NPATHS hot tiles, $ROUNDS round(s) x ${DURATION}s per backend (interleaved)," \
  "wrk -t1 -c$CONNECTIONS; tessera on CPUs $SERVER_CPUS (--io-threads 1 --workers 2)," \
  "wrk on CPUs $CLIENT_CPUS"
for b in "${BACKENDS[@]}"; do start_backend "$b"; done
# Rounds alternate the backends, so a change in the machine's background load hits all alike.
for ((r = 0; r < ROUNDS; r++)); do
  for b in "${BACKENDS[@]}"; do
    [ -n "${URL[$b]:-}" ] || continue
    line=$(taskset -c "$CLIENT_CPUS" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
      -s "$ROOT/bench/load/walk.lua" "${URL[$b]}" -- "$WORK/paths.txt" 1 | grep '^RESULT')
    rps=$(awk -v n="$(field "$line" requests)" -v d="$(field "$line" duration_us)" \
      'BEGIN { printf "%d", n / (d / 1e6) }')
    echo "round $((r + 1)) $b: $rps requests/s" >&2
    if [ "$rps" -gt "${BEST_RPS[$b]:-0}" ]; then BEST_RPS[$b]=$rps; BEST[$b]=$line; fi
  done
done

echo
echo "| backend | requests/s | vs memory | p50 ms | p99 ms | wrk errors | shared-tier hits | shared-tier errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
base=${BEST_RPS[memory]}
fail=0
for b in "${BACKENDS[@]}"; do
  if [ -z "${URL[$b]:-}" ]; then echo "| $b | skipped (server not installed) | | | | | | |"; continue; fi
  line=${BEST[$b]}
  errors=$(($(field "$line" status) + $(field "$line" connect) + $(field "$line" read) +
    $(field "$line" write) + $(field "$line" timeout)))
  stats=$(curl -s "${URL[$b]}/api/v1/large_image/cache")
  read -r bhits berr < <(echo "$stats" | python3 -c 'import json, sys
b = json.load(sys.stdin).get("tileCacheBackend")
print(b["hits"], b["errors"] + b["backoffMisses"]) if b else print("-", "-")')
  awk -v n="$b" -v rps="${BEST_RPS[$b]}" -v base="$base" -v p50="$(field "$line" p50_us)" \
    -v p99="$(field "$line" p99_us)" -v e="$errors" -v h="$bhits" -v be="$berr" \
    'BEGIN { printf "| %s | %d | %.2f | %.2f | %.2f | %d | %s | %s |\n", n, rps, rps / base,
             p50 / 1000, p99 / 1000, e, h, be }'
  [ "$errors" = 0 ] || fail=1
  [ "$berr" = 0 ] || [ "$berr" = - ] || fail=1
done
if [ "$QUICK" = 1 ] && [ "$fail" = 1 ]; then echo "FAIL: errors in a quick run" >&2; exit 1; fi
