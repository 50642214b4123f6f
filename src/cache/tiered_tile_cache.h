// TieredTileCache: a small in-process MemoryTileCache (the front) in front of a shared tier
// (memcached or redis, the back), so hot tiles cost no network hop and every node still sees
// the tiles the others made.
//
//   Get:   front; on a miss the back, and a back hit is put in the front.
//   GetLocal (the HTTP threads' lookup, which must not wait on the network): the front only.
//   Put:   both (the back decides itself whether it takes decoded pixels:
//          SharedTileCacheOptions::store_pixels, off by default, see docs/cache.md).
//   Erase, Clear: both.
//
// The front keeps its policy: with `protect` the ViewerTracker's shared_ptrs keep active
// viewers' tiles in the front. Stats are combined: hits of either tier, misses of both, the
// front's size and evictions; Tiers() has each tier's own numbers.
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <memory>

#include "cache/memory_tile_cache.h"
#include "cache/shared_tile_cache.h"

namespace tessera {

class TieredTileCache final : public TileCache {
 public:
  TieredTileCache(std::unique_ptr<MemoryTileCache> front, std::unique_ptr<SharedTileCache> back)
      : front_(std::move(front)), back_(std::move(back)) {}

  TileValuePtr Get(std::string_view key) override;
  TileValuePtr GetLocal(std::string_view key) override { return front_->Get(key); }
  void Put(std::string_view key, TileValuePtr value) override;
  void Erase(std::string_view key) override;
  void Clear() override;
  TileCacheStats Stats() const override;
  std::optional<TileCacheTiers> Tiers() const override;
  bool has_shared_tier() const override { return true; }

  MemoryTileCache& front() { return *front_; }
  SharedTileCache& back() { return *back_; }

 private:
  const std::unique_ptr<MemoryTileCache> front_;
  const std::unique_ptr<SharedTileCache> back_;
};

}  // namespace tessera
