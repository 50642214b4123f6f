#!/usr/bin/env bash
# Load benchmark: Tessera's tile endpoint against nginx serving one tile-sized file, under wrk,
# plus the memory check. Self-contained and idempotent; reproduces the performance issue's
# numbers on this machine.
#
#   bench/load/run.sh            full run: ~5 min (+1 min the first time: 1.3 GB of images)
#   bench/load/run.sh --quick    smoke run (small images, 3 s phases, ~1 min): fails unless
#                                every phase answered HTTP 200 with zero errors; skips (exit 0)
#                                when the shared test images are absent
#
# What it does:
#  1. builds `tessera` (Release) in build-bench/ unless --tessera PATH is given;
#  2. generates the test images once, cached in bench/.cache/ (gitignored), exactly like
#     shared/testdata/README.md: a 2000x2500 tissue patch of CMU-1-Small-Region.svs replicated
#     into a 50,000 x 50,000 JPEG Q80 BigTIFF pyramid (256x256 tiles), a 20,000 x 20,000
#     ZSTD pyramid (JPEG output must be re-encoded), and a 20,000 x 20,000 JPEG file WITHOUT
#     lower levels (they are synthesized); --quick uses 4000 x 5000 versions of all three;
#  3. hard-links the images N times in a temp dir (each link is imported as its own item, so
#     requests never repeat a tile within a run) and imports them with `tessera import`;
#  4. runs the phases, each against a freshly started server (`tessera serve --port 0`, URL
#     read from its stdout), with wrk and bench/load/walk.lua walking a list of tile paths:
#       a. nginx serving one real tile of the pyramid for every path (the ceiling)
#       b. Tessera cache hits: a warmed set of top-level tiles (JPEG passthrough)
#       c. Tessera cold passthrough: distinct random full-resolution tiles, empty cache; and
#          the same with a small tile cache filled beforehand (steady state: every insert evicts)
#       d. cold decode + re-encode: ?encoding=PNG of JPEG tiles, and JPEG (q95) of ZSTD tiles
#       e. cold synthesized tiles: level full-2 of the file without lower levels
#       f. IIIF: the cache-hit tiles asked for as IIIF Image API URLs (what OpenSeadragon
#          sends), on the same warmed server as b, alternating with it (ratio ~1)
#       g. regions: distinct 2048 x 2048 regions of the pyramid, output width 1024, JPEG
#       h. thumbnails (256 px) of the pyramid: cold (fresh server, one per item, each opening
#          its source; sequential, timed by curl) and warm (wrk over the same thumbnails)
#       i. styles: a 16-bit RGB pyramid (Deflate) with its unstyled tiles in the cache; a
#          3-channel composite style to PNG, against the same tiles re-encoded to PNG without a
#          style (the encode the style feeds), then the styled tiles again as cache hits
#     reporting requests/s, latency p50/p99, errors, bytes/response, CPU use, ratio to nginx;
#  5. memory: RSS of a server with 100 sources open and a full --tile-cache-bytes cache;
#  6. writes bench/results/latest.md (--quick: quick.md) and prints it.
#
# Pinning (2-core machine): servers on --server-cpus (default 1), wrk on --client-cpus
# (default 0). nginx gets worker_processes = number of server CPUs; Tessera gets
# --io-threads = server CPUs and --workers = 2 x server CPUs (its own per-core defaults).
# Servers are started in their own process group and stopped on exit (trap), whatever happens.
#
# Requires: cmake ninja (unless --tessera), vips (libvips-tools), nginx, wrk, curl, taskset,
# the shared testdata (CMU-1-Small-Region.svs; $TESSERA_TESTDATA or ../shared/testdata).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LOAD_DIR="$ROOT/bench/load"
CACHE="$ROOT/bench/.cache"
RESULTS_DIR="$ROOT/bench/results"
# shellcheck disable=SC2034 # read by bench/lib.sh's log
BENCH_TAG=bench
# shellcheck source=../lib.sh
. "$ROOT/bench/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  cat <<'EOF'
options:
  --quick               smoke mode (small images, 3 s phases)
  --tessera PATH        use this tessera binary instead of building build-bench/src/tessera
  --duration S          seconds per measured phase (full 15, quick 3)
  --connections N       wrk connections (32)
  --wrk-threads N       wrk threads (number of client CPUs)
  --server-cpus LIST    taskset CPU list for the servers (1)
  --client-cpus LIST    taskset CPU list for wrk (0)
  --rounds N            runs of nginx / cache hits (alternating) and of cold passthrough
                        (fresh server each); the report takes each one's best (full 3, quick 1)
  --only LIST           comma-separated subset of:
                        nginx,hits,iiif,cold,png,jpeg,synth,region,thumb,style,mem
  --keep                keep the temp dir (server logs, path lists) for inspection
EOF
}

MODE=full
TESSERA=""
DURATION=""
CONNECTIONS=32
WRK_THREADS=""
SERVER_CPUS=1
CLIENT_CPUS=0
if [ "$(nproc)" -lt 2 ]; then SERVER_CPUS=0; fi # one CPU: everything shares it
ONLY=""
ROUNDS=""
KEEP=0
while (($#)); do
  case "$1" in
    --quick) MODE=quick ;;
    --tessera) TESSERA=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --wrk-threads) WRK_THREADS=$2; shift ;;
    --server-cpus) SERVER_CPUS=$2; shift ;;
    --client-cpus) CLIENT_CPUS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --keep) KEEP=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# ---------------------------------------------------------------------------------------------
# Mode parameters

# shellcheck disable=SC2034 # the *_SIZE arrays are read by bench/lib.sh's bench_images
if [ "$MODE" = quick ]; then
  : "${DURATION:=3}"
  : "${ROUNDS:=1}"
  PYR_SIZE=(2 2)     # replicate factors of the 2000x2500 patch: 4000 x 5000
  ZSTD_SIZE=(2 2)
  FLAT_SIZE=(2 2)
  HIT_TILES=400
  U16_SIZE=(1 1)     # 2000 x 2500
  MEM_SOURCES=100
  MEM_CACHE_BYTES=$((64 << 20))
  SMALL_CACHE_BYTES=$((16 << 20))
  RESULTS_FILE="$RESULTS_DIR/quick.md"
