// MemoryTileCache: the in-process tile cache — sharded LRU lists bounded in BYTES.
//
// Keys hash to one of `shards` independent LRU shards, each with its own mutex and an equal
// share of the byte budget, so concurrent requests rarely contend. A hit returns the shared
// value (no copy) and moves it to the front of its shard. The charge of an entry is its key
// plus TileValue::ByteSize() plus bookkeeping.
//
// Policies: `lru` evicts the least recently used entry. `protect` (skip_shared) passes over a
// victim whose value someone else still holds — the ViewerTracker holds each active viewer's
// recent tiles — and gives it a second chance at the front; only when every entry of the shard
// is held does it evict one anyway (counted). So a scan of other work evicts unheld entries and
// its own, never an active viewer's working set while that fits in the cache.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/tile_cache.h"
#include "core/thread_annotations.h"

namespace tessera {

class MemoryTileCache final : public TileCache {
 public:
  explicit MemoryTileCache(uint64_t capacity_bytes, int shards = 32, bool skip_shared = false);

  TileValuePtr Get(std::string_view key) override;
  void Put(std::string_view key, TileValuePtr value) override;
  void Erase(std::string_view key) override;
  void Clear() override;
  TileCacheStats Stats() const override;

  // Bookkeeping bytes charged per entry on top of key and value.
  static constexpr size_t kEntryOverhead = 96;

 private:
  struct Entry {
    std::string key;
    TileValuePtr value;
    size_t charge;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru GUARDED_BY(mu);  // front = most recently used
    std::unordered_map<std::string, std::list<Entry>::iterator, Hash, Eq> index GUARDED_BY(mu);
    uint64_t used GUARDED_BY(mu) = 0;
    uint64_t capacity = 0;
  };

  Shard& ShardFor(std::string_view key);
  void EraseLocked(Shard& s, std::list<Entry>::iterator it) REQUIRES(s.mu);

  const uint64_t capacity_;
  const bool skip_shared_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, inserts_{0}, evictions_{0}, rejected_{0},
      protected_skips_{0}, protected_evictions_{0};
};

}  // namespace tessera
