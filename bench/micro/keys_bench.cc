// The per-request string work of the tile path: the cache keys built for every tile request
// (a cache hit builds UnstyledTileKey, EncodedTileKey and the ETag from it) and the ETag hash.
#include <benchmark/benchmark.h>

#include <string>

#include "api/responses.h"
#include "tiles/tile_request.h"

namespace tessera {
namespace {

TileRequest RealisticRequest() {
  TileRequest r;
  r.source.key = "f:6650f2a0c1d2e3f405162738:1732512000123456789:589934592";
  r.source.path = "/data/slides/big50k.tif";
  r.level = 8;
  r.x = 123;
  r.y = 187;
  return r;
}

void BM_UnstyledTileKey(benchmark::State& state) {
  const TileRequest r = RealisticRequest();
  int64_t x = r.x;
  for (auto _ : state) {
    benchmark::DoNotOptimize(UnstyledTileKey(r.source.key, r.frame, r.level, x, r.y));
    x = (x + 1) & 255;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UnstyledTileKey);

void BM_EncodedTileKey(benchmark::State& state) {
  TileRequest r = RealisticRequest();
  for (auto _ : state) {
    benchmark::DoNotOptimize(EncodedTileKey(r));
    r.x = (r.x + 1) & 255;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodedTileKey);

void BM_EncodedTileKey_Styled(benchmark::State& state) {
  TileRequest r = RealisticRequest();
  r.encode.encoding = Encoding::kPng;
  r.edge.mode = EdgeOptions::Mode::kCrop;
  r.style = R"({"bands":[{"band":0,"palette":"#f00"},{"band":1,"palette":"#0f0"}]})";
  for (auto _ : state) {
    benchmark::DoNotOptimize(EncodedTileKey(r));
    r.x = (r.x + 1) & 255;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodedTileKey_Styled);

// What the zxy handler does for every request before it looks in the cache.
void BM_EncodedTileKeyAndETag(benchmark::State& state) {
  TileRequest r = RealisticRequest();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ETagFor(EncodedTileKey(r)));
    r.x = (r.x + 1) & 255;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodedTileKeyAndETag);

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
