// Offline cache simulations over a recorded request trace: Belady's MIN (the clairvoyant
// policy: evict the item whose next use is farthest in the future) and plain LRU, both bounded
// in BYTES, to put the hit ratio a server measured next to what an ideal cache and a textbook
// LRU of the same capacity would have achieved on exactly the same requests.
//
// A trace is a sequence of (key, size in bytes); a request is a hit when its key is in the
// simulated cache at that moment. Both simulations admit an item after its miss and evict
// before inserting until it fits; an item larger than the capacity is never cached.
//
// Belady here is MIN with bypass: on a miss, the incoming item is itself a candidate. If the
// bytes needed can be freed only by evicting items used again sooner than the incoming one,
// nothing is evicted and the incoming item is not cached (an item never used again is never
// cached). With equal sizes this is the optimal hit ratio; with variable sizes (tiles) the exact
// optimum is NP-hard and farthest-next-use is the standard near-optimal reference, not a proof
// that no policy can do better.
//
// Thread-safety: pure functions over their arguments; safe to call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tessera::sim {

struct TraceRequest {
  std::string key;     // e.g. the request URL
  uint64_t bytes = 0;  // the item's size when it is cached
};

struct CacheSimResult {
  std::vector<bool> hit;  // per request of the trace, in order
  uint64_t requests = 0;
  uint64_t hits = 0;
  uint64_t bytes = 0;      // bytes of all requests
  uint64_t hit_bytes = 0;  // bytes of the requests that hit
  uint64_t evictions = 0;

  double HitRatio() const { return requests ? static_cast<double>(hits) / requests : 0.0; }
  double ByteHitRatio() const { return bytes ? static_cast<double>(hit_bytes) / bytes : 0.0; }
  // Hit ratio over the requests i with select[i] set (e.g. one user's or one kind's): the cache
  // still sees every request, only the counting is restricted. `select` has trace.size() flags.
  double HitRatioOf(const std::vector<bool>& select) const;
};

CacheSimResult SimulateBelady(std::span<const TraceRequest> trace, uint64_t capacity_bytes);
CacheSimResult SimulateLru(std::span<const TraceRequest> trace, uint64_t capacity_bytes);

}  // namespace tessera::sim
