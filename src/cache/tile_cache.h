// TileCache: the cache of tiles (unstyled tiles and final encoded tiles), keyed by strings that
// name everything that determines the bytes (see tiles/tile_keys.h).
//
// Implementations: MemoryTileCache (in-process, sharded, bounded in bytes). Shared backends
// (memcached, redis) implement the same interface; a backend that fails reports a miss.
// Thread-safety: every method is safe to call concurrently.
#pragma once

#include <cstdint>
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

class TileCache {
 public:
  virtual ~TileCache() = default;
  // The value, or nullptr on a miss.
  virtual TileValuePtr Get(std::string_view key) = 0;
  // Inserts or replaces. A value larger than the cache can hold is dropped (counted).
  virtual void Put(std::string_view key, TileValuePtr value) = 0;
  virtual void Erase(std::string_view key) = 0;
  virtual void Clear() = 0;
  virtual TileCacheStats Stats() const = 0;
};

}  // namespace tessera