else
  : "${DURATION:=15}"
  : "${ROUNDS:=3}"
  PYR_SIZE=(25 20)   # 50,000 x 50,000
  ZSTD_SIZE=(10 8)   # 20,000 x 20,000
  FLAT_SIZE=(10 8)
  HIT_TILES=2000
  U16_SIZE=(3 2)     # 6000 x 5000
  MEM_SOURCES=100
  MEM_CACHE_BYTES=$((1 << 30))
  SMALL_CACHE_BYTES=$((64 << 20))
  RESULTS_FILE="$RESULTS_DIR/latest.md"
fi
SYNTH_STEPS=2  # synthesized phase: tiles this many levels below full resolution
# Upper bounds of each cold phase's rate on one core, used only to make enough distinct tiles
# (hard links) that no request repeats within a phase; a repeat is reported (`repeats`).
MAX_RATE_COLD=30000
MAX_RATE_PNG=3000
MAX_RATE_JPEG=6000
MAX_RATE_SYNTH=1000
MAX_RATE_STYLE=400
# The composite style of the style phase: bands 1-3 in red, green and blue over 1000..60000.
STYLE_Q='%7B%22bands%22%3A%5B%7B%22band%22%3A1%2C%22palette%22%3A%22%23f00%22%2C%22min%22%3A1000%2C%22max%22%3A60000%7D%2C%7B%22band%22%3A2%2C%22palette%22%3A%22%230f0%22%2C%22min%22%3A1000%2C%22max%22%3A60000%7D%2C%7B%22band%22%3A3%2C%22palette%22%3A%22%2300f%22%2C%22min%22%3A1000%2C%22max%22%3A60000%7D%5D%7D'
REGION_SIZE=2048 # region phase: regions of REGION_SIZE^2 full-resolution pixels ...
REGION_OUT=1024  # ... answered at this width

SERVER_NCPU=$(cpu_count "$SERVER_CPUS")
CLIENT_NCPU=$(cpu_count "$CLIENT_CPUS")
: "${WRK_THREADS:=$CLIENT_NCPU}"
# Regions and thumbnails run on workers of their own (--expensive-workers, 2 x cores default):
# 2 x server CPUs here too, as the region and thumbnail phases were measured on the tile
# workers before; --max-expensive lets every connection's request wait its turn.
TESSERA_THREADS=(--io-threads "$SERVER_NCPU" --workers "$((2 * SERVER_NCPU))"
  --expensive-workers "$((2 * SERVER_NCPU))"
  --max-expensive "$((CONNECTIONS > 64 ? CONNECTIONS : 64))")
CLK_TCK=$(getconf CLK_TCK)

want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

FAILURES=()
fail_check() {
  FAILURES+=("$*")
  log "CHECK FAILED: $*"
}

for tool in vips nginx wrk curl taskset setsid shuf awk; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup installs it)"
done

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

if [ -z "$TESSERA" ]; then
  BUILD_DIR="$ROOT/build-bench"
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  fi
  log "building tessera in $BUILD_DIR"
  ninja -C "$BUILD_DIR" tessera >&2
  TESSERA="$BUILD_DIR/src/tessera"
fi
[ -x "$TESSERA" ] || die "no tessera binary at $TESSERA"
TESSERA=$(cd "$(dirname "$TESSERA")" && pwd)/$(basename "$TESSERA")

# ---------------------------------------------------------------------------------------------
# Images (cached)

mkdir -p "$CACHE"
bench_images

# ---------------------------------------------------------------------------------------------
# Items: hard links, each imported as its own item

WORK=$(mktemp -d "$CACHE/run.XXXXXX") # under the cache: hard links need the same file system
mkdir -p "$WORK/img" "$WORK/lists" "$WORK/logs"

full_level_tiles() { # width height -> tiles of the full-resolution level
  echo $(((($1 + 255) / 256) * (($2 + 255) / 256)))
}
links_needed() { # tiles-per-item max-rate -> hard links so that DURATION x rate tiles exist
  echo $(((DURATION * $2 + $1 - 1) / $1 + 1))
}
PYR_TILES=$(full_level_tiles "$PYR_W" "$PYR_H")
ZSTD_TILES=$(full_level_tiles "$ZSTD_W" "$ZSTD_H")
FLAT_LEVELS=$(levels_for "$FLAT_W" "$FLAT_H")
SYNTH_LEVEL=$((FLAT_LEVELS - 1 - SYNTH_STEPS))
SYNTH_TILES=$(((((FLAT_W >> SYNTH_STEPS) + 255) / 256) * (((FLAT_H >> SYNTH_STEPS) + 255) / 256)))
N_PASS=$(links_needed "$PYR_TILES" "$MAX_RATE_COLD")
N_PNG=$(links_needed "$PYR_TILES" "$MAX_RATE_PNG")
((N_PNG <= N_PASS)) || N_PASS=$N_PNG
N_ZSTD=$(links_needed "$ZSTD_TILES" "$MAX_RATE_JPEG")
N_FLAT=$(links_needed "$SYNTH_TILES" "$MAX_RATE_SYNTH")
U16_TILES=$(full_level_tiles "$U16_W" "$U16_H")
N_U16=$(links_needed "$U16_TILES" "$MAX_RATE_STYLE")
for ((i = 1; i <= N_PASS; i++)); do ln "$PYR" "$WORK/img/pass-$i.tif"; done
for ((i = 1; i <= N_ZSTD; i++)); do ln "$ZSTD" "$WORK/img/zstd-$i.tif"; done
for ((i = 1; i <= N_FLAT; i++)); do ln "$FLAT" "$WORK/img/flat-$i.tif"; done
for ((i = 1; i <= MEM_SOURCES; i++)); do ln "$PYR" "$WORK/img/mem-$i.tif"; done
for ((i = 1; i <= N_U16; i++)); do ln "$U16" "$WORK/img/u16-$i.tif"; done

log "importing $((N_PASS + N_ZSTD + N_FLAT + MEM_SOURCES + N_U16)) items"
"$TESSERA" import --data "$WORK/data" "$WORK/img" >"$WORK/import.jsonl" ||
  die "tessera import failed (see $WORK/import.jsonl)"
# "<item id> <file name>" per line, e.g. "6b06... pass-3.tif"
sed -n 's/.*"id":"\([^"]*\)".*"path":"[^"]*\/\([^"/]*\)".*/\1 \2/p' "$WORK/import.jsonl" |
  sort -k2,2V >"$WORK/items.txt"
