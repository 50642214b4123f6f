#include "cache/viewer_tracker.h"

#include <functional>
#include <unordered_set>

namespace tessera {
namespace {

// Expiry runs on a shard every this many records (and on every Summarize).
constexpr uint64_t kExpireEvery = 1024;

}  // namespace

ViewerTracker::ViewerTracker(const Clock& clock, ViewerTrackerOptions options)
    : clock_(clock), options_(options) {}

ViewerTracker::Shard& ViewerTracker::ShardFor(std::string_view viewer) {
  return shards_[std::hash<std::string_view>()(viewer) % kShards];
}

void ViewerTracker::RecordTile(std::string_view viewer, std::string_view source_key,
                               const TileValuePtr& value) {
  if (!value || options_.tiles_per_viewer == 0) return;
  const int64_t now = clock_.NowNanos();
  Shard& shard = ShardFor(viewer);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.viewers.find(std::string(viewer));
  if (it == shard.viewers.end()) it = shard.viewers.emplace(std::string(viewer), Viewer()).first;
  Viewer& v = it->second;
  v.last_seen = now;
  auto s = v.sources.find(std::string(source_key));
  if (s == v.sources.end()) {
    v.sources.emplace(std::string(source_key), now);
  } else {
    s->second = now;
  }
  // A tile asked for again moves to the newest end (no duplicates in the quota).
  for (auto r = v.tiles.rbegin(); r != v.tiles.rend() && r - v.tiles.rbegin() < 8; ++r) {
    if (r->id == value.get()) {
      Release(*r);
      v.tiles.erase(std::next(r).base());
      break;
    }
  }
  Recent recent;
  recent.id = value.get();
  recent.bytes = value->ByteSize();
  if (options_.pin_tiles &&
      (options_.max_pinned_bytes == 0 ||
       pinned_bytes_.load(std::memory_order_relaxed) + recent.bytes <= options_.max_pinned_bytes)) {
    recent.held = value;
    pinned_bytes_.fetch_add(recent.bytes, std::memory_order_relaxed);
  }
  v.tiles.push_back(std::move(recent));
  while (v.tiles.size() > options_.tiles_per_viewer) {
    Release(v.tiles.front());
    v.tiles.pop_front();
  }
  if (++shard.records % kExpireEvery == 0) ExpireShard(shard, now);
}

void ViewerTracker::Release(const Recent& r) {
  if (r.held) pinned_bytes_.fetch_sub(r.bytes, std::memory_order_relaxed);
}

void ViewerTracker::ExpireShard(Shard& shard, int64_t now) {
  for (auto it = shard.viewers.begin(); it != shard.viewers.end();) {
    Viewer& v = it->second;
    if (now - v.last_seen > options_.active_window_nanos) {
      for (const Recent& r : v.tiles) Release(r);
      it = shard.viewers.erase(it);
      continue;
    }
    for (auto s = v.sources.begin(); s != v.sources.end();) {
      s = now - s->second > options_.active_window_nanos ? v.sources.erase(s) : std::next(s);
    }
    ++it;
  }
}

void ViewerTracker::Expire() {
  const int64_t now = clock_.NowNanos();
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    ExpireShard(shard, now);
  }
}

bool ViewerTracker::IsSourceActive(std::string_view source_key) const {
  const int64_t now = clock_.NowNanos();
  const std::string key(source_key);
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [name, v] : shard.viewers) {
      auto s = v.sources.find(key);
      if (s != v.sources.end() && now - s->second <= options_.active_window_nanos) return true;
    }
  }
  return false;
}

ViewerSummary ViewerTracker::Summarize() {
  Expire();
  ViewerSummary out;
  std::unordered_set<const TileValue*> seen;
  std::unordered_set<std::string> sources;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [name, v] : shard.viewers) {
      ++out.active_viewers;
      for (const auto& [source, at] : v.sources) sources.insert(source);
      for (const Recent& r : v.tiles) {
        if (!seen.insert(r.id).second) continue;
        ++out.working_set_tiles;
        out.working_set_bytes += r.bytes;
        if (r.held) out.pinned_bytes += r.bytes;
      }
    }
  }
  out.active_sources = sources.size();
  return out;
}

}  // namespace tessera
