// SourceCache: opened image sources, keyed by what identifies them.
//
// Two kinds of entries, as in the spec's flow: unstyled sources (an opened file: its handle and
// parsed metadata), keyed by the file's identity and modification stamp; and derived sources
// (the unstyled source plus a style and encoding), created from a cached unstyled source without
// a second open and sharing its handles. Evicting an unstyled source evicts what was derived
// from it.
//
// Bounded three ways: entry count, the sum of the sources' memory estimates, and the sum of
// their open file handles (a share of the process's RLIMIT_NOFILE). The least recently used
// entry is evicted first. Two requests for the same unopened source open it once (single
// flight); a failed open is not cached.
//
// Active sources (someone is viewing them: the activity function, the ViewerTracker, says so)
// are the last to go. With `protect_active` they are never evicted within the hard ceilings:
// the cache grows past its (soft) limits instead, and reports it (Stats::over_soft_limits);
// past a hard ceiling the coldest active source goes after all. Evictions of active sources
// are counted either way (active_evictions: sources closed under someone's eyes).
//
// Thread-safety: all methods are safe to call concurrently. Sources are shared_ptr<const>:
// evicting one never closes it under a request that still holds it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cache/single_flight.h"
#include "core/thread_annotations.h"
#include "source/tile_source.h"

namespace tessera {

using SourcePtr = std::shared_ptr<const TileSource>;

struct SourceCacheLimits {
  size_t max_sources = 256;
  uint64_t max_memory_bytes = uint64_t{4} << 30;
  int max_open_files = 1024;
  // Hard ceilings for active sources; 0: twice the soft limit (files: also at most
  // hard_open_files_cap, a share of RLIMIT_NOFILE set by the composition root).
  size_t hard_max_sources = 0;
  uint64_t hard_max_memory_bytes = 0;
  int hard_max_open_files = 0;
  bool protect_active = false;
};

struct SourceCacheStats {
  uint64_t items = 0;          // unstyled + derived
  uint64_t derived_items = 0;  // of which derived
  uint64_t memory_bytes = 0;
  uint64_t open_files = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t opens = 0;  // successful opens
  uint64_t open_failures = 0;
  uint64_t derivations = 0;
  uint64_t evictions = 0;
  uint64_t open_waits = 0;        // callers that waited for another caller's open
  uint64_t active_evictions = 0;  // evicted while someone was viewing them
  bool over_soft_limits = false;  // holding more than the soft limits for active sources
  SourceCacheLimits limits;       // with the hard ceilings filled in
};

class SourceCache {
 public:
  using Opener = std::function<StatusOr<SourcePtr>()>;
  using Deriver = std::function<StatusOr<SourcePtr>(const SourcePtr& parent)>;

  explicit SourceCache(SourceCacheLimits limits);

  // Whether a source (by its unstyled key) is being viewed. Set once, before the cache is used.
  void SetActivity(std::function<bool(const std::string& source_key)> is_active) {
    is_active_ = std::move(is_active);
  }

  // The cached source for `key`, or the result of `open` (run once among concurrent callers),
  // which is then cached.
  StatusOr<SourcePtr> GetOrOpen(const std::string& key, const Opener& open);

  // The cached derived source for `key`, or derive(parent) cached under `key` as a child of
  // `parent_key` (the parent must be the source cached under parent_key).
  StatusOr<SourcePtr> GetOrDerive(const std::string& key, const std::string& parent_key,
                                  const SourcePtr& parent, const Deriver& derive);

  // The cached source, or nullptr; never opens.
  SourcePtr Peek(const std::string& key);

  void Erase(const std::string& key);
  void Clear();
  SourceCacheStats Stats() const;

 private:
  struct Entry {
    std::string key;
    std::string parent_key;  // empty for unstyled sources
    SourcePtr source;
    uint64_t memory = 0;
    int files = 0;
  };
  using List = std::list<Entry>;

  void InsertLocked(Entry entry, std::vector<SourcePtr>* released) REQUIRES(mu_);
  void EraseLocked(List::iterator it, std::vector<SourcePtr>* released) REQUIRES(mu_);
  bool OverLimitsLocked(bool hard) const REQUIRES(mu_);
  bool ActiveLocked(const Entry& e) const REQUIRES(mu_);

  const SourceCacheLimits limits_;
  std::function<bool(const std::string&)> is_active_;
  mutable std::mutex mu_;
  List lru_ GUARDED_BY(mu_);  // front = most recently used
  std::unordered_map<std::string, List::iterator> index_ GUARDED_BY(mu_);
  uint64_t memory_ GUARDED_BY(mu_) = 0;
  uint64_t files_ GUARDED_BY(mu_) = 0;
  uint64_t derived_ GUARDED_BY(mu_) = 0;
  SingleFlight<SourcePtr> flight_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, opens_{0}, failures_{0}, derivations_{0},
      evictions_{0}, active_evictions_{0};
};

}  // namespace tessera
