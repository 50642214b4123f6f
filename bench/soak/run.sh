#!/usr/bin/env bash
# Soak: mixed load on one `tessera serve` for a long time, with its memory sampled, to show
# whether RSS stays flat and to compare allocators. Self-contained and idempotent; not part of
# `make test` except its --quick smoke.
#
#   bench/soak/run.sh                        full: 30 min with the normal (jemalloc) binary
#   bench/soak/run.sh --allocator glibc      the same load with glibc malloc (build-glibc/)
#   bench/soak/run.sh --quick                smoke (~30 s, small images): fails unless every
#                                            request answered 2xx/3xx and RSS was sampled;
#                                            skips (exit 0) when the shared test images are absent
#
# What it does:
#  1. picks the binary for --allocator: jemalloc = --tessera PATH (default build/src/tessera,
#     which links jemalloc, src/jemalloc_conf.cc); glibc = the same sources built with
#     -DTESSERA_JEMALLOC=OFF in build-glibc/ (only the tessera target; built when missing or
#     stale); glibc-arena2 = that binary with MALLOC_ARENA_MAX=2; mimalloc = that binary with
#     LD_PRELOAD of Debian's libmimalloc (libmimalloc2.0, installed by scripts/setup). It checks
#     in /proc/PID/maps that the running server really uses the allocator asked for;
#  2. generates the test images once, cached in bench/.cache/ (shared with bench/load, see
#     bench/lib.sh): a 50,000 x 50,000 JPEG Q80 pyramid, a 20,000 x 20,000 ZSTD pyramid, a
#     20,000 x 20,000 JPEG file without lower levels (synthesized) and a 6000 x 5000 16-bit RGB
#     Deflate pyramid (--quick: 4000 x 5000 / 2000 x 2500 versions);
#  3. imports several hard links of each (each its own item, with its own cache keys) plus the
#     15-frame OME-TIFF of the shared testdata (tile_frames);
#  4. starts one server with a tile cache much smaller than the working set (--tile-cache-bytes
#     64MiB, --quick 8MiB) and fewer open sources than items (--max-sources), so tiles are
#     evicted and sources closed and reopened all the time;
#  5. drives it with wrk (bench/load/walk.lua over a seeded random list of mixed requests):
#     tiles of every level of every image (JPEG passthrough, re-encoded to PNG, ZSTD tiles
#     encoded to JPEG, synthesized levels), styled tiles (8-bit palette styles and a 16-bit
#     3-channel composite, to PNG), regions of 512 to 8192 pixels answered at 128 to 1024
#     (JPEG and PNG), thumbnails of 32 to 512 pixels, histograms, tile_frames sprites;
#  6. every 10 s samples VmRSS and VmHWM (/proc/PID/status), threads, and the tile cache's
#     used bytes / evictions / open sources (/api/v1/large_image/cache) into
#     bench/results/soak-<allocator>.csv (--quick: soak-quick-<allocator>.csv);
#  7. writes and prints bench/results/soak-<allocator>.md: requests, req/s, latency, errors,
#     RSS at 5 min, at the end, max, and the growth after warm-up (least squares over the
#     samples after --warmup S, default the first third or 5 min, whichever is later) in
#     MiB/hour.
#
# Exit status: 1 if any request failed (wrk socket errors or timeouts, HTTP status >= 400), the
# server died, or (full mode) the growth after warm-up exceeds --max-growth-mib-per-hour.
# Pinning as bench/load: the server on --server-cpus (1), wrk on --client-cpus (0); the server
# runs in its own process group and is stopped on exit (trap), whatever happens.
#
# Requires: cmake ninja (for the glibc build), vips, wrk, curl, taskset, the shared testdata
# (CMU-1-Small-Region.svs; $TESSERA_TESTDATA or ../shared/testdata).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE="$ROOT/bench/.cache"
RESULTS_DIR="$ROOT/bench/results"
WALK="$ROOT/bench/load/walk.lua"
# shellcheck disable=SC2034 # read by bench/lib.sh's log
BENCH_TAG=soak
# shellcheck source=../lib.sh
. "$ROOT/bench/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  cat <<'EOF'
options:
  --quick                      smoke mode (small images, 20 s, no growth verdict)
  --allocator A                glibc | glibc-arena2 | jemalloc | mimalloc (jemalloc)
  --tessera PATH               the jemalloc binary, and the build whose type build-glibc copies
                               (build/src/tessera)
  --glibc-tessera PATH         use this binary built with -DTESSERA_JEMALLOC=OFF instead of
                               building build-glibc/src/tessera
  --duration S                 seconds of load (full 1800, quick 20)
  --warmup S                   growth slope over samples after S seconds
                               (default max(duration / 3, 300))
  --max-growth-mib-per-hour N  fail above this growth after warm-up (64)
  --connections N              wrk connections (16)
  --tile-cache-bytes N         the server's tile cache (full 64MiB, quick 8MiB)
  --server-cpus LIST           taskset CPU list for the server (1)
  --client-cpus LIST           taskset CPU list for wrk (0)
  --tag NAME                   results file name part (default: the allocator)
  --keep                       keep the temp dir (server logs, path list) for inspection
