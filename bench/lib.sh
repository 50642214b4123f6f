# shellcheck shell=bash
# Shell helpers shared by the benchmark scripts (sourced, not run): logging, servers in their
# own process group stopped on exit, and the generated test images cached in bench/.cache/.
#
# The sourcing script sets, before calling these:
#   BENCH_TAG    the log prefix ("bench", "soak")
#   CACHE        the image cache directory (bench/.cache)
#   SERVER_PIDS  an array (the servers stop_server knows about)
#   SERVER_ENV   optional array of NAME=VALUE set for the servers start_tessera_at starts

log() { echo "[${BENCH_TAG:-bench} $(date +%T)] $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

stop_server() { # pid: SIGTERM to its group, then SIGKILL after 10 s
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "server $pid did not stop on SIGTERM: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  local keep=()
  for i in "${SERVER_PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
  SERVER_PIDS=("${keep[@]}")
}

cpu_count() { # number of CPUs in a taskset list such as "1" or "0-1,3"
  local n=0 part
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then n=$((n + ${part#*-} - ${part%-*} + 1)); else n=$((n + 1)); fi
  done
  echo "$n"
}

rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; } # pid VmRSS|VmHWM

# Images. The 2000x2500 RGB tissue patch of CMU-1-Small-Region.svs (shared/testdata/README.md),
# extracted once into $CACHE/tile.v. Returns 1 (nothing done) when the test image is absent.
bench_patch() { # testdata-dir
  local svs="$1/CMU-1-Small-Region.svs"
  [ -s "$CACHE/tile.v" ] && return 0
  [ -f "$svs" ] || return 1
  mkdir -p "$CACHE"
  log "extracting the 2000x2500 tissue patch"
  vips extract_area "$svs" "$CACHE/t4.v" 100 200 2000 2500
  vips extract_band "$CACHE/t4.v" "$CACHE/tile.partial.v" 0 --n 3
  mv "$CACHE/tile.partial.v" "$CACHE/tile.v"
  rm -f "$CACHE/t4.v"
}

gen_image() { # name tiffsave-options replicate-x replicate-y -> prints the cached file's path
  local name=$1 opts=$2 rx=$3 ry=$4
  if [ ! -s "$CACHE/$name" ]; then
    log "generating $name (vips replicate $rx $ry, $opts)"
    local start=$SECONDS
    rm -f "$CACHE/$name.partial.tif"
    vips replicate "$CACHE/tile.v" "$CACHE/$name.partial.tif[$opts]" "$rx" "$ry"
    mv "$CACHE/$name.partial.tif" "$CACHE/$name"
    log "  $name: $(du -h "$CACHE/$name" | cut -f1) in $((SECONDS - start)) s"
  fi
  echo "$CACHE/$name"
}

gen_u16() { # replicate-x replicate-y -> prints the path of a 16-bit RGB Deflate pyramid
  local rx=$1 ry=$2
  local f
  f="$CACHE/pyr-u16-$((2000 * rx))x$((2500 * ry)).tif"
  if [ ! -s "$f" ]; then
    log "generating $(basename "$f") (16-bit RGB: the patch x 257, Deflate pyramid)"
    vips linear "$CACHE/tile.v" "$CACHE/u16-float.v" 257 0
    vips cast "$CACHE/u16-float.v" "$CACHE/u16.v" ushort
    vips replicate "$CACHE/u16.v" \
      "$CACHE/u16.partial.tif[tile,tile-width=256,tile-height=256,pyramid,compression=deflate,bigtiff]" \
      "$rx" "$ry"
    mv "$CACHE/u16.partial.tif" "$f"
    rm -f "$CACHE/u16-float.v" "$CACHE/u16.v"
  fi
  echo "$f"
}

levels_for() { # width height -> large_image's level count for 256x256 tiles
  awk -v w="$1" -v h="$2" 'BEGIN { m = (w > h ? w : h) / 256; l = 1; s = 1;
    while (s < m) { s *= 2; l++ } print l }'
}

start_tessera_at() { # name logs-dir server-cpus tessera [serve flags...] -> TESSERA_PID, TESSERA_URL
  # `tessera serve --port 0` in its own process group, pinned; the URL is read from its stdout
  # (polled, no fixed sleep).
  local name=$1 logs=$2 cpus=$3 bin=$4 i
  shift 4
  setsid env ${SERVER_ENV[@]+"${SERVER_ENV[@]}"} taskset -c "$cpus" "$bin" serve --host 127.0.0.1 --port 0 "$@" \
    >"$logs/$name.out" 2>"$logs/$name.err" </dev/null &
  TESSERA_PID=$!
  SERVER_PIDS+=("$TESSERA_PID")
  TESSERA_URL=""
  for ((i = 0; i < 300; i++)); do
    TESSERA_URL=$(sed -n 's/^tessera listening on //p' "$logs/$name.out" 2>/dev/null || true)
    [ -z "$TESSERA_URL" ] || break
    kill -0 "$TESSERA_PID" 2>/dev/null || die "tessera serve exited: $(cat "$logs/$name.err")"
    sleep 0.1
  done
  [ -n "$TESSERA_URL" ] || die "tessera serve printed no URL in 30 s"
  log "tessera ($name) pid $TESSERA_PID on CPUs $cpus at $TESSERA_URL"
}

# The four generated images both bench/load and bench/soak use, sized by PYR_SIZE, ZSTD_SIZE,
# FLAT_SIZE and U16_SIZE (replication factors of the 2000x2500 patch): sets TESTDATA, PYR, ZSTD,
# FLAT, U16 and their *_W / *_H, and reads them into the page cache. Without the test image:
# exits 0 with SKIPPED in MODE=quick, fails otherwise.
# shellcheck disable=SC2034 # the callers read every variable set here
bench_images() {
  TESTDATA=${TESSERA_TESTDATA:-$ROOT/../shared/testdata}
  if ! bench_patch "$TESTDATA"; then
    if [ "$MODE" = quick ]; then
      log "SKIPPED: test image $TESTDATA/CMU-1-Small-Region.svs not found (set TESSERA_TESTDATA)"
      exit 0
    fi
    die "test image $TESTDATA/CMU-1-Small-Region.svs not found (set TESSERA_TESTDATA)"
  fi
  PYR_W=$((2000 * PYR_SIZE[0])) PYR_H=$((2500 * PYR_SIZE[1]))
  ZSTD_W=$((2000 * ZSTD_SIZE[0])) ZSTD_H=$((2500 * ZSTD_SIZE[1]))
  FLAT_W=$((2000 * FLAT_SIZE[0])) FLAT_H=$((2500 * FLAT_SIZE[1]))
  U16_W=$((2000 * U16_SIZE[0])) U16_H=$((2500 * U16_SIZE[1]))
  PYR=$(gen_image "pyr-jpeg-${PYR_W}x${PYR_H}.tif" \
    "tile,tile-width=256,tile-height=256,pyramid,compression=jpeg,Q=80,bigtiff" "${PYR_SIZE[@]}")
  ZSTD=$(gen_image "pyr-zstd-${ZSTD_W}x${ZSTD_H}.tif" \
    "tile,tile-width=256,tile-height=256,pyramid,compression=zstd,bigtiff" "${ZSTD_SIZE[@]}")
  FLAT=$(gen_image "flat-jpeg-${FLAT_W}x${FLAT_H}.tif" \
    "tile,tile-width=256,tile-height=256,compression=jpeg,Q=80,bigtiff" "${FLAT_SIZE[@]}")
  U16=$(gen_u16 "${U16_SIZE[@]}")
  # The page cache holds the images during every phase (cold = Tessera's caches empty).
  cat "$PYR" "$ZSTD" "$FLAT" "$U16" >/dev/null
}

# A number from the flat sections of GET /large_image/cache's JSON: json section key.
json_num() { sed -n "s/.*\"$2\":{[^}]*\"$3\":\([0-9]*\).*/\1/p" <<<"$1"; }