[ "$(wc -l <"$WORK/items.txt")" -eq $((N_PASS + N_ZSTD + N_FLAT + MEM_SOURCES + N_U16)) ] ||
  die "not every image was imported (see $WORK/import.jsonl)"
ids_of() { # prefix [max] -> item ids of the links prefix-N.tif
  awk -v p="^$1-[0-9]+[.]tif$" -v max="${2:-0}" '$2 ~ p && (max == 0 || n++ < max) { print $1 }' \
    "$WORK/items.txt"
}
first_id() { ids_of "$1" 1; }

# Path lists (one request path per line; the same list serves nginx and Tessera).
tile_paths() { # ids-file level width height [query]  -> every tile of `level` of each item
  awk -v level="$2" -v w="$3" -v h="$4" -v q="${5:-}" '{
    nx = int((w + 255) / 256); ny = int((h + 255) / 256)
    for (y = 0; y < ny; y++) for (x = 0; x < nx; x++)
      printf "/api/v1/item/%s/tiles/zxy/%d/%d/%d%s\n", $1, level, x, y, q }' "$1"
}
shuffled() { shuf --random-source=<(yes tessera) "$@"; } # deterministic order; -n N: the first N
PYR_LEVELS=$(levels_for "$PYR_W" "$PYR_H")
ZSTD_LEVELS=$(levels_for "$ZSTD_W" "$ZSTD_H")

ids_of pass 1 >"$WORK/lists/hit-item.txt"
: >"$WORK/lists/hits.ordered"
for ((z = 0; z < PYR_LEVELS; z++)); do # top levels first, until HIT_TILES tiles
  s=$((PYR_LEVELS - 1 - z))
  tile_paths "$WORK/lists/hit-item.txt" "$z" $((PYR_W >> s)) $((PYR_H >> s)) \
    >>"$WORK/lists/hits.ordered"
  [ "$(wc -l <"$WORK/lists/hits.ordered")" -lt "$HIT_TILES" ] || break
done
head -n "$HIT_TILES" "$WORK/lists/hits.ordered" | shuffled >"$WORK/lists/hits.txt"
ids_of pass >"$WORK/lists/pass-items.txt"
tile_paths "$WORK/lists/pass-items.txt" $((PYR_LEVELS - 1)) "$PYR_W" "$PYR_H" |
  shuffled >"$WORK/lists/cold.txt"
# Tiles of another level, to fill a small cache before the steady-state cold phase.
tile_paths "$WORK/lists/pass-items.txt" $((PYR_LEVELS - 2)) $((PYR_W >> 1)) $((PYR_H >> 1)) |
  shuffled | head -n $((SMALL_CACHE_BYTES / 6000)) >"$WORK/lists/prefill.txt" || true
ids_of pass "$N_PNG" >"$WORK/lists/png-items.txt"
tile_paths "$WORK/lists/png-items.txt" $((PYR_LEVELS - 1)) "$PYR_W" "$PYR_H" "?encoding=PNG" |
  shuffled >"$WORK/lists/png.txt"
ids_of zstd >"$WORK/lists/zstd-items.txt"
tile_paths "$WORK/lists/zstd-items.txt" $((ZSTD_LEVELS - 1)) "$ZSTD_W" "$ZSTD_H" |
  shuffled >"$WORK/lists/jpeg.txt"
ids_of flat >"$WORK/lists/flat-items.txt"
tile_paths "$WORK/lists/flat-items.txt" "$SYNTH_LEVEL" $((FLAT_W >> SYNTH_STEPS)) \
  $((FLAT_H >> SYNTH_STEPS)) | shuffled >"$WORK/lists/synth.txt"
ids_of mem >"$WORK/lists/mem-items.txt"
# The hit tiles as IIIF requests: region = tile (x, y) at scale factor s, size = its size.
awk -v w="$PYR_W" -v h="$PYR_H" -v levels="$PYR_LEVELS" -F/ '{
    id = $5; z = $8; x = $9; y = $10; s = 2 ^ (levels - 1 - z); span = 256 * s
    rx = x * span; ry = y * span; rw = w - rx; rh = h - ry
    if (rw > span) rw = span; if (rh > span) rh = span
    printf "/iiif/3/%s/%d,%d,%d,%d/%d,%d/0/default.jpg\n", id, rx, ry, rw, rh,
      int((rw + s - 1) / s), int((rh + s - 1) / s) }' "$WORK/lists/hits.txt" >"$WORK/lists/iiif.txt"
# Distinct regions (left and top multiples of 256, shuffled) of the pyramid items.
awk -v w="$PYR_W" -v h="$PYR_H" -v size="$REGION_SIZE" -v out="$REGION_OUT" '{
    for (top = 0; top + size <= h; top += 256) for (left = 0; left + size <= w; left += 256)
      printf "/api/v1/item/%s/tiles/region?left=%d&top=%d&regionWidth=%d&regionHeight=%d&width=%d&encoding=JPEG\n",
        $1, left, top, size, size, out }' "$WORK/lists/pass-items.txt" | shuffled -n 200000 \
  >"$WORK/lists/region.txt"
ids_of u16 >"$WORK/lists/u16-items.txt"
U16_LEVELS=$(levels_for "$U16_W" "$U16_H")
tile_paths "$WORK/lists/u16-items.txt" $((U16_LEVELS - 1)) "$U16_W" "$U16_H" "?encoding=JPEG" \
  >"$WORK/lists/u16-prefill.txt"
tile_paths "$WORK/lists/u16-items.txt" $((U16_LEVELS - 1)) "$U16_W" "$U16_H" "?encoding=PNG" |
  shuffled >"$WORK/lists/u16-png.txt"
tile_paths "$WORK/lists/u16-items.txt" $((U16_LEVELS - 1)) "$U16_W" "$U16_H" \
  "?encoding=PNG&style=$STYLE_Q" | shuffled >"$WORK/lists/u16-style.txt"
head -n 400 "$WORK/lists/u16-style.txt" >"$WORK/lists/u16-style-warm.txt"
awk '{ print "/api/v1/item/" $1 "/tiles/thumbnail?width=256&height=256" }' \
  "$WORK/lists/mem-items.txt" >"$WORK/lists/thumbs.txt"

# ---------------------------------------------------------------------------------------------
# Servers

TESSERA_URL=""
TESSERA_PID=""
start_tessera() { # name [extra serve flags...]
  local name=$1
  shift
  start_tessera_at "$name" "$WORK/logs" "$SERVER_CPUS" "$TESSERA" --data "$WORK/data" \
    --log-level warning "${TESSERA_THREADS[@]}" "$@"
}

