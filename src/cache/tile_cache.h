// TileCache: the cache of tiles (unstyled tiles and final encoded tiles), keyed by strings that
// name everything that determines the bytes (see tiles/tile_keys.h).
//
// Implementations: MemoryTileCache (in-process, sharded, bounded in bytes); the shared tiers
// MemcachedTileCache / RedisTileCache (shared_tile_cache.h), and TieredTileCache (a small
// MemoryTileCache in front of a shared tier). A backend that fails reports a miss.
// Thread-safety: every method is safe to call concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/tile_value.h"

namespace tessera {

struct TileCacheStats {
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  uint64_t items = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t inserts = 0;
  uint64_t evictions = 0;
  uint64_t rejected = 0;  // values too large to hold
  // The protect policy: evictions that passed over a value an active viewer holds (it moves to
  // the front instead), and evictions of such values because nothing else was left.
  uint64_t protected_skips = 0;
  uint64_t protected_evictions = 0;
};

// A shared tier (memcached, redis: src/cache/shared_tile_cache.h), as GET
// /api/v1/large_image/cache and /metrics show it. Every failure of the backend is a miss.
struct SharedTierStats {
  std::string backend;  // "memcached" or "redis"
  uint64_t hits = 0;
  uint64_t misses = 0;  // every miss, the failures below included
  uint64_t inserts = 0;
  uint64_t errors = 0;          // backend calls that failed (refused, timed out, broken)
  uint64_t backoff_misses = 0;  // calls answered as a miss at once while backing off
  uint64_t skipped = 0;         // values not stored: too large, or pixels not shared
  uint64_t multipart_puts = 0;  // values stored in several parts
  uint64_t bad_values = 0;      // stored values that did not check (key, parts, format)
  uint64_t connects = 0;        // connections opened (the first ones and reconnects)
  uint64_t clears = 0;
};

// What a cache made of tiers reports beside its combined TileCacheStats.
struct TileCacheTiers {
  std::optional<TileCacheStats> front;  // the in-process tier, when there is one
  SharedTierStats shared;
};

class TileCache {
 public:
  virtual ~TileCache() = default;
  // The value, or nullptr on a miss.
  virtual TileValuePtr Get(std::string_view key) = 0;
  // The value when this process holds it (no network hop), else nullptr: for threads that must
  // not block, such as the HTTP threads. The in-process cache answers as Get; a shared tier
  // answers from its front tier, or nullptr.
  virtual TileValuePtr GetLocal(std::string_view key) { return Get(key); }
  // True when Put and a Get that misses GetLocal talk to a shared tier over the network.
  virtual bool has_shared_tier() const { return false; }
  // Inserts or replaces. A value larger than the cache can hold is dropped (counted).
  virtual void Put(std::string_view key, TileValuePtr value) = 0;
  virtual void Erase(std::string_view key) = 0;
  virtual void Clear() = 0;
  virtual TileCacheStats Stats() const = 0;
  // Per-tier detail of a cache with a shared tier; nullopt for the in-process cache alone.
  virtual std::optional<TileCacheTiers> Tiers() const { return std::nullopt; }
};

}  // namespace tessera
