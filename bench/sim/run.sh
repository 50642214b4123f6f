#!/usr/bin/env bash
# Multi-user viewing benchmark: the same simulated workload (bench/sim/tessera_sim) against a
# server with `--tile-cache-policy lru` and one with `--tile-cache-policy protect`, next to the
# offline optimum (Belady) and a simulated LRU of each run's own request trace. The question it
# answers: does an image someone is viewing fall out of the cache?
#
#   bench/sim/run.sh            full run: ~6 min (+2 min the first time: 20 images, 1.8 GB)
#   bench/sim/run.sh --quick    smoke run (~30 s): fails unless every request answered
#                               2xx/304; skips (exit 0) when the shared test images are absent
#
# What it does:
#  1. builds `tessera` and `tessera_sim` (Release) in build-sim/ unless --tessera / --sim give
#     them;
#  2. generates 20 distinct slides once, cached in bench/.cache/sim/ (gitignored): 20 different
#     2000x2500 crops of CMU-1-Small-Region.svs, each replicated (`vips replicate`) into a
#     20,000 x 20,000 JPEG Q80 BigTIFF pyramid with 256x256 tiles (--quick: 4000 x 5000);
#  3. imports them with `tessera import` into a temporary data directory;
#  4. for each policy, starts a fresh `tessera serve --port 0` (URL read from its stdout) with
#     a tile cache smaller than the users' working set (--cache-bytes: 64 MiB, quick 4 MiB) and
#     --max-sources 12 (fewer than the 20 slides), and runs tessera_sim against it with the same
#     seed: users (50, quick 20) view 19 slides (popular ones shared), each making the same
#     --moves; a scan job reads every tile of the 20th slide at full speed; a lister fetches all
#     20 thumbnails every few seconds. A server without --tile-cache-policy (before the protect
#     policy exists) runs the lru case with its default cache and reports protect unavailable;
#  5. writes bench/results/sim.md (--quick: sim-quick.md) and prints it.
#
# Pinning (2-core machine): the server on --server-cpus (default 1, with --io-threads = its CPU
# count and --workers = 2x), tessera_sim on --client-cpus (default 0). Servers run in their own
# process group and are stopped on exit (trap), whatever happens.
#
# Requires: cmake ninja (unless --tessera and --sim), vips (libvips-tools), taskset, setsid,
# the shared testdata (CMU-1-Small-Region.svs; $TESSERA_TESTDATA or ../shared/testdata).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE="$ROOT/bench/.cache/sim"
RESULTS_DIR="$ROOT/bench/results"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  cat <<'EOF'
options:
  --quick               smoke mode (small slides, 20 users, short think time)
  --tessera PATH        use this tessera binary instead of building build-sim/src/tessera
  --sim PATH            use this tessera_sim instead of building build-sim/bench/sim/tessera_sim
  --policies LIST       comma-separated subset of lru,protect (both)
  --users N             simulated users (full 50, quick 20)
  --moves N             moves per user (full 120, quick 30)
  --think-ms MS         mean think time (full 1000, quick 250)
  --cache-bytes N       server --tile-cache-bytes (full 64 MiB, quick 4 MiB)
  --max-sources N       server --max-sources (12)
  --seed N              tessera_sim --seed (1)
  --server-cpus LIST    taskset CPU list for the server (1)
  --client-cpus LIST    taskset CPU list for tessera_sim (0)
  --keep                keep the temp dir (server logs, request traces, summaries)
EOF
}

MODE=full
TESSERA=""
SIM=""
POLICIES="lru,protect"
USERS="" MOVES="" THINK_MS="" CACHE_BYTES=""
MAX_SOURCES=12
SEED=1
SERVER_CPUS=1
CLIENT_CPUS=0
if [ "$(nproc)" -lt 2 ]; then SERVER_CPUS=0; fi
KEEP=0
while (($#)); do
  case "$1" in
    --quick) MODE=quick ;;
    --tessera) TESSERA=$2; shift ;;
    --sim) SIM=$2; shift ;;
    --policies) POLICIES=$2; shift ;;
    --users) USERS=$2; shift ;;
    --moves) MOVES=$2; shift ;;
    --think-ms) THINK_MS=$2; shift ;;
    --cache-bytes) CACHE_BYTES=$2; shift ;;
    --max-sources) MAX_SOURCES=$2; shift ;;
    --seed) SEED=$2; shift ;;
    --server-cpus) SERVER_CPUS=$2; shift ;;
    --client-cpus) CLIENT_CPUS=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