NGINX_URL=""
NGINX_PID=""
start_nginx() { # root-dir (serves root/tile.jpg for every path)
  local root=$1 port i conf="$WORK/nginx"
  mkdir -p "$conf"
  for ((i = 0; i < 20; i++)); do
    port=$((20000 + RANDOM % 40000))
    cat >"$conf/nginx.conf" <<EOF
# Private config for the benchmark: one file for every path, no logging, keep-alive, the file
# kept open: nginx at its best, the ceiling.
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes $SERVER_NCPU;
pid $conf/nginx.pid;
error_log $conf/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  open_file_cache max=16 inactive=600s;  # no open/fstat/close per request
  open_file_cache_valid 600s;
  client_body_temp_path $conf/body;
  types { image/jpeg jpg; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $root;
    location / { try_files /tile.jpg =404; }
  }
}
EOF
    setsid taskset -c "$SERVER_CPUS" nginx -p "$conf" -c "$conf/nginx.conf" -e "$conf/error.log" \
      -g "daemon off;" </dev/null >"$WORK/logs/nginx.out" 2>&1 &
    NGINX_PID=$!
    SERVER_PIDS+=("$NGINX_PID")
    NGINX_URL="http://127.0.0.1:$port"
    local j
    for ((j = 0; j < 50; j++)); do
      if curl -sf -o /dev/null "$NGINX_URL/x"; then
        log "nginx pid $NGINX_PID ($SERVER_NCPU worker) on CPUs $SERVER_CPUS at $NGINX_URL"
        return 0
      fi
      kill -0 "$NGINX_PID" 2>/dev/null || break
      sleep 0.1
    done
    stop_server "$NGINX_PID" # port taken, or slow start: try another port
  done
  die "nginx did not start: $(cat "$conf/error.log" 2>/dev/null)"
}

# ---------------------------------------------------------------------------------------------
# Measurement helpers

proc_ticks() { # pids... -> "user sys" ticks of the processes and their children (nginx workers)
  local user=0 sys=0 pid p kids
  for pid in "$@"; do
    kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
    for p in $pid $kids; do
      [ -r "/proc/$p/stat" ] || continue
      read -r u s <<<"$(sed 's/.*) //' "/proc/$p/stat" | awk '{ print $12, $13 }')"
      user=$((user + u))
      sys=$((sys + s))
    done
  done
  echo "$user $sys"
}
cpu_stat() { # cpu list -> "busy total irq steal" jiffies summed over those CPUs
  awk -v cpus="$(
    IFS=,
    for part in $1; do
      if [[ $part == *-* ]]; then seq -s, "${part%-*}" "${part#*-}"; else echo "$part"; fi
    done | paste -sd,
  )" 'BEGIN { n = split(cpus, c, ","); for (i = 1; i <= n; i++) want["cpu" c[i]] = 1 }
    $1 in want { t = 0; for (i = 2; i <= 9; i++) t += $i
      busy += t - $5 - $6; total += t; irq += $7 + $8; steal += $9 }
    END { print busy, total, irq, steal }' /proc/stat
}
children_ticks() { # file written by bash `times` -> user+system ticks of finished children
  awk -v hz="$CLK_TCK" 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "%.0f\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }' "$1"
}
cache_json() { curl -sf "$1/api/v1/large_image/cache"; }

fetch_all() { # base-url paths-file [parallel] -> fails unless every answer is 200
  local base=$1 paths=$2 par=${3:-8} cfg="$WORK/curl.cfg"
  awk -v b="$base" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0 }' "$paths" >"$cfg"
  local codes
  codes=$(curl -s --no-progress-meter -Z --parallel-max "$par" -K "$cfg" -w '%{http_code}\n' | sort | uniq -c) || true
  if [ "$(awk '$2 == 200 { s += $1 } END { print s + 0 }' <<<"$codes")" -ne "$(wc -l <"$paths")" ]
  then
    fail_check "fetching $(wc -l <"$paths") paths of $paths from $base: status counts $(tr -s " \n" " " <<<"$codes")"
    return 1
  fi
}