EOF
}

MODE=full
ALLOCATOR=jemalloc
TESSERA="$ROOT/build/src/tessera"
GLIBC_TESSERA=""
DURATION=""
WARMUP=""
MAX_GROWTH=64
CONNECTIONS=16
TILE_CACHE=""
SERVER_CPUS=1
CLIENT_CPUS=0
if [ "$(nproc)" -lt 2 ]; then SERVER_CPUS=0; fi # one CPU: everything shares it
TAG=""
KEEP=0
while (($#)); do
  case "$1" in
    --quick) MODE=quick ;;
    --allocator) ALLOCATOR=$2; shift ;;
    --tessera) TESSERA=$2; shift ;;
    --glibc-tessera) GLIBC_TESSERA=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --max-growth-mib-per-hour) MAX_GROWTH=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --tile-cache-bytes) TILE_CACHE=$2; shift ;;
    --server-cpus) SERVER_CPUS=$2; shift ;;
    --client-cpus) CLIENT_CPUS=$2; shift ;;
    --tag) TAG=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$ALLOCATOR" in
  glibc | glibc-arena2 | jemalloc | mimalloc) ;;
  *) echo "run.sh: --allocator must be glibc, glibc-arena2, jemalloc or mimalloc" >&2; exit 2 ;;
esac
: "${TAG:=$ALLOCATOR}"

# shellcheck disable=SC2034 # the *_SIZE arrays are read by bench/lib.sh's bench_images
if [ "$MODE" = quick ]; then
  : "${DURATION:=20}"
  : "${TILE_CACHE:=8MiB}"
  PYR_SIZE=(2 2) ZSTD_SIZE=(2 2) FLAT_SIZE=(2 2) U16_SIZE=(1 1)
  LINKS=2        # hard links (items) per image
  PATHS=20000    # request paths in the shuffled list (walked round and round)
  BASE="soak-quick-$TAG"
else
  : "${DURATION:=1800}"
  : "${TILE_CACHE:=64MiB}"
  PYR_SIZE=(25 20) ZSTD_SIZE=(10 8) FLAT_SIZE=(10 8) U16_SIZE=(3 2)
  LINKS=4
  PATHS=400000
  BASE="soak-$TAG"
fi
if [ -z "$WARMUP" ]; then
  WARMUP=$((DURATION / 3))
  ((WARMUP >= 300)) || WARMUP=300
fi
SAMPLE_S=10
SERVER_NCPU=$(cpu_count "$SERVER_CPUS")
TESSERA_THREADS=(--io-threads "$SERVER_NCPU" --workers "$((2 * SERVER_NCPU))")

for tool in vips wrk curl taskset setsid awk; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup installs it)"
done

# ---------------------------------------------------------------------------------------------
# Processes

SERVER_PIDS=()
SERVER_ENV=()
SAMPLER_PID=""
WORK=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
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
# Images (before any build: --quick skips without the testdata)

bench_images
OME="$TESTDATA/multi-channel-z-series.ome.tif"

# ---------------------------------------------------------------------------------------------
# The binary for the allocator