SLIDES=20
if [ "$MODE" = quick ]; then
  REPLICATE=(2 2) # 4000 x 5000
  : "${USERS:=20}" "${MOVES:=30}" "${THINK_MS:=250}" "${CACHE_BYTES:=$((4 << 20))}"
  THUMB_INTERVAL_S=2
  RAMP_S=1
  DEADLINE_S=60 # a cap only: users normally finish their moves long before
  RESULTS_FILE="$RESULTS_DIR/sim-quick.md"
else
  REPLICATE=(10 8) # 20,000 x 20,000
  : "${USERS:=50}" "${MOVES:=120}" "${THINK_MS:=1000}" "${CACHE_BYTES:=$((64 << 20))}"
  THUMB_INTERVAL_S=5
  RAMP_S=5
  DEADLINE_S=600
  RESULTS_FILE="$RESULTS_DIR/sim.md"
fi
SLIDE_W=$((2000 * REPLICATE[0])) SLIDE_H=$((2500 * REPLICATE[1]))

# shellcheck disable=SC2034 # read by bench/lib.sh's log
BENCH_TAG=sim
# shellcheck source=../lib.sh
. "$ROOT/bench/lib.sh"

TESTDATA=${TESSERA_TESTDATA:-$ROOT/../shared/testdata}
SVS="$TESTDATA/CMU-1-Small-Region.svs"
if [ ! -f "$SVS" ]; then
  echo "SKIPPED: bench/sim/run.sh needs $SVS (set TESSERA_TESTDATA)"
  exit 0
fi
for tool in vips taskset setsid sed awk; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup installs it)"
done

SERVER_NCPU=$(cpu_count "$SERVER_CPUS")
TESSERA_THREADS=(--io-threads "$SERVER_NCPU" --workers "$((2 * SERVER_NCPU))")

# ---------------------------------------------------------------------------------------------
# Processes: every server runs in its own process group (setsid) and is stopped on exit.

SERVER_PIDS=()
WORK=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local pid
  for pid in "${SERVER_PIDS[@]}"; do stop_server "$pid"; done
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# ---------------------------------------------------------------------------------------------
# Build

if [ -z "$TESSERA" ] || [ -z "$SIM" ]; then
  BUILD_DIR="$ROOT/build-sim"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  fi
  targets=()
  [ -n "$TESSERA" ] || targets+=(tessera)
  [ -n "$SIM" ] || targets+=(tessera_sim)
  log "building ${targets[*]} in $BUILD_DIR"
  ninja -C "$BUILD_DIR" "${targets[@]}" >&2
  : "${TESSERA:=$BUILD_DIR/src/tessera}"
  : "${SIM:=$BUILD_DIR/bench/sim/tessera_sim}"
fi
[ -x "$TESSERA" ] || die "no tessera binary at $TESSERA"
[ -x "$SIM" ] || die "no tessera_sim binary at $SIM"
TESSERA=$(cd "$(dirname "$TESSERA")" && pwd)/$(basename "$TESSERA")
SIM=$(cd "$(dirname "$SIM")" && pwd)/$(basename "$SIM")
if "$TESSERA" serve --help 2>&1 | grep -q -- '--tile-cache-policy'; then
  HAVE_POLICY=1
else
  HAVE_POLICY=0
fi

# ---------------------------------------------------------------------------------------------
# Slides: 20 crops of the tissue, each replicated into a pyramid (cached across runs)

mkdir -p "$CACHE"
START_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for ((i = 1; i <= SLIDES; i++)); do
  name=$(printf 'slide-%02d-%dx%d.tif' "$i" "$SLIDE_W" "$SLIDE_H")
  [ -s "$CACHE/$name" ] && continue
  # Crop i: a 2000x2500 window at one of 5 x 4 offsets inside the 2220x2967 image.
  left=$((((i - 1) % 5) * 50)) top=$((((i - 1) / 5) * 110))
  log "generating $name (crop at $left,$top, vips replicate ${REPLICATE[*]})"
  vips extract_area "$SVS" "$CACHE/crop4.v" "$left" "$top" 2000 2500
  vips extract_band "$CACHE/crop4.v" "$CACHE/crop.v" 0 --n 3
  rm -f "$CACHE/$name.partial.tif"
  vips replicate "$CACHE/crop.v" \
    "$CACHE/$name.partial.tif[tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=80,bigtiff]" \
    "${REPLICATE[@]}"
  mv "$CACHE/$name.partial.tif" "$CACHE/$name"
  rm -f "$CACHE/crop4.v" "$CACHE/crop.v"