ROWS="$WORK/rows.tsv"
: >"$ROWS"
LAST_COUNTERS=""
ms() { awk -v u="$1" 'BEGIN { printf (u < 10000 ? "%.2f" : "%.0f"), u / 1000 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b > 0 ? 100 * a / b : 0) }'; }
# measure name description url paths-file server-pid
measure() {
  local name=$1 desc=$2 url=$3 paths=$4 pid=$5 out="$WORK/logs/wrk-$1.txt"
  local before_cache="" after_cache=""
  [[ $name == nginx* ]] || before_cache=$(cache_json "$url")
  local t0 s0 c0 k0 t1 s1 c1 k1
  log "phase $name: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on CPUs $CLIENT_CPUS," \
    "$(wc -l <"$paths") paths"
  t0=$(proc_ticks "$pid")
  times >"$WORK/times0.txt" # wrk's CPU time: the children line of `times`, in this shell
  s0=$(cpu_stat "$SERVER_CPUS")
  c0=$(cpu_stat "$CLIENT_CPUS")
  taskset -c "$CLIENT_CPUS" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s \
    -s "$LOAD_DIR/walk.lua" "$url" -- "$paths" "$WRK_THREADS" >"$out" 2>&1 ||
    fail_check "$name: wrk exited with an error: $(tail -3 "$out")"
  s1=$(cpu_stat "$SERVER_CPUS")
  c1=$(cpu_stat "$CLIENT_CPUS")
  times >"$WORK/times1.txt"
  t1=$(proc_ticks "$pid")
  [[ $name == nginx* ]] || after_cache=$(cache_json "$url")
  local result
  result=$(grep '^RESULT ' "$out" || true)
  if [ -z "$result" ]; then
    fail_check "$name: no RESULT line from wrk (see $out)"
    return 0
  fi
  local -A r
  local kv
  for kv in ${result#RESULT }; do r[${kv%%=*}]=${kv#*=}; done
  local socket_errors=$((r[connect] + r[read] + r[write] + r[timeout]))
  ((r[requests] > 0)) || fail_check "$name: no request completed"
  ((r[status] == 0)) || fail_check "$name: ${r[status]} responses with HTTP status >= 400"
  ((socket_errors == 0)) || fail_check "$name: socket errors connect=${r[connect]}" \
    "read=${r[read]} write=${r[write]} timeout=${r[timeout]}"
  # The first path once more, to see the exact status.
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' "$url$(head -1 "$paths")")
  [ "$code" = 200 ] || fail_check "$name: $url$(head -1 "$paths") answered $code"
  local rps
  rps=$(awk -v n="${r[requests]}" -v d="${r[duration_us]}" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  # CPU: jiffies of the server's CPU set split into the server process, irq + softirq
  # (loopback TCP is mostly processed there), steal, and everything else (other processes).
  local sb st si ss cb ct
  read -r sb st si ss <<<"$(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x); split(b, y)
    print y[1] - x[1], y[2] - x[2], y[3] - x[3], y[4] - x[4] }')"
  read -r cb ct <<<"$(awk -v a="$c0" -v b="$c1" 'BEGIN { split(a, x); split(b, y)
    print y[1] - x[1], y[2] - x[2] }')"
  k0=$(children_ticks "$WORK/times0.txt")
  k1=$(children_ticks "$WORK/times1.txt")
  local u0 y0 u1 y1
  read -r u0 y0 <<<"$t0"
  read -r u1 y1 <<<"$t1"
  local self=$((u1 - u0 + y1 - y0)) wrk_ticks=$((k1 - k0))
  local other=$((sb - self - si - ss))
  ((other > 0)) || other=0
  local us_per_req
  us_per_req=$(awk -v t="$self" -v hz="$CLK_TCK" -v n="${r[requests]}" \
    'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
  local user_sys
  user_sys=$(awk -v u="$((u1 - u0))" -v s="$((y1 - y0))" -v hz="$CLK_TCK" -v n="${r[requests]}" \
    'BEGIN { printf "%.0f + %.0f", u / hz * 1e6 / n, s / hz * 1e6 / n }')
  local server_split
  server_split="$(pct "$self" "$st") / $(pct "$si" "$st") / $(pct "$ss" "$st") / $(pct "$other" "$st")"
  local client_split
  client_split="$(pct "$wrk_ticks" "$ct") / $(pct "$cb" "$ct")"
  local counters=""
  if [ -n "$before_cache" ]; then
    local key d
    for key in tileCache:hits tileCache:misses tileCache:evictions tiles:rawReads \
      tiles:decodes tiles:synthesized tiles:encodes tiles:passthrough; do
      d=$(($(json_num "$after_cache" "${key%%:*}" "${key#*:}") - \
        $(json_num "$before_cache" "${key%%:*}" "${key#*:}")))
      counters+="${key#*:} $d, "
    done
    counters=${counters%, }
    echo "$name $after_cache" >>"$WORK/logs/cache-stats.txt"
  fi
  : "${counters:=-}" # no empty fields: `read` would merge adjacent tabs
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$desc" \
    "$rps" "${r[p50_us]}" "${r[p99_us]}" "${r[status]}" "$socket_errors" \
    "$((r[bytes] / r[requests]))" "$us_per_req ($user_sys)" "$server_split" "$client_split" \
    "${r[paths]}" "${r[wraps]}" "${r[requests]}" "$counters" >>"$ROWS"
  log "  $rps req/s, p50 $(ms "${r[p50_us]}") ms, p99 $(ms "${r[p99_us]}") ms," \
    "errors ${r[status]}+$socket_errors, server ${us_per_req} us CPU/request," \
    "server CPUs self/irq/steal/other % $server_split, client CPUs wrk/busy % $client_split"
  LAST_COUNTERS="$counters"
}

warm_sources() { # base-url items-file: opens every item's source (metadata), checks 200
  awk '{ print "/api/v1/item/" $1 "/tiles" }' "$2" >"$WORK/lists/meta.txt"
  fetch_all "$1" "$WORK/lists/meta.txt" 4
}

START_DATE=$(date -u +%FT%TZ)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# a + b: nginx and Tessera cache hits (the same server instance is warmed once)

NGINX_FILE_NOTE=""
if want nginx || want hits || want iiif; then
  start_tessera hits
  hit_id=$(first_id pass)
  warm_sources "$TESSERA_URL" "$WORK/lists/hit-item.txt"
  log "warming ${HIT_TILES} cache-hit tiles"
  fetch_all "$TESSERA_URL" "$WORK/lists/hits.txt" 8 || true
  if want iiif; then fetch_all "$TESSERA_URL" "$WORK/lists/iiif.txt" 8 || true; fi
  # The nginx file: the hit-set tile whose size is closest to the hit set's mean (so both
  # serve about the same bytes), extracted once with `tessera tile` and cached.
  nginx_tile="$CACHE/nginx-tile-$(basename "$PYR" .tif)-$HIT_TILES.jpg"
  if [ ! -s "$nginx_tile" ]; then
    awk -v b="$TESSERA_URL" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0 }' \
      "$WORK/lists/hits.txt" >"$WORK/sizes.cfg"
    curl -s --no-progress-meter -Z --parallel-max 8 -K "$WORK/sizes.cfg" -w '%{size_download} %{url}\n' \
      >"$WORK/sizes.txt"
    pick=$(awk '{ n++; s += $1; size[n] = $1; url[n] = $2 } END { m = s / n; best = 1
      for (i = 1; i <= n; i++) if ((size[i] - m)^2 < (size[best] - m)^2) best = i
      print url[best] }' "$WORK/sizes.txt")
    read -r z x y <<<"$(sed 's#.*/zxy/\([0-9]*\)/\([0-9]*\)/\([0-9]*\).*#\1 \2 \3#' <<<"$pick")"
    "$TESSERA" tile "$PYR" "$z" "$x" "$y" -o "$nginx_tile.partial"
    mv "$nginx_tile.partial" "$nginx_tile"
    echo "$z $x $y" >"$nginx_tile.zxy"
  fi
  read -r z x y <"$nginx_tile.zxy"
  curl -s -o "$WORK/served.jpg" "$TESSERA_URL/api/v1/item/$hit_id/tiles/zxy/$z/$x/$y"
  cmp -s "$WORK/served.jpg" "$nginx_tile" ||
    fail_check "the tile written by tessera tile differs from the one the server sends"
  NGINX_FILE_NOTE="tile z=$z x=$x y=$y of the pyramid, $(stat -c %s "$nginx_tile") bytes"
  mkdir -p "$WORK/nginx-root"
  cp "$nginx_tile" "$WORK/nginx-root/tile.jpg"
  chmod 0755 "$WORK/nginx-root"
  start_nginx "$WORK/nginx-root"
  # Alternating rounds: the machine's load changes from one run to the next, so each server
  # gets ROUNDS runs interleaved with the other's, and the report uses each one's best run.
  for ((round = 1; round <= ROUNDS; round++)); do
    if want nginx; then
      measure "nginx.$round" "nginx, one file (ceiling)" "$NGINX_URL" "$WORK/lists/hits.txt" \
        "$NGINX_PID"
    fi
    if want hits; then
      measure "hits.$round" "Tessera cache hits (JPEG passthrough)" "$TESSERA_URL" \
        "$WORK/lists/hits.txt" "$TESSERA_PID"
      [[ $LAST_COUNTERS == *"rawReads 0,"* && $LAST_COUNTERS == *"misses 0,"* ]] ||
        fail_check "hits: the server read or missed tiles in the cache-hit phase ($LAST_COUNTERS)"
    fi
    if want iiif; then
      measure "iiif.$round" "Tessera IIIF tile requests, cache hits (same tiles as zxy)" \
        "$TESSERA_URL" "$WORK/lists/iiif.txt" "$TESSERA_PID"
      [[ $LAST_COUNTERS == *"rawReads 0,"* && $LAST_COUNTERS == *"misses 0,"* ]] ||
        fail_check "iiif: the server read or missed tiles in the cache-hit phase ($LAST_COUNTERS)"
    fi
  done
  stop_server "$NGINX_PID"
  stop_server "$TESSERA_PID"
