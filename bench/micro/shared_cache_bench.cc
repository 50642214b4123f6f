// Shared tile tiers: Get-hit and Put throughput of the in-process MemoryTileCache against the
// memcached and redis tiers (real servers on loopback, started here) and the two-tier mode (a
// MemoryTileCache front over each), in one run. The working set is 256 tiles of 16 KiB (a
// typical stored 256x256 JPEG tile), hot: every Get is a hit.
//
//   build/bench/micro/bench_shared_cache --benchmark_min_time=1
//
// Servers are skipped (the benchmark reports an error) when memcached or redis-server is not
// installed.
#include <benchmark/benchmark.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cache/memcached_tile_cache.h"
#include "cache/memory_tile_cache.h"
#include "cache/redis_tile_cache.h"
#include "cache/tiered_tile_cache.h"
#include "testing/memcached_server.h"
#include "testing/redis_server.h"

namespace tessera {
namespace {

constexpr int kKeys = 256;
constexpr size_t kValueBytes = 16 * 1024;

std::string Key(int i) {
  return "u|f:6650f2a0c1d2e3f405162738:1732512000123456789:589934592|0/8/" + std::to_string(i) +
         "/" + std::to_string(i / 16);
}

struct Servers {
  MemcachedServer memcached;
  RedisServer redis;
  bool memcached_up = false, redis_up = false;
  Servers() {
    if (!MemcachedServer::Program().empty()) memcached_up = memcached.Start();
    if (!RedisServer::Program().empty()) redis_up = redis.Start();
  }
};

Servers& TheServers() {
  static Servers s;
  return s;
}

std::unique_ptr<SharedTileCache> OpenShared(const std::string& backend) {
  Servers& s = TheServers();
  SharedTileCacheOptions o;
  o.name_space = "bench";
  if (backend == "memcached") {
    if (!s.memcached_up) return nullptr;
    o.servers = {s.memcached.address()};
    auto c = OpenMemcachedTileCache(o);
    return c.ok() ? std::move(*c) : nullptr;
  }
  if (!s.redis_up) return nullptr;
  o.servers = {s.redis.address()};
  auto c = OpenRedisTileCache(o);
  return c.ok() ? std::move(*c) : nullptr;
}

// One cache per kind, built once and filled with the working set.
TileCache* CacheFor(const std::string& kind) {
  static std::map<std::string, std::unique_ptr<TileCache>> caches;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  auto& c = caches[kind];
  if (!c) {
    if (kind == "memory") {
      c = std::make_unique<MemoryTileCache>(uint64_t{1} << 30);
    } else if (kind.rfind("tiered-", 0) == 0) {
      auto back = OpenShared(kind.substr(7));
      if (!back) return nullptr;
      c = std::make_unique<TieredTileCache>(std::make_unique<MemoryTileCache>(uint64_t{64} << 20),
                                            std::move(back));
    } else {
      c = OpenShared(kind);
      if (!c) return nullptr;
    }
    for (int i = 0; i < kKeys; ++i) {
      c->Put(Key(i), MakeEncodedValue(Encoding::kJpeg, Bytes(kValueBytes, uint8_t(i))));
    }
  }
  return c.get();
}

void GetHit(benchmark::State& state, const std::string& kind) {
  TileCache* cache = CacheFor(kind);
  if (!cache) {
    state.SkipWithError("server not available");
    return;
  }
  int i = state.thread_index() * 97;
  int64_t missed = 0;
  for (auto _ : state) {
    TileValuePtr v = cache->Get(Key(i % kKeys));
    missed += v == nullptr;
    benchmark::DoNotOptimize(v);
    i += 7;
  }
  if (missed > 0) state.SkipWithError("a tile of the working set was missing");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * int64_t{kValueBytes});
}

void Put(benchmark::State& state, const std::string& kind) {
  TileCache* cache = CacheFor(kind);
  if (!cache) {
    state.SkipWithError("server not available");
    return;
  }
  TileValuePtr v = MakeEncodedValue(Encoding::kJpeg, Bytes(kValueBytes, 0x5a));
  int i = state.thread_index() * 97;
  for (auto _ : state) {
    cache->Put(Key(kKeys + (i % 4096)), v);
    i += 7;
  }
  state.SetItemsProcessed(state.iterations());
}

int Register() {
  for (const char* kind : {"memory", "memcached", "redis", "tiered-memcached", "tiered-redis"}) {
    const std::string k = kind;
    benchmark::RegisterBenchmark(("BM_GetHit/" + k).c_str(),
                                 [k](benchmark::State& s) { GetHit(s, k); })
        ->Threads(1)
        ->Threads(2)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_Put/" + k).c_str(), [k](benchmark::State& s) { Put(s, k); })
        ->Threads(1)
        ->UseRealTime();
  }
  return 0;
}
[[maybe_unused]] const int kRegistered = Register();

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