[ -x "$TESSERA" ] || die "no tessera binary at $TESSERA (make build, or --tessera PATH)"
TESSERA=$(cd "$(dirname "$TESSERA")" && pwd)/$(basename "$TESSERA")
BIN=$TESSERA
EXPECT_LIB="" # a library the server's /proc/PID/maps must show
case "$ALLOCATOR" in
  jemalloc)
    EXPECT_LIB=libjemalloc ;;
  glibc | glibc-arena2 | mimalloc)
    if [ -z "$GLIBC_TESSERA" ]; then
      GLIBC_BUILD="$ROOT/build-glibc"
      # The same build type as the jemalloc binary's build, so that only the allocator differs.
      btype=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$TESSERA")/../CMakeCache.txt" \
        2>/dev/null || true)
      : "${btype:=RelWithDebInfo}"
      if [ ! -f "$GLIBC_BUILD/build.ninja" ]; then
        cmake -S "$ROOT" -B "$GLIBC_BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$btype" \
          -DTESSERA_JEMALLOC=OFF >&2
      fi
      log "building tessera without jemalloc ($btype) in $GLIBC_BUILD"
      ninja -C "$GLIBC_BUILD" tessera >&2
      GLIBC_TESSERA="$GLIBC_BUILD/src/tessera"
    fi
    [ -x "$GLIBC_TESSERA" ] || die "no tessera binary at $GLIBC_TESSERA"
    BIN=$(cd "$(dirname "$GLIBC_TESSERA")" && pwd)/$(basename "$GLIBC_TESSERA")
    if ldd "$BIN" | grep -q libjemalloc; then die "$BIN links jemalloc (want -DTESSERA_JEMALLOC=OFF)"; fi
    ;;