fi

# name description paths-file items-file expectation-counter [prefill-paths [serve flags...]]
cold_phase() {
  local name=$1 desc=$2 paths=$3 items=$4 expect=$5 prefill=${6:-}
  shift $(($# < 6 ? $# : 6))
  start_tessera "$name" "$@"
  warm_sources "$TESSERA_URL" "$items" || true
  if [ -n "$prefill" ]; then
    log "filling the tile cache with $(wc -l <"$prefill") tiles of another level"
    fetch_all "$TESSERA_URL" "$prefill" 8 || true
    local j
    j=$(cache_json "$TESSERA_URL")
    (($(json_num "$j" tileCache evictions) > 0)) ||
      fail_check "$name: the tile cache is not full after the prefill ($j)"
  fi
  measure "$name" "$desc" "$TESSERA_URL" "$paths" "$TESSERA_PID"
  [[ $LAST_COUNTERS =~ $expect\ [1-9] ]] ||
    fail_check "$name: expected $expect > 0 ($LAST_COUNTERS)"
  stop_server "$TESSERA_PID"
}
if want cold; then
  for ((round = 1; round <= ROUNDS; round++)); do
    cold_phase "cold.$round" "Tessera cold passthrough (full-res JPEG tiles)" \
      "$WORK/lists/cold.txt" "$WORK/lists/pass-items.txt" rawReads
    [[ $LAST_COUNTERS == *"encodes 0,"* ]] ||
      fail_check "cold: tiles were re-encoded instead of passed through ($LAST_COUNTERS)"
  done
  # The same with a small cache that is already full: every insert evicts, and the freed
  # memory is reused, as in a long-running server (the run above also pays for the growth of
  # the process: page faults on every new tile's memory).
  for ((round = 1; round <= ROUNDS; round++)); do
    cold_phase "coldfull.$round" \
      "Tessera cold passthrough, cache full ($((SMALL_CACHE_BYTES >> 20)) MiB, evicting)" \
      "$WORK/lists/cold.txt" "$WORK/lists/pass-items.txt" rawReads "$WORK/lists/prefill.txt" \
      --tile-cache-bytes "$SMALL_CACHE_BYTES"
    [[ $LAST_COUNTERS == *"encodes 0,"* && $LAST_COUNTERS =~ evictions\ [1-9] ]] ||
      fail_check "coldfull: expected passthrough with evictions ($LAST_COUNTERS)"
  done
fi
if want png; then
  cold_phase png.1 "Tessera cold JPEG -> PNG (decode + encode)" "$WORK/lists/png.txt" \
    "$WORK/lists/png-items.txt" encodes
fi
if want jpeg; then
  cold_phase jpeg.1 "Tessera cold ZSTD -> JPEG q95 (decode + encode)" "$WORK/lists/jpeg.txt" \
    "$WORK/lists/zstd-items.txt" encodes
fi
if want synth; then
  cold_phase synth.1 "Tessera cold synthesized (level full-$SYNTH_STEPS, 2x2 per step)" \
    "$WORK/lists/synth.txt" "$WORK/lists/flat-items.txt" synthesized
fi

if want region; then
  cold_phase region.1 "Tessera regions ${REGION_SIZE}x${REGION_SIZE} -> ${REGION_OUT} JPEG (distinct, cold tiles)" \
    "$WORK/lists/region.txt" "$WORK/lists/pass-items.txt" rawReads
fi

# Thumbnails: cold = the first thumbnail of each item on a fresh server (opens the source,
# reads the small levels, resizes, encodes), one request at a time; warm = wrk over them.
THUMB_ROW=()
if want thumb; then
  start_tessera thumb
  awk -v b="$TESSERA_URL" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", b, $0 }' \
    "$WORK/lists/thumbs.txt" >"$WORK/thumbs.cfg"
  curl -s --no-progress-meter -K "$WORK/thumbs.cfg" -w '%{http_code} %{time_total}\n' \
    >"$WORK/logs/thumbs-cold.txt" || true
  read -r thumb_n thumb_ok thumb_rate thumb_p50 thumb_max <<<"$(sort -k2,2g "$WORK/logs/thumbs-cold.txt" |
    awk '{ n++; if ($1 == 200) ok++; t[n] = $2; s += $2 }
      END { printf "%d %d %.1f %.1f %.1f\n", n, ok, n / s, 1000 * t[int((n + 1) / 2)], 1000 * t[n] }')"
  [ "$thumb_ok" = "$thumb_n" ] || fail_check "thumbnails: only $thumb_ok of $thumb_n cold thumbnails answered 200"
  log "cold thumbnails: $thumb_n in sequence, $thumb_rate/s, p50 $thumb_p50 ms, max $thumb_max ms"
  THUMB_ROW=("$thumb_n" "$thumb_rate" "$thumb_p50" "$thumb_max")
  measure "thumbwarm.1" "Tessera thumbnails 256 px, warm (cache hits)" "$TESSERA_URL" \
    "$WORK/lists/thumbs.txt" "$TESSERA_PID"
  [[ $LAST_COUNTERS == *"misses 0,"* ]] ||
    fail_check "thumbwarm: the server missed the cache for warm thumbnails ($LAST_COUNTERS)"
  stop_server "$TESSERA_PID"
fi

# Styles: the unstyled 16-bit tiles in the cache first (their JPEG encode reads them), then the
# encode alone (PNG without a style), the style + encode, and styled hits.
if want style; then
  start_tessera style --tile-cache-bytes 8GiB  # every phase's tiles fit: no evictions
  warm_sources "$TESSERA_URL" "$WORK/lists/u16-items.txt" || true
  log "caching $(wc -l <"$WORK/lists/u16-prefill.txt") unstyled 16-bit tiles"
  fetch_all "$TESSERA_URL" "$WORK/lists/u16-prefill.txt" 8 || true
  measure "u16png.1" "16-bit RGB tiles -> PNG, no style (unstyled tiles cached)" "$TESSERA_URL" \
    "$WORK/lists/u16-png.txt" "$TESSERA_PID"
  [[ $LAST_COUNTERS =~ encodes\ [1-9] && $LAST_COUNTERS == *"decodes 0,"* ]] ||
    fail_check "u16png: expected encodes of cached pixels ($LAST_COUNTERS)"
  measure "stylecold.1" "3-channel 16-bit composite style -> PNG (unstyled tiles cached)" \
    "$TESSERA_URL" "$WORK/lists/u16-style.txt" "$TESSERA_PID"
  [[ $LAST_COUNTERS =~ encodes\ [1-9] && $LAST_COUNTERS == *"decodes 0,"* ]] ||
    fail_check "stylecold: expected styled encodes of cached pixels ($LAST_COUNTERS)"
  fetch_all "$TESSERA_URL" "$WORK/lists/u16-style-warm.txt" 8 || true
  measure "stylewarm.1" "the styled tiles again (cache hits)" "$TESSERA_URL" \
    "$WORK/lists/u16-style-warm.txt" "$TESSERA_PID"
  [[ $LAST_COUNTERS == *"misses 0,"* ]] ||
    fail_check "stylewarm: styled tiles missed the cache ($LAST_COUNTERS)"
  stop_server "$TESSERA_PID"
fi

# ---------------------------------------------------------------------------------------------
# Memory: 100 sources open, then the tile cache filled to its --tile-cache-bytes

MEM_ROWS=()
if want mem; then
  start_tessera mem --tile-cache-bytes "$MEM_CACHE_BYTES"
  sleep 1
  rss0=$(rss_kb "$TESSERA_PID" VmRSS)
  warm_sources "$TESSERA_URL" "$WORK/lists/mem-items.txt" || true
  j=$(cache_json "$TESSERA_URL")
  used_sources=$(json_num "$j" tilesource used)
  source_bytes=$(json_num "$j" tilesource memoryBytes)
  [ "$used_sources" = "$MEM_SOURCES" ] ||
    fail_check "memory: tilesource.used is $used_sources, expected $MEM_SOURCES open sources"
  rss1=$(rss_kb "$TESSERA_PID" VmRSS)
  # Fill: distinct full-resolution tiles, round-robin over the items, in chunks, until the
  # cache reports at least 99% of its capacity used (eviction has then begun).
  log "memory: filling the $((MEM_CACHE_BYTES >> 20)) MiB tile cache"
  chunk=5000
  offset=0
  used=0
  requests=0
  nx=$(((PYR_W + 255) / 256))
  fill_start=$SECONDS
  while :; do
    awk -v level=$((PYR_LEVELS - 1)) -v nx="$nx" -v start="$offset" -v n="$chunk" \
      -v items="$MEM_SOURCES" 'NR == FNR { id[NR - 1] = $1; next }
      END { for (t = start; t < start + n; t++) { i = t % items; k = int(t / items)
        printf "/api/v1/item/%s/tiles/zxy/%d/%d/%d\n", id[i], level, k % nx, int(k / nx) } }' \
      "$WORK/lists/mem-items.txt" /dev/null >"$WORK/lists/fill.txt"
    fetch_all "$TESSERA_URL" "$WORK/lists/fill.txt" 8 || break
    offset=$((offset + chunk))
    requests=$((requests + chunk))
    j=$(cache_json "$TESSERA_URL")
    used=$(json_num "$j" tileCache used)
    if ((used * 100 >= MEM_CACHE_BYTES * 99)); then break; fi
    if ((offset >= MEM_SOURCES * PYR_TILES)) || ((SECONDS - fill_start > 600)); then
      fail_check "memory: the tile cache did not fill (used $used of $MEM_CACHE_BYTES)"
      break
    fi
  done
  items=$(json_num "$j" tileCache items)
  evictions=$(json_num "$j" tileCache evictions)
  rss2=$(rss_kb "$TESSERA_PID" VmRSS)
  hwm=$(rss_kb "$TESSERA_PID" VmHWM)
  MEM_ROWS=("$rss0" "$rss1" "$rss2" "$hwm" "$used" "$items" "$evictions" "$requests" \
    "$used_sources" "$source_bytes")
  log "memory: RSS start ${rss0} kB, ${used_sources} sources ${rss1} kB, cache full ${rss2} kB" \
    "(HWM ${hwm} kB), cache used $used bytes in $items tiles"
  stop_server "$TESSERA_PID"
fi

# ---------------------------------------------------------------------------------------------
# Report

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
# One row per phase: its best run (highest req/s: interference only ever slows a run down),
# errors summed over all runs, and every run's req/s.
BEST="$WORK/best.tsv"
awk -F'\t' -v OFS='\t' '{ base = $1; sub(/[.][0-9]+$/, "", base)
    if (!(base in best)) { order[++n] = base; runs[base] = $3 } else runs[base] = runs[base] " / " $3
    st[base] += $6; se[base] += $7; if ($13 + 0 > wraps[base] + 0) wraps[base] = $13 + 0
    if (!(base in best) || $3 + 0 > rps[base]) { best[base] = $0; rps[base] = $3 + 0 } }
  END { for (i = 1; i <= n; i++) { b = order[i]; split(best[b], f, "\t")
    f[1] = b; f[6] = st[b]; f[7] = se[b]; f[13] = wraps[b] + 0
    line = f[1]; for (k = 2; k <= 15; k++) line = line OFS f[k]
    print line, runs[b] } }' "$ROWS" >"$BEST"
nginx_ref=$(awk -F'\t' '$1 == "nginx" { print $3 }' "$BEST")
nginx_us=$(awk -F'\t' '$1 == "nginx" { print $9 + 0 }' "$BEST")
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
git_rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || git_rev+=" + uncommitted changes in src/"

mkdir -p "$RESULTS_DIR"
{
  echo "# Tessera load benchmark ($MODE)"
  echo
  echo "- date: $START_DATE; tessera $git_rev; binary \`$TESSERA\`"
  echo "- machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))," \
    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);" \
    "load average at start $LOAD_START, at end $LOAD_END"
  echo "- servers pinned to CPU(s) $SERVER_CPUS (nginx worker_processes $SERVER_NCPU," \
    "sendfile, keep-alive, access_log off; tessera ${TESSERA_THREADS[*]})," \
    "wrk pinned to CPU(s) $CLIENT_CPUS: wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s" \
    "with bench/load/walk.lua walking a shuffled list of tile paths"
  echo "- images: $(basename "$PYR") (JPEG Q80 pyramid), $(basename "$ZSTD"), $(basename "$FLAT")" \
    "(single level); page cache warm, each cold phase on a freshly started server"
  [ -z "$NGINX_FILE_NOTE" ] || echo "- nginx serves $NGINX_FILE_NOTE for every path"
  echo
  if [ -s "$ROWS" ]; then
    echo "| phase | req/s | vs nginx | p50 ms | p99 ms | HTTP errors | socket errors |" \
      "bytes/resp | server CPU us/req (user + sys) | CPU/req vs nginx | server CPUs: self / irq /" \
      "steal / other % | client CPUs: wrk / busy % | distinct paths | repeats | req/s of each run |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    while IFS=$'\t' read -r name desc rps p50 p99 st se bpr uspr ssplit csplit paths wraps reqs \
      counters runs; do
      ratio="-"
      cost="-"
      if [ -n "$nginx_ref" ] && [[ $name != nginx* ]]; then
        ratio=$(awk -v a="$rps" -v b="$nginx_ref" 'BEGIN { printf "%.1f%%", 100 * a / b }')
        cost=$(awk -v a="$nginx_us" -v b="${uspr%% *}" 'BEGIN { printf "%.1f%%", 100 * a / b }')
      fi
      [[ $name != nginx* && $name != hits && $name != iiif && $name != thumbwarm &&
        $name != stylewarm ]] ||
        wraps="(warm set)"
      echo "| $desc | $rps | $ratio | $(ms "$p50") | $(ms "$p99") | $st | $se | $bpr | $uspr |" \
        "$cost | $ssplit | $csplit | $paths | $wraps | $runs |"
    done <"$BEST"
    echo
    echo "Each row is the phase's best run (highest req/s) of the runs listed last; errors are" \
      "summed over all runs."
    [ -z "$nginx_ref" ] || echo "vs nginx = req/s / nginx's best ($nginx_ref req/s);" \
      "CPU/req vs nginx = nginx's CPU per request ($nginx_us us) / this phase's, i.e. the" \
      "rate ratio if both had a core to themselves. Targets: cache hits >= 80%, cold" \
      "passthrough >= 25%."
    echo "server CPU us/req = the server process's CPU time (user + system) per completed" \
      "request. server CPUs = the jiffies of the server's CPU set (/proc/stat): the server" \
      "process itself, irq + softirq (loopback TCP), steal, and other (other processes on that" \
      "CPU; irq may overlap self, since softirq work done inside the server's own system calls" \
      "is charged to both). client CPUs: wrk's own CPU time and all busy time of the client" \
      "CPU set. A phase is" \
      "server-bound when self + irq is near 100%, generator-bound when wrk is near 100%." \
      "repeats = times a wrk thread started its path list over (cold phases must show 0)."
    echo
    echo "Server counters during each run (deltas of /api/v1/large_image/cache):"
    echo
    while IFS=$'\t' read -r name desc rps p50 p99 st se bpr uspr ssplit csplit paths wraps reqs \
      counters; do
      [ "$counters" = - ] || echo "- $name ($reqs requests): $counters"
    done <"$ROWS"
    echo
  fi
  if ((${#THUMB_ROW[@]})); then
    echo "Cold thumbnails (256 x 256 of $(basename "$PYR"), ${THUMB_ROW[0]} items, one request at" \
      "a time on a fresh server, each opening its source): ${THUMB_ROW[1]} thumbnails/s," \
      "p50 ${THUMB_ROW[2]} ms, max ${THUMB_ROW[3]} ms."
    echo
  fi
  if ((${#MEM_ROWS[@]})); then
    read -r rss0 rss1 rss2 hwm used items evictions requests nsrc sbytes <<<"${MEM_ROWS[*]}"
    echo "Memory (--tile-cache-bytes $MEM_CACHE_BYTES, $nsrc sources open of" \
      "$(basename "$PYR") hard links, cache filled with $requests distinct passthrough tiles):"
    echo
    echo "| state | VmRSS MiB |"
    echo "|---|--:|"
    echo "| started, nothing open | $(mib "$rss0") |"
    echo "| $nsrc sources open (tilesource.used = $nsrc, memoryBytes $sbytes) | $(mib "$rss1") |"
    echo "| tile cache full (used $used bytes, $items tiles, $evictions evictions) |" \
      "$(mib "$rss2") |"
    echo "| peak (VmHWM) | $(mib "$hwm") |"
    echo
    awk -v r0="$rss1" -v r="$rss2" -v u="$used" 'BEGIN {
      printf "RSS / cache used = %.2f; (RSS full - RSS with sources) / cache used = %.2f\n",
        r * 1024 / u, (r - r0) * 1024 / u }'
    echo
  fi
  if ((${#FAILURES[@]})); then
    echo "FAILED CHECKS:"
    printf -- '- %s\n' "${FAILURES[@]}"
  else
    echo "All checks passed: every phase answered HTTP 200 with zero errors."
  fi
} >"$RESULTS_FILE"
cat "$RESULTS_FILE"
log "results written to $RESULTS_FILE"
((${#FAILURES[@]} == 0)) || exit 1
