// The redis shared tile tier: hiredis against one standalone server (host:port or a unix
// socket), AUTH with `password` (and `username`, for a redis 6+ ACL user) on every connection.
//
// Keys are `<namespace>:<hash>` (shared_tile_cache.h). With `ttl_s` every value is written with
// SET ... EX, so a server shared with other apps can run `maxmemory-policy volatile-lru` and
// evict only values that expire (ours). Clear walks our namespace with SCAN MATCH
// `<namespace>:*` and UNLINKs what it finds: other apps' keys stay, ours are really freed.
//
// Connections: redisContext is not thread-safe, so each call takes one from a pool (made on
// demand, kept for reuse, dropped after an error so the next call reconnects).
// Thread-safety: the returned cache is safe to call concurrently.
#pragma once

#include <memory>

#include "cache/shared_tile_cache.h"
#include "core/status.h"

namespace tessera {

// Does not connect: a server that is down now is a miss until it is up. InvalidArgument for
// more than one server (redis cluster is not supported).
StatusOr<std::unique_ptr<SharedTileCache>> OpenRedisTileCache(
    const SharedTileCacheOptions& options);

}  // namespace tessera