done

WORK=$(mktemp -d "$CACHE/run.XXXXXX") # under the cache: hard links need the same file system
mkdir -p "$WORK/img" "$WORK/logs"
for ((i = 1; i <= SLIDES; i++)); do
  name=$(printf 'slide-%02d-%dx%d.tif' "$i" "$SLIDE_W" "$SLIDE_H")
  ln "$CACHE/$name" "$WORK/img/$name"
done
cat "$WORK"/img/*.tif >/dev/null # page cache warm: the runs measure the caches, not the disk

log "importing $SLIDES slides"
"$TESSERA" import --data "$WORK/data" "$WORK/img" >"$WORK/import.jsonl" ||
  die "tessera import failed (see $WORK/import.jsonl)"
sed -n 's/.*"id":"\([^"]*\)".*"path":"[^"]*\/\([^"/]*\)".*/\1 \2/p' "$WORK/import.jsonl" |
  sort -k2,2 >"$WORK/items.txt"
[ "$(wc -l <"$WORK/items.txt")" -eq "$SLIDES" ] ||
  die "not every slide was imported (see $WORK/import.jsonl)"
SCAN_ITEM=$(tail -1 "$WORK/items.txt" | cut -d' ' -f1) # slide 20: read by the scan job only

# ---------------------------------------------------------------------------------------------
# Runs

# Servers with users: the first start creates the admin with this password (from a config file,
# not the command line), and every simulated viewer logs in once for a real token of its own.
AUTH_FLAGS=()
SIM_LOGIN=()
if "$TESSERA" serve --help 2>&1 | grep -q -- '--admin-password'; then
  echo "admin-password = sim-admin-pw" >"$WORK/auth.conf"
  AUTH_FLAGS=(--config "$WORK/auth.conf")
  SIM_LOGIN=(--login admin:sim-admin-pw)
fi

TESSERA_URL=""
TESSERA_PID=""
start_tessera() { # name [extra serve flags...]
  local name=$1 i
  shift
  : >"$WORK/logs/$name.out" # exists before the child opens it: the loop below reads it
  setsid taskset -c "$SERVER_CPUS" "$TESSERA" serve --host 127.0.0.1 --port 0 \
    --data "$WORK/data" --log-level warning "${TESSERA_THREADS[@]}" "${AUTH_FLAGS[@]}" "$@" \
    >"$WORK/logs/$name.out" 2>"$WORK/logs/$name.err" </dev/null &
  TESSERA_PID=$!
  SERVER_PIDS+=("$TESSERA_PID")
  TESSERA_URL=""
  for ((i = 0; i < 300; i++)); do
    TESSERA_URL=$(sed -n 's/^tessera listening on //p' "$WORK/logs/$name.out" 2>/dev/null || true)
    [ -z "$TESSERA_URL" ] || break
    kill -0 "$TESSERA_PID" 2>/dev/null || die "tessera serve exited: $(cat "$WORK/logs/$name.err")"
    sleep 0.1
  done
  [ -n "$TESSERA_URL" ] || die "tessera serve printed no URL in 30 s"
  log "tessera ($name) pid $TESSERA_PID on CPUs $SERVER_CPUS at $TESSERA_URL"
}

