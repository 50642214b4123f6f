// ViewerTracker: who is viewing what, for the promise that no image someone is actively viewing
// falls out of the cache (docs/cache.md#active-viewers).
//
// A viewer is whoever sends tile requests under one identity (a token, else the client
// address). Each tile a viewer is given is recorded with the source it came from. A viewer is
// active while its last tile is younger than the active window; a source is active while an
// active viewer got a tile of it within the window.
//
// With `pin_tiles`, the tracker holds each active viewer's last `tiles_per_viewer` tiles (a
// per-viewer quota: the viewport, a ring around it and the levels above), and the tile cache
// skips values held elsewhere when it evicts (MemoryTileCache::Options::skip_shared): a scan
// of other work can evict at most what its own quota holds, never an active viewer's tiles.
// Without it, the tracker only counts (the lru policy, and the sizing advice either way).
//
// Thread-safety: all methods are safe to call concurrently; viewers are sharded so that
// recording a tile takes one uncontended lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache/tile_value.h"
#include "core/clock.h"
#include "core/thread_annotations.h"

namespace tessera {

struct ViewerTrackerOptions {
  int64_t active_window_nanos = int64_t{300} * 1'000'000'000;
  size_t tiles_per_viewer = 128;
  bool pin_tiles = true;
  // At most this many bytes of tiles are held at once (0: no limit), so that what the tracker
  // holds stays within the tile cache's budget; past it, tiles are recorded but not held.
  uint64_t max_pinned_bytes = 0;
};

struct ViewerSummary {
  uint64_t active_viewers = 0;
  uint64_t active_sources = 0;
  uint64_t working_set_tiles = 0;  // distinct tiles in active viewers' recent sets
  uint64_t working_set_bytes = 0;  // their bytes (TileValue::ByteSize)
  uint64_t pinned_bytes = 0;       // of which held by the tracker (pin_tiles)
};

class ViewerTracker {
 public:
  ViewerTracker(const Clock& clock, ViewerTrackerOptions options);

  // `viewer` was given `value`, a tile of the source keyed `source_key`.
  void RecordTile(std::string_view viewer, std::string_view source_key, const TileValuePtr& value);

  // True when an active viewer got a tile of this source within the window.
  bool IsSourceActive(std::string_view source_key) const;

  // Forgets viewers idle for longer than the window (and releases their tiles). RecordTile
  // does it now and then; Summarize first.
  void Expire();

  ViewerSummary Summarize();

  const ViewerTrackerOptions& options() const { return options_; }

 private:
  struct Recent {
    TileValuePtr held;  // set with pin_tiles
    const TileValue* id = nullptr;
    uint64_t bytes = 0;
  };
  struct Viewer {
    int64_t last_seen = 0;
    std::deque<Recent> tiles;                          // oldest first
    std::unordered_map<std::string, int64_t> sources;  // source key -> last tile time
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Viewer> viewers GUARDED_BY(mu);
    uint64_t records GUARDED_BY(mu) = 0;
  };
  static constexpr int kShards = 16;

  Shard& ShardFor(std::string_view viewer);
  void ExpireShard(Shard& shard, int64_t now);
  void Release(const Recent& r);

  const Clock& clock_;
  const ViewerTrackerOptions options_;
  Shard shards_[kShards];
  std::atomic<uint64_t> pinned_bytes_{0};  // held by every viewer (duplicates counted)
};

}  // namespace tessera
