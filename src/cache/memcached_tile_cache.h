// The memcached shared tile tier: libmemcached over the binary protocol, keys spread over every
// server of `options.servers` by consistent hashing (ketama), SASL when a username is given.
//
// Namespacing: memcached cannot delete by prefix (and flush_all would wipe other apps' keys),
// so our keys carry a generation, `<namespace>:<generation>:<hash>`, kept in memcached itself
// under `<namespace>:generation`. Clear increments it: old keys are never read again and age
// out by LRU. A node reads the generation again at most every `generation_refresh_ms`, so a
// Clear on one node is seen by the others within that time. A generation lost to eviction is
// re-created from the clock (microseconds), so it never goes back to an earlier value.
//
// Connections: memcached_st is not thread-safe, so each call takes one from a pool (made on
// demand, kept for reuse, dropped after an error so the next call reconnects).
// Thread-safety: the returned cache is safe to call concurrently.
#pragma once

#include <memory>

#include "cache/shared_tile_cache.h"
#include "core/status.h"

namespace tessera {

// Does not connect: a server that is down now is a miss until it is up.
StatusOr<std::unique_ptr<SharedTileCache>> OpenMemcachedTileCache(
    const SharedTileCacheOptions& options);

}  // namespace tessera
