#include "belady.h"

#include <limits>
#include <list>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tessera::sim {
namespace {

constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// Keys as dense ids, so the simulations index vectors instead of hashing strings.
std::vector<uint32_t> InternKeys(std::span<const TraceRequest> trace, size_t* distinct) {
  std::unordered_map<std::string_view, uint32_t> ids;
  ids.reserve(trace.size());
  std::vector<uint32_t> out;
  out.reserve(trace.size());
  for (const TraceRequest& r : trace) {
    auto [it, inserted] = ids.try_emplace(r.key, static_cast<uint32_t>(ids.size()));
    out.push_back(it->second);
  }
  *distinct = ids.size();
  return out;
}

void Count(const TraceRequest& r, bool hit, CacheSimResult* result) {
  result->hit.push_back(hit);
  ++result->requests;
  result->bytes += r.bytes;
  if (hit) {
    ++result->hits;
    result->hit_bytes += r.bytes;
  }
}

}  // namespace

double CacheSimResult::HitRatioOf(const std::vector<bool>& select) const {
  uint64_t n = 0, h = 0;
  for (size_t i = 0; i < hit.size() && i < select.size(); ++i) {
    if (!select[i]) continue;
    ++n;
    h += hit[i] ? 1 : 0;
  }
  return n ? static_cast<double>(h) / n : 0.0;
}

CacheSimResult SimulateBelady(std::span<const TraceRequest> trace, uint64_t capacity_bytes) {
  CacheSimResult result;
  result.hit.reserve(trace.size());
  size_t distinct = 0;
  const std::vector<uint32_t> id = InternKeys(trace, &distinct);

  // next[i]: index of the next request for the same key after i, or kNever.
  std::vector<uint64_t> next(trace.size(), kNever);
  std::vector<uint64_t> seen(distinct, kNever);
  for (size_t i = trace.size(); i-- > 0;) {
    next[i] = seen[id[i]];
    seen[id[i]] = i;
  }

  struct Slot {
    bool cached = false;
    uint64_t next_use = kNever;
    uint64_t bytes = 0;
  };
  std::vector<Slot> slots(distinct);
  std::set<std::pair<uint64_t, uint32_t>> by_next_use;  // last = farthest next use
  uint64_t used = 0;

  for (size_t i = 0; i < trace.size(); ++i) {
    const TraceRequest& r = trace[i];
    Slot& s = slots[id[i]];
    if (s.cached) {
      Count(r, true, &result);
      by_next_use.erase({s.next_use, id[i]});
      s.next_use = next[i];
      by_next_use.insert({s.next_use, id[i]});
      continue;
    }
    Count(r, false, &result);
    if (r.bytes > capacity_bytes || next[i] == kNever) continue;  // bypass
    // Free space only with items used later than this one; otherwise bypass it.
    uint64_t available = capacity_bytes - used;
    auto stop = by_next_use.end();
    while (available < r.bytes && stop != by_next_use.begin()) {
      auto candidate = std::prev(stop);
      if (candidate->first <= next[i]) break;
      available += slots[candidate->second].bytes;
      stop = candidate;
    }
    if (available < r.bytes) continue;  // bypass: evict nothing
    for (auto it = stop; it != by_next_use.end(); ++it) {
      Slot& victim = slots[it->second];
      victim.cached = false;
      used -= victim.bytes;
      ++result.evictions;
    }
    by_next_use.erase(stop, by_next_use.end());
    s.cached = true;
    s.next_use = next[i];
    s.bytes = r.bytes;
    used += r.bytes;
    by_next_use.insert({s.next_use, id[i]});
  }
  return result;
}

CacheSimResult SimulateLru(std::span<const TraceRequest> trace, uint64_t capacity_bytes) {
  CacheSimResult result;
  result.hit.reserve(trace.size());
  size_t distinct = 0;
  const std::vector<uint32_t> id = InternKeys(trace, &distinct);

  std::list<uint32_t> lru;  // front = most recently used
  std::vector<std::list<uint32_t>::iterator> where(distinct, lru.end());
  std::vector<uint64_t> bytes(distinct, 0);
  uint64_t used = 0;

  for (size_t i = 0; i < trace.size(); ++i) {
    const TraceRequest& r = trace[i];
    const uint32_t k = id[i];
    if (where[k] != lru.end()) {
      Count(r, true, &result);
      lru.splice(lru.begin(), lru, where[k]);
      continue;
    }
    Count(r, false, &result);
    if (r.bytes > capacity_bytes) continue;
    while (used + r.bytes > capacity_bytes) {
      const uint32_t victim = lru.back();
      used -= bytes[victim];
      where[victim] = lru.end();
      lru.pop_back();
      ++result.evictions;
    }
    lru.push_front(k);
    where[k] = lru.begin();
    bytes[k] = r.bytes;
    used += r.bytes;
  }
  return result;
}

}  // namespace tessera::sim