FAILURES=()
declare -A NOTE # policy -> why it did not run
RAN=()
IFS=, read -ra policy_list <<<"$POLICIES"
for policy in "${policy_list[@]}"; do
  case "$policy" in lru | protect) ;; *) die "unknown policy $policy (lru, protect)" ;; esac
  flags=(--tile-cache-bytes "$CACHE_BYTES" --max-sources "$MAX_SOURCES")
  if [ "$HAVE_POLICY" = 1 ]; then
    flags+=(--tile-cache-policy "$policy")
  elif [ "$policy" = protect ]; then
    NOTE[$policy]="unavailable: this tessera has no --tile-cache-policy"
    log "protect: unavailable ($TESSERA serve --help lists no --tile-cache-policy)"
    continue
  fi
  start_tessera "$policy" "${flags[@]}"
  log "$policy: tessera_sim, $USERS users x $MOVES moves (seed $SEED)"
  sim_status=0
  taskset -c "$CLIENT_CPUS" "$SIM" --url "$TESSERA_URL" --items "$WORK/items.txt" \
    --scan-item "$SCAN_ITEM" --users "$USERS" --moves "$MOVES" --duration-s "$DEADLINE_S" \
    --seed "$SEED" --think-ms "$THINK_MS" --ramp-s "$RAMP_S" \
    --thumb-interval-s "$THUMB_INTERVAL_S" --summary "$WORK/$policy.summary" "${SIM_LOGIN[@]}" \
    --trace "$WORK/$policy.trace.tsv" >"$WORK/logs/$policy.sim.txt" 2>&1 || sim_status=$?
  if ! kill -0 "$TESSERA_PID" 2>/dev/null; then
    FAILURES+=("$policy: the server died during the run ($(tail -3 "$WORK/logs/$policy.err"))")
  fi
  stop_server "$TESSERA_PID"
  sed -n '/^users: /,$p' "$WORK/logs/$policy.sim.txt" | sed "s/^/[$policy] /" >&2
  if [ "$sim_status" != 0 ]; then
    FAILURES+=("$policy: tessera_sim exited $sim_status: $(grep -m3 'FAILED\|HTTP\|error' \
      "$WORK/logs/$policy.sim.txt" | tr '\n' ' ')")
  fi
  [ -s "$WORK/$policy.summary" ] && RAN+=("$policy")
done

# ---------------------------------------------------------------------------------------------
# Report

