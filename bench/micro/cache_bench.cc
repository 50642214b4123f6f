// MemoryTileCache: the cost of a hit (the whole cache-hit path holds one shard lock for a hash
// lookup and an LRU splice), of a miss, and of a Put that evicts, with 1 and 2 threads sharing
// one cache.
//
// Keys look like the server's ("u|f:<item id>:<mtime>:<size>|frame/z/x/y"). Every entry has its
// own value, and each thread puts values of its own, so that two threads never share a
// shared_ptr control block: what is shared between threads is exactly what the cache shares
// (its shards and its counters), as in the server.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "cache/memory_tile_cache.h"
#include "tiles/tile_request.h"

namespace tessera {
namespace {

constexpr int kHitKeys = 1 << 14;  // 16384 entries of 4 KiB: no eviction in a 1 GiB cache
constexpr size_t kHitValueBytes = 4 * 1024;
constexpr int kPutKeys = 1 << 16;             // cycled through a cache that holds ~1/8 of them
constexpr size_t kPutValueBytes = 16 * 1024;  // a typical stored 256x256 JPEG tile
constexpr int kValuesPerThread = 64;

const std::string kSourceKey = "f:6650f2a0c1d2e3f405162738:1732512000123456789:589934592";

std::vector<std::string> MakeKeys(int n, int level) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (int i = 0; i < n; ++i) {
    keys.push_back(UnstyledTileKey(kSourceKey, 0, level, i % 196, i / 196));
  }
  return keys;
}

TileValuePtr TileOfSize(size_t n) { return MakeEncodedValue(Encoding::kJpeg, Bytes(n, 0x5a)); }

struct HitFixture {
  std::vector<std::string> keys = MakeKeys(kHitKeys, 8);
  std::vector<std::string> missing = MakeKeys(kHitKeys, 7);
  MemoryTileCache cache{uint64_t{1} << 30};
  HitFixture() {
    for (const auto& k : keys) cache.Put(k, TileOfSize(kHitValueBytes));
  }
};

HitFixture& Hits() {
  static HitFixture f;  // built once, shared by every thread of every run
  return f;
}

void BM_MemoryTileCache_GetHit(benchmark::State& state) {
  HitFixture& f = Hits();
  // Threads walk the keys with different offsets and a stride co-prime with the key count.
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  int64_t found = 0;
  for (auto _ : state) {
    TileValuePtr v = f.cache.Get(f.keys[i & (kHitKeys - 1)]);
    found += v != nullptr;
    benchmark::DoNotOptimize(v);
    i += 2053;
  }
  if (found != state.iterations()) state.SkipWithError("a key expected in the cache was missing");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryTileCache_GetHit)->Threads(1)->Threads(2)->UseRealTime();

void BM_MemoryTileCache_GetMiss(benchmark::State& state) {
  HitFixture& f = Hits();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.cache.Get(f.missing[i & (kHitKeys - 1)]));
    i += 2053;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryTileCache_GetMiss)->Threads(1)->Threads(2)->UseRealTime();

struct PutFixture {
  std::vector<std::string> keys = MakeKeys(kPutKeys, 8);
  // Holds about kPutKeys / 8 entries: once warm, every Put of a new key evicts one.
  MemoryTileCache cache{uint64_t{kPutKeys / 8} * (kPutValueBytes + 256)};
  PutFixture() {
    TileValuePtr v = TileOfSize(kPutValueBytes);
    for (const auto& k : keys) cache.Put(k, v);
  }
};

PutFixture& Puts() {
  static PutFixture f;
  return f;
}

void BM_MemoryTileCache_PutEvict(benchmark::State& state) {
  PutFixture& f = Puts();
  std::vector<TileValuePtr> values;
  for (int v = 0; v < kValuesPerThread; ++v) values.push_back(TileOfSize(kPutValueBytes));
  size_t i = static_cast<size_t>(state.thread_index()) * (kPutKeys / 2);
  const TileCacheStats before = f.cache.Stats();
  for (auto _ : state) {
    f.cache.Put(f.keys[i & (kPutKeys - 1)], values[i % kValuesPerThread]);
    ++i;
  }
  if (state.thread_index() == 0 && f.cache.Stats().evictions == before.evictions) {
    state.SkipWithError("no eviction happened: the benchmark does not measure what it says");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryTileCache_PutEvict)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
