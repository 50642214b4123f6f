// Test helpers for the shared tile tiers (memcached_tile_cache_test, redis_tile_cache_test,
// tiered_tile_cache_test): values with recognizable bytes, and a concurrent Get/Put load that
// checks every value it gets back.
// Thread-safety: CacheLoad runs its own threads; its methods are called from the test thread.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cache/tile_cache.h"

namespace tessera {

inline Bytes PatternBytes(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b[i] = static_cast<uint8_t>(x);
  }
  return b;
}

inline std::string TestKey(int i) {
  return "u|f:6650f2a0c1d2e3f405162738:1732512000123456789:589934592|0/8/" + std::to_string(i) +
         "/" + std::to_string(i * 3);
}

inline TileValuePtr TestValue(int i, size_t bytes = 2000) {
  return MakeEncodedValue(Encoding::kJpeg, PatternBytes(bytes + i, static_cast<uint32_t>(i)));
}

// `threads` threads Get and Put TestKey(0..keys-1) until Stop. A Get that returns a value must
// return exactly TestValue(i): anything else is counted as wrong.
class CacheLoad {
 public:
  CacheLoad(TileCache& cache, int threads, int keys) : cache_(cache) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, t, keys] {
        for (uint64_t n = static_cast<uint64_t>(t); !stop_.load(); n += 7) {
          const int i = static_cast<int>(n % static_cast<uint64_t>(keys));
          TileValuePtr got = cache_.Get(TestKey(i));
          if (got) {
            hits_++;
            if (!got->is_encoded() || got->bytes != TestValue(i)->bytes) wrong_++;
          } else {
            cache_.Put(TestKey(i), TestValue(i));
          }
          calls_++;
        }
      });
    }
  }
  ~CacheLoad() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  uint64_t calls() const { return calls_.load(); }
  uint64_t hits() const { return hits_.load(); }
  uint64_t wrong() const { return wrong_.load(); }

 private:
  TileCache& cache_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> calls_{0}, hits_{0}, wrong_{0};
  std::vector<std::thread> threads_;
};

}  // namespace tessera