kv() { sed -n "s/^$2=//p" "$WORK/$1.summary" 2>/dev/null; } # policy key -> value
pct() { # ratio (0.7321 or n/a) -> "73.2%"
  awk -v r="$1" 'BEGIN { if (r == "n/a" || r == "") print "n/a"; else printf "%.1f%%", 100 * r }'
}
cell() { # policy metric -> the table cell
  local p=$1
  case "$2" in
    hit) pct "$(kv "$p" hit_ratio)" ;;
    worst)
      if [ "$(kv "$p" worst_user)" = n/a ]; then echo n/a; else
        echo "$(pct "$(kv "$p" worst_hit_ratio)") ($(kv "$p" worst_user))"; fi ;;
    p50) echo "$(kv "$p" viewport_p50_ms)" ;;
    p99) echo "$(kv "$p" viewport_p99_ms)" ;;
    active) kv "$p" active_evictions ;;
    opens) kv "$p" source_opens ;;
    srcev) kv "$p" source_evictions ;;
    tileev) kv "$p" tile_evictions ;;
    belady) echo "$(pct "$(kv "$p" belady_users)") / $(pct "$(kv "$p" belady_all)")" ;;
    belady_users) pct "$(kv "$p" belady_users_only)" ;;
    lru) echo "$(pct "$(kv "$p" lru_users)") / $(pct "$(kv "$p" lru_all)")" ;;
    lookups)
      local h m
      h=$(kv "$p" tile_cache_hits) m=$(kv "$p" tile_cache_misses)
      if [[ $h =~ ^[0-9]+$ && $m =~ ^[0-9]+$ ]] && ((h + m > 0)); then
        awk -v h="$h" -v m="$m" 'BEGIN { printf "%.1f%%", 100 * h / (h + m) }'
      else echo n/a; fi ;;
    reqs) echo "$(kv "$p" requests) ($(kv "$p" tile_requests) user tiles, $(kv "$p" scan_tiles)" \
      "scan, $(kv "$p" thumbnails) thumbnails)" ;;
    done) echo "$(kv "$p" users_completed) of $(kv "$p" users) in $(kv "$p" duration_s) s" ;;
    errors) kv "$p" errors ;;
    viewers) echo "\`$(kv "$p" viewers)\`" ;;
  esac
}
git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$ROOT" diff --quiet HEAD -- src bench/sim 2>/dev/null || git_rev+=" + uncommitted changes"
mkdir -p "$RESULTS_DIR"
{
  echo "# Multi-user viewing simulation ($MODE)"
  echo
  echo "- date: $START_DATE; tessera $git_rev; \`$TESSERA\`, \`$SIM\`"
  echo "- machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo |
    head -1)); server on CPU(s) $SERVER_CPUS (${TESSERA_THREADS[*]}), tessera_sim on CPU(s)" \
    "$CLIENT_CPUS"
  echo "- slides: $SLIDES distinct ${SLIDE_W}x$SLIDE_H JPEG Q80 pyramids (256x256 tiles); users" \
    "view $((SLIDES - 1)), the scan job reads the last one at full speed, the lister fetches all" \
    "$SLIDES thumbnails every $THUMB_INTERVAL_S s"
  echo "- workload: $USERS users x $MOVES moves (seed $SEED), viewport 1280x800, client cache" \
    "200 tiles, 6 connections per user, think time mean $THINK_MS ms"
  echo "- server: --tile-cache-bytes $CACHE_BYTES --max-sources $MAX_SOURCES" \
    "$([ "$HAVE_POLICY" = 1 ] && echo "--tile-cache-policy POLICY" ||
      echo "(no --tile-cache-policy in this tessera: its default cache)")"
  echo
  header="| |" sep="|---|"
  for p in "${policy_list[@]}"; do
    header+=" $p |"
    sep+="--:|"
  done
  echo "$header"
  echo "$sep"
  first_row=1
  row() { # label metric
    local line="| $1 |" p
    for p in "${policy_list[@]}"; do
      if [ -n "${NOTE[$p]:-}" ]; then
        if [ "$first_row" = 1 ]; then line+=" unavailable (below) |"; else line+=" - |"; fi
      elif [ -s "$WORK/$p.summary" ]; then
        line+=" $(cell "$p" "$2") |"
      else
        line+=" (failed) |"
      fi
    done
    echo "$line"
    first_row=0
  }
  row "user tile hit ratio (X-Cache)" hit
  row "worst user's hit ratio" worst
  row "viewport completion p50 ms" p50
  row "viewport completion p99 ms" p99
  row "sources reopened while viewed (activeEvictions)" active
  row "sources opened" opens
  row "source evictions" srcev
  row "tile cache evictions" tileev
  row "Belady (offline optimum): users' tiles / all" belady
  row "Belady with the cache for users' tiles only: users' tiles" belady_users
  row "LRU simulated on the trace: users' tiles / all" lru
  row "server tileCache lookups hit ratio" lookups
  row "requests" reqs
  row "users that made all moves" done
  row "failed requests" errors
  row "viewers (after the run)" viewers
  echo
  notes=0
  for p in "${policy_list[@]}"; do
    if [ -n "${NOTE[$p]:-}" ]; then
      echo "- $p: ${NOTE[$p]}"
      notes=1
    elif [ -s "$WORK/$p.summary" ] && [ "$(kv "$p" users_completed)" != "$(kv "$p" users)" ]; then
      echo "- $p: WARNING: not every user made its $MOVES moves before the $DEADLINE_S s cap," \
        "so the runs did not replay the same requests"
      notes=1
    fi
  done
  [ "$notes" = 0 ] || echo
  echo "Hit ratios count the users' tile requests (the scan's and the lister's are in \"all\")." \
    "Belady and LRU replay each run's own trace of tile and thumbnail requests in the order" \
    "they were sent (URL = key, body size = item size) with a capacity of the server's" \
    "tileCache.maxsize; the server also charges keys and bookkeeping, splits its LRU into" \
    "shards and caches intermediate tiles, so its LRU is close to, not equal to, the simulated" \
    "one. Belady maximizes all hits, so it spends the cache on the scan when that pays; with" \
    "the cache for users' tiles only (scan and thumbnails never cached), it bounds what any" \
    "policy could give the users on this trace. Lookups count every tile-cache lookup of the server, not requests. n/a = the server" \
    "does not report it (no X-Cache header, no activeEvictions / viewers counters)."
  echo
  if ((${#FAILURES[@]})); then
    echo "FAILED:"
    printf -- '- %s\n' "${FAILURES[@]}"
  elif ((${#RAN[@]} == 0)); then
    echo "FAILED: no policy ran"
  else
    echo "All runs passed: every request answered 2xx/304."
  fi
} >"$RESULTS_FILE"
cat "$RESULTS_FILE"
log "results written to $RESULTS_FILE"
((${#FAILURES[@]} == 0 && ${#RAN[@]} > 0)) || exit 1