esac
case "$ALLOCATOR" in
  glibc-arena2) SERVER_ENV=(MALLOC_ARENA_MAX=2) ;;
  mimalloc)
    MIMALLOC=$(ls /usr/lib/*/libmimalloc.so.2 2>/dev/null | head -1 || true)
    [ -n "$MIMALLOC" ] || die "libmimalloc.so.2 not found (scripts/setup installs libmimalloc2.0)"
    SERVER_ENV=(LD_PRELOAD="$MIMALLOC")
    EXPECT_LIB=libmimalloc
    ;;
esac

# ---------------------------------------------------------------------------------------------
# Items

WORK=$(mktemp -d "$CACHE/soak.XXXXXX") # under the cache: hard links need the same file system
mkdir -p "$WORK/img" "$WORK/logs"
for ((i = 1; i <= LINKS; i++)); do
  ln "$PYR" "$WORK/img/pyr-$i.tif"
  ln "$ZSTD" "$WORK/img/zstd-$i.tif"
  ln "$FLAT" "$WORK/img/flat-$i.tif"
  ln "$U16" "$WORK/img/u16-$i.tif"
done
if [ -f "$OME" ]; then cp "$OME" "$WORK/img/ome-1.ome.tif"; fi
log "importing $(find "$WORK/img" -type f | wc -l) items"
"$BIN" import --data "$WORK/data" "$WORK/img" >"$WORK/import.jsonl" ||
  die "tessera import failed (see $WORK/import.jsonl)"
# "<kind> <item id>" per line, e.g. "pyr 6b06..."
sed -n 's/.*"id":"\([^"]*\)".*"path":"[^"]*\/\([a-z0-9]*\)-[0-9]*\.[^"/]*".*/\2 \1/p' \
  "$WORK/import.jsonl" | sort -u >"$WORK/items.txt"
N_ITEMS=$(wc -l <"$WORK/items.txt")
((N_ITEMS >= 4 * LINKS)) || die "expected at least $((4 * LINKS)) imported items, got $N_ITEMS" \
  "(see $WORK/import.jsonl)"
MAX_SOURCES=$((N_ITEMS / 2)) # fewer open sources than items: closes and reopens all the time

# ---------------------------------------------------------------------------------------------
# The mixed request list: seeded, one path per line, walked round and round by walk.lua.

PATH_LIST="$WORK/paths.txt"
awk -v n="$PATHS" -v pw="$PYR_W" -v ph="$PYR_H" -v zw="$ZSTD_W" -v zh="$ZSTD_H" \
  -v fw="$FLAT_W" -v fh="$FLAT_H" -v uw="$U16_W" -v uh="$U16_H" '
  function levels(w, h,   m, l, s) { m = (w > h ? w : h) / 256; l = 1; s = 1
    while (s < m) { s *= 2; l++ } return l }
  function pick(kind) { return ids[kind, int(rand() * count[kind])] }
  function tile(kind, w, h, top, q,   L, z, s, nx, ny) { # random tile of levels 0..top
    L = levels(w, h); z = int(rand() * (top + 1)); s = 2 ^ (L - 1 - z)
    nx = int((int((w + s - 1) / s) + 255) / 256); ny = int((int((h + s - 1) / s) + 255) / 256)
    return sprintf("/api/v1/item/%s/tiles/zxy/%d/%d/%d%s", pick(kind), z, int(rand() * nx),
      int(rand() * ny), q) }
  function region(kind, w, h,   size, out, left, top, enc) {
    size = 512 * 2 ^ int(rand() * 5); if (size > w) size = w; if (size > h) size = h
    out = 128 * 2 ^ int(rand() * 4); if (out > size) out = size
    left = int(rand() * (w - size + 1)); top = int(rand() * (h - size + 1))
    enc = rand() < 0.25 ? "PNG" : "JPEG"
    return sprintf("/api/v1/item/%s/tiles/region?left=%d&top=%d&regionWidth=%d&regionHeight=%d&width=%d&encoding=%s",
      pick(kind), left, top, size, size, out, enc) }
  function enc(s,   i, c, r) { r = "" # URL-encode a style JSON
    for (i = 1; i <= length(s); i++) { c = substr(s, i, 1)
      r = r (c ~ /[A-Za-z0-9._-]/ ? c : sprintf("%%%02X", ord[c])) } return r }
  BEGIN { for (i = 0; i < 256; i++) ord[sprintf("%c", i)] = i }
  { ids[$1, count[$1]++] = $2 }
  END {
    srand(20260101)
    split("viridis,magma,#f00,Greys,plasma", pal, ",")
    for (i = 0; i < 10; i++) { # 8-bit one-band styles, distinct cache keys
      style8[i] = enc(sprintf("{\"band\":%d,\"palette\":\"%s\",\"min\":%d,\"max\":%d}",
        1 + i % 3, pal[1 + i % 5], 5 * i, 255 - 5 * i)) }
    for (i = 0; i < 4; i++) { # 16-bit 3-channel composites
      style16[i] = enc(sprintf("{\"bands\":[{\"band\":1,\"palette\":\"#f00\",\"min\":%d,\"max\":60000},{\"band\":2,\"palette\":\"#0f0\",\"min\":%d,\"max\":60000},{\"band\":3,\"palette\":\"#00f\",\"min\":%d,\"max\":60000}]}",
        1000 * (i + 1), 1000 * (i + 1), 1000 * (i + 1))) }
    pL = levels(pw, ph); zL = levels(zw, zh); fL = levels(fw, fh); uL = levels(uw, uh)
    for (k = 0; k < n; k++) {
      r = rand()
      if (r < 0.30) print tile("pyr", pw, ph, pL - 1, "")                          # passthrough
      else if (r < 0.38) print tile("pyr", pw, ph, pL - 1, "?encoding=PNG")        # re-encode
      else if (r < 0.46) print tile("zstd", zw, zh, zL - 1, "")                    # ZSTD -> JPEG
      else if (r < 0.51) print tile("flat", fw, fh, fL - 2, "")                    # synthesized
      else if (r < 0.56) print tile("pyr", pw, ph, pL - 1,
        "?encoding=PNG&style=" style8[int(rand() * 10)])                           # 8-bit style
      else if (r < 0.62) print tile("u16", uw, uh, uL - 1,
        "?encoding=PNG&style=" style16[int(rand() * 4)])                           # composite
      else if (r < 0.70) print region("pyr", pw, ph)                               # regions
      else if (r < 0.72) print region("u16", uw, uh)
      else if (r < 0.80) { kind = rand() < 0.5 ? "pyr" : (rand() < 0.5 ? "zstd" : "u16")
        w = 32 + int(rand() * 481)
        printf "/api/v1/item/%s/tiles/thumbnail?width=%d%s\n", pick(kind), w,
          rand() < 0.5 ? "&height=" (32 + int(rand() * 481)) : "" }                # thumbnails
      else if (r < 0.85) { left = int(rand() * (pw - 2048)); top = int(rand() * (ph - 2048))
        printf "/api/v1/item/%s/tiles/histogram?left=%d&top=%d&regionWidth=2048&regionHeight=2048&width=256&height=256&bins=%d\n",
          pick("pyr"), left, top, 2 ^ (4 + int(rand() * 5)) }                      # histograms
      else if (r < 0.88 && count["ome"] > 0)
        printf "/api/v1/item/%s/tiles/tile_frames?width=%d&frameList=%s\n", pick("ome"),
          64 + int(rand() * 128), rand() < 0.5 ? "0,5,10" : "0,1,2,3,4"             # sprites
      else if (r < 0.94) print region("pyr", pw, ph)
      else print region("zstd", zw, zh)
    }
  }' "$WORK/items.txt" >"$PATH_LIST"
N_PATHS=$(wc -l <"$PATH_LIST")
log "$N_PATHS request paths: $(awk -F'[/?]' '{ k = $7 == "zxy" ? ($0 ~ /style=/ ? "styled tile" : ($0 ~ /PNG/ ? "PNG tile" : "tile")) : $7; c[k]++ }
  END { for (k in c) printf "%s %d, ", k, c[k] }' "$PATH_LIST" | sed 's/, $//')"

# ---------------------------------------------------------------------------------------------
# Server, sampler, load

cache_json() { curl -sf -m 5 "$1/api/v1/large_image/cache"; }
SERVER_FLAGS=(--data "$WORK/data" --log-level warning "${TESSERA_THREADS[@]}"
  --tile-cache-bytes "$TILE_CACHE" --max-sources "$MAX_SOURCES")
start_tessera_at soak "$WORK/logs" "$SERVER_CPUS" "$BIN" "${SERVER_FLAGS[@]}"
if [ -n "$EXPECT_LIB" ] && ! grep -q "$EXPECT_LIB" "/proc/$TESSERA_PID/maps"; then
  die "the server (pid $TESSERA_PID) has no $EXPECT_LIB mapped: not the allocator asked for"
fi
if [ "$ALLOCATOR" != jemalloc ] && grep -q libjemalloc "/proc/$TESSERA_PID/maps"; then
  die "the server (pid $TESSERA_PID) has jemalloc mapped"
fi

mkdir -p "$RESULTS_DIR"
CSV="$RESULTS_DIR/$BASE.csv"
REPORT="$RESULTS_DIR/$BASE.md"
echo "elapsed_s,vmrss_kb,vmhwm_kb,threads,tile_cache_used_bytes,tile_cache_items,tile_cache_evictions,open_sources" >"$CSV"
sample() { # t0 (epoch seconds) -> appends one CSV row
  local now el st j
  now=$(date +%s.%N)
  el=$(awk -v a="$now" -v b="$1" 'BEGIN { printf "%.1f", a - b }')
  st=$(awk '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 } $1 == "Threads:" { t = $2 }
    END { print r "," h "," t }' "/proc/$TESSERA_PID/status" 2>/dev/null) || return 0
  [ "$st" != ",," ] || return 0
  j=$(cache_json "$TESSERA_URL" || true)
  echo "$el,$st,$(json_num "$j" tileCache used),$(json_num "$j" tileCache items),$(json_num "$j" tileCache evictions),$(json_num "$j" tilesource used)" >>"$CSV"
}
sampler() { # t0: a row every SAMPLE_S seconds (on the clock, no drift) while the server lives
  local t0=$1 k=0
  while kill -0 "$TESSERA_PID" 2>/dev/null; do
    sample "$t0"
    k=$((k + 1))
    sleep "$(awk -v t0="$t0" -v k="$k" -v s="$SAMPLE_S" -v now="$(date +%s.%N)" \
      'BEGIN { d = t0 + k * s - now; printf "%.2f", (d > 0 ? d : 0) }')"
  done
}

WRK_THREADS=$(cpu_count "$CLIENT_CPUS")
START_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "allocator $ALLOCATOR: $BIN${SERVER_ENV[*]:+ with ${SERVER_ENV[*]}}"
log "load: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s (CPUs $CLIENT_CPUS) against" \
  "tile cache $TILE_CACHE, max-sources $MAX_SOURCES of $N_ITEMS items; samples every ${SAMPLE_S}s to $CSV"
T0=$(date +%s.%N)
sampler "$T0" &
SAMPLER_PID=$!
set +e
taskset -c "$CLIENT_CPUS" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 30s \
  -s "$WALK" "$TESSERA_URL" -- "$PATH_LIST" "$WRK_THREADS" >"$WORK/logs/wrk.out" 2>&1
WRK_RC=$?
set -e
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
SERVER_ALIVE=1
kill -0 "$TESSERA_PID" 2>/dev/null || SERVER_ALIVE=0
((SERVER_ALIVE == 0)) || sample "$T0"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

FAILURES=()
RESULT=$(grep '^RESULT ' "$WORK/logs/wrk.out" || true)
[ -n "$RESULT" ] || FAILURES+=("wrk printed no result (exit $WRK_RC): $(tail -3 "$WORK/logs/wrk.out")")
field() { # name -> its number in wrk's RESULT line (0 without one)
  local v
  v=$(sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<" $RESULT")
  echo "${v:-0}"
}
REQS=$(field requests) DUR_US=$(field duration_us)
SOCK_ERR=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
NON2XX=$(field status)
RPS=$(awk -v r="$REQS" -v d="$DUR_US" 'BEGIN { printf "%.0f", (d > 0 ? r * 1e6 / d : 0) }')
P50=$(awk -v u="$(field p50_us)" 'BEGIN { printf "%.1f", u / 1000 }')
P99=$(awk -v u="$(field p99_us)" 'BEGIN { printf "%.1f", u / 1000 }')
((SOCK_ERR == 0)) || FAILURES+=("$SOCK_ERR wrk socket errors/timeouts: $(grep -i 'socket errors' "$WORK/logs/wrk.out" || true)")
((NON2XX == 0)) || FAILURES+=("$NON2XX responses with an HTTP status >= 400")
((SERVER_ALIVE == 1)) || FAILURES+=("the server died during the soak: $(tail -5 "$WORK/logs/soak.err")")
SERVER_CPU_S=$( ((SERVER_ALIVE == 0)) && echo "-" ||
  sed 's/.*) //' "/proc/$TESSERA_PID/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($12 + $13) / hz }')

# Which paths fail, when some did: the first 2000 paths again, one by one, by status.
ERROR_PATHS=""
if ((NON2XX > 0)) && ((SERVER_ALIVE == 1)); then
  head -n 2000 "$PATH_LIST" | awk -v b="$TESSERA_URL" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0 }' >"$WORK/curl.cfg"
  ERROR_PATHS=$(curl -s -Z --parallel-max 4 -K "$WORK/curl.cfg" -w '%{http_code} %{url}\n' |
    awk '$1 >= 400' | head -n 10 || true)
fi

stop_server "$TESSERA_PID"
WARNINGS=$(grep -c . "$WORK/logs/soak.err" || true)

# ---------------------------------------------------------------------------------------------
# Summary

read -r N_SAMPLES RSS5 RSS_END RSS_MAX HWM SLOPE RSS_WARM RSS_MEAN <<<"$(awk -F, -v w="$WARMUP" -v s="$SAMPLE_S" '
  NR == 1 { next }
  { n++; t = $1 + 0; r = $2 + 0; if (r > max) max = r; hwm = $3; last = r
    d = t - 300; if (d < 0) d = -d; if (d <= s / 2 + 1 && (best == "" || d < bestd)) { best = r; bestd = d }
    if (t >= w) { m++; sx += t; sy += r; sxx += t * t; sxy += t * r; syy += r * r
      if (warm == "") warm = r } }
  END { slope = "-"
    if (m >= 3 && m * sxx - sx * sx > 0) slope = sprintf("%.1f", (m * sxy - sx * sy) / (m * sxx - sx * sx) * 3600 / 1024)
    mean = "-"
    if (m >= 1) { sd = syy / m - (sy / m) ^ 2; mean = sprintf("%.0f(%.0f)", sy / m / 1024, sqrt(sd > 0 ? sd : 0) / 1024) }
    printf "%d %s %.0f %.0f %.0f %s %s %s\n", n, best == "" ? "-" : sprintf("%.0f", best / 1024),
      last / 1024, max / 1024, hwm / 1024, slope, warm == "" ? "-" : sprintf("%.0f", warm / 1024), mean }' "$CSV")"
((N_SAMPLES >= 2)) || FAILURES+=("only $N_SAMPLES RSS samples in $CSV")
VERDICT="no growth verdict ($MODE mode)"
if [ "$MODE" = full ]; then
  if [ "$SLOPE" = - ]; then
    VERDICT="no growth verdict: fewer than 3 samples after the warm-up ($WARMUP s)"
  elif awk -v g="$SLOPE" -v m="$MAX_GROWTH" 'BEGIN { exit !(g > m) }'; then
    VERDICT="FAILED: RSS grows $SLOPE MiB/hour after warm-up (limit $MAX_GROWTH)"
    FAILURES+=("$VERDICT")
  else
    VERDICT="flat: $SLOPE MiB/hour after warm-up (limit $MAX_GROWTH)"
  fi
fi

git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || git_rev+=" + uncommitted changes in src/"
{
  echo "# Tessera soak ($MODE, allocator $ALLOCATOR)"
  echo
  echo "- date: $START_DATE; tessera $git_rev; binary \`$BIN\`${SERVER_ENV[*]:+ with \`${SERVER_ENV[*]}\`}"
  echo "- machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);" \
    "load average at start $LOAD_START, at end $LOAD_END"
  echo "- server on CPU(s) $SERVER_CPUS (${TESSERA_THREADS[*]}, --tile-cache-bytes $TILE_CACHE," \
    "--max-sources $MAX_SOURCES of $N_ITEMS items); wrk -t$WRK_THREADS -c$CONNECTIONS" \
    "-d${DURATION}s --timeout 30s on CPU(s) $CLIENT_CPUS over $N_PATHS mixed paths"
  echo "- images: $(basename "$PYR"), $(basename "$ZSTD"), $(basename "$FLAT") (synthesized levels)," \
    "$(basename "$U16") ($LINKS items each)$([ -f "$OME" ] && echo ", $(basename "$OME") (tile_frames)")"
  echo
  echo "| allocator | requests | req/s | p50 ms | p99 ms | socket errors | HTTP >= 400 | server CPU s |" \
    "RSS at 5 min MiB | RSS at warm-up ($WARMUP s) MiB | mean (sd) RSS after warm-up MiB |" \
    "RSS at end MiB | max RSS MiB | VmHWM MiB | growth after warm-up MiB/hour |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  echo "| $ALLOCATOR | $REQS | $RPS | $P50 | $P99 | $SOCK_ERR | $NON2XX | $SERVER_CPU_S | $RSS5 |" \
    "$RSS_WARM | ${RSS_MEAN/(/ (} | $RSS_END | $RSS_MAX | $HWM | $SLOPE |"
  echo
  echo "$N_SAMPLES samples every ${SAMPLE_S} s: \`$CSV\`. Growth = least-squares slope of VmRSS over the" \
    "samples after $WARMUP s. Server log: $WARNINGS warning/error lines."
  if ((WARNINGS > 0)); then
    echo
    echo '```'
    sort "$WORK/logs/soak.err" | sed 's/[0-9a-f]\{24\}/<id>/g; s/^[^ ]* [^ ]* //' | sort | uniq -c | sort -rn | head -n 8
    echo '```'
  fi
  if [ -n "$ERROR_PATHS" ]; then
    echo
    echo "Failing paths among the first 2000 of the list, asked again one by one:"
    echo
    echo '```'
    echo "$ERROR_PATHS"
    echo '```'
  fi
  echo
  echo "Verdict: $VERDICT."
  if ((${#FAILURES[@]})); then
    echo
    echo "FAILED CHECKS:"
    printf -- '- %s\n' "${FAILURES[@]}"
  else
    echo "All checks passed: no request errored."
  fi
} >"$REPORT"
cat "$REPORT"
log "results written to $REPORT"
((${#FAILURES[@]} == 0)) || exit 1
