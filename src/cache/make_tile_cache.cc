#include "cache/make_tile_cache.h"

#include <algorithm>

#include "cache/memcached_tile_cache.h"
#include "cache/memory_tile_cache.h"
#include "cache/redis_tile_cache.h"
#include "cache/tiered_tile_cache.h"
#include "core/logging.h"

namespace tessera {

SharedTileCacheOptions SharedTileCacheOptionsFrom(const Config& c) {
  SharedTileCacheOptions o;
  o.servers = c.cache_servers;
  o.username = c.cache_username;
  o.password = c.cache_password;
  o.name_space = c.cache_namespace;
  o.ttl_s = c.cache_ttl_s;
  o.timeout_ms = c.cache_timeout_ms;
  o.item_max_bytes = c.cache_item_max_bytes;
  o.store_pixels = c.cache_shared_pixels;
  return o;
}

uint64_t InProcessTileCacheBytes(const Config& c) {
  if (c.cache_backend == "memory") return c.tile_cache_bytes;
  return std::min(c.cache_front_bytes, c.tile_cache_bytes);
}

StatusOr<std::unique_ptr<TileCache>> MakeTileCache(const Config& c, bool protect) {
  if (c.cache_backend == "memory") {
    return std::unique_ptr<TileCache>(
        std::make_unique<MemoryTileCache>(c.tile_cache_bytes, 32, protect));
  }
  const SharedTileCacheOptions o = SharedTileCacheOptionsFrom(c);
  std::unique_ptr<SharedTileCache> shared;
  if (c.cache_backend == "memcached") {
    TS_ASSIGN_OR_RETURN(shared, OpenMemcachedTileCache(o));
  } else if (c.cache_backend == "redis") {
    TS_ASSIGN_OR_RETURN(shared, OpenRedisTileCache(o));
  } else {
    return InvalidArgumentError("cache-backend '" + c.cache_backend + "': unknown");
  }
  std::string servers;
  for (const std::string& s : o.servers) servers += (servers.empty() ? "" : ",") + s;
  const uint64_t front = InProcessTileCacheBytes(c);
  TS_LOG(kInfo) << "tile cache: " << c.cache_backend << " at " << servers << " (namespace "
                << o.name_space << "), in-process front " << front << " bytes";
  if (front == 0) return std::unique_ptr<TileCache>(std::move(shared));
  return std::unique_ptr<TileCache>(std::make_unique<TieredTileCache>(
      std::make_unique<MemoryTileCache>(front, 32, protect), std::move(shared)));
}

}  // namespace tessera
