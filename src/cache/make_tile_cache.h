// MakeTileCache: the tile cache a Config asks for — the in-process MemoryTileCache
// (cache-backend = memory), or a shared tier (memcached, redis) behind an in-process front of
// cache-front-bytes (TieredTileCache), or the shared tier alone when that is 0.
// Thread-safety: plain functions; the cache returned is thread-safe.
#pragma once

#include <memory>

#include "cache/shared_tile_cache.h"
#include "cache/tile_cache.h"
#include "core/config.h"
#include "core/status.h"

namespace tessera {

// The shared tier's options from the cache-* settings.
SharedTileCacheOptions SharedTileCacheOptionsFrom(const Config& config);

// Bytes of tiles held in this process: tile-cache-bytes for `memory`, else the front tier's
// size (min(cache-front-bytes, tile-cache-bytes)). The ViewerTracker's pins come out of this.
uint64_t InProcessTileCacheBytes(const Config& config);

// `protect`: the in-process tier passes over values someone else holds (memory_tile_cache.h).
StatusOr<std::unique_ptr<TileCache>> MakeTileCache(const Config& config, bool protect);

}  // namespace tessera
