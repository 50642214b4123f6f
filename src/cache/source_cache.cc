#include "cache/source_cache.h"

#include <vector>

namespace tessera {

namespace {

SourceCacheLimits WithHardCeilings(SourceCacheLimits l) {
  if (l.hard_max_sources == 0) l.hard_max_sources = 2 * l.max_sources;
  if (l.hard_max_memory_bytes == 0) l.hard_max_memory_bytes = 2 * l.max_memory_bytes;
  if (l.hard_max_open_files == 0) l.hard_max_open_files = 2 * l.max_open_files;
  return l;
}

}  // namespace

SourceCache::SourceCache(SourceCacheLimits limits) : limits_(WithHardCeilings(limits)) {}

SourcePtr SourceCache::Peek(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->source;
}

StatusOr<SourcePtr> SourceCache::GetOrOpen(const std::string& key, const Opener& open) {
  if (SourcePtr s = Peek(key)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return flight_.Do(key, [&]() -> StatusOr<SourcePtr> {
    if (SourcePtr s = Peek(key)) return s;  // opened while we queued for the flight
    StatusOr<SourcePtr> opened = open();
    if (!opened.ok()) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return opened.status();
    }
    opens_.fetch_add(1, std::memory_order_relaxed);
    SourcePtr s = *opened;
    std::vector<SourcePtr> released;
    {
      std::lock_guard<std::mutex> lock(mu_);
      InsertLocked(Entry{key, "", s, s->MemoryEstimate(), s->OpenFileCount()}, &released);
    }
    return s;
  });
}

StatusOr<SourcePtr> SourceCache::GetOrDerive(const std::string& key, const std::string& parent_key,
                                             const SourcePtr& parent, const Deriver& derive) {
  if (SourcePtr s = Peek(key)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return s;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return flight_.Do(key, [&]() -> StatusOr<SourcePtr> {
    if (SourcePtr s = Peek(key)) return s;
    TS_ASSIGN_OR_RETURN(SourcePtr s, derive(parent));
    derivations_.fetch_add(1, std::memory_order_relaxed);
    std::vector<SourcePtr> released;
    std::lock_guard<std::mutex> lock(mu_);
    // Derived entries cost their own (small) estimate and no file handles: they share the
    // parent's. If the parent was evicted meanwhile, re-add it so the child has a parent.
    if (index_.find(parent_key) == index_.end()) {
      InsertLocked(Entry{parent_key, "", parent, parent->MemoryEstimate(), parent->OpenFileCount()},
                   &released);
    }
    InsertLocked(Entry{key, parent_key, s, 4096, 0}, &released);
    return s;
  });
}

bool SourceCache::OverLimitsLocked(bool hard) const {
  if (hard) {
    return lru_.size() > limits_.hard_max_sources || memory_ > limits_.hard_max_memory_bytes ||
           files_ > static_cast<uint64_t>(limits_.hard_max_open_files);
  }
  return lru_.size() > limits_.max_sources || memory_ > limits_.max_memory_bytes ||
         files_ > static_cast<uint64_t>(limits_.max_open_files);
}

bool SourceCache::ActiveLocked(const Entry& e) const {
  return is_active_ && is_active_(e.parent_key.empty() ? e.key : e.parent_key);
}

void SourceCache::InsertLocked(Entry entry, std::vector<SourcePtr>* released) {
  auto existing = index_.find(entry.key);
  if (existing != index_.end()) EraseLocked(existing->second, released);
  const std::string key = entry.key;
  const std::string parent = entry.parent_key;
  memory_ += entry.memory;
  files_ += entry.files;
  if (!entry.parent_key.empty()) ++derived_;
  lru_.push_front(std::move(entry));
  index_[key] = lru_.begin();
  // Evict from the cold end; never the entry just added or its parent. With protect_active,
  // active sources are passed over until a hard ceiling is reached.
  while (OverLimitsLocked(false)) {
    const bool spare_active = limits_.protect_active && !OverLimitsLocked(true);
    auto victim = lru_.end();
    for (auto it = lru_.end(); it != lru_.begin();) {
      --it;
      if (it->key == key || it->key == parent) continue;
      if (spare_active && ActiveLocked(*it)) continue;
      victim = it;
      break;
    }
    if (victim == lru_.end()) break;  // only active sources are left: hold them
    if (ActiveLocked(*victim)) active_evictions_.fetch_add(1, std::memory_order_relaxed);
    EraseLocked(victim, released);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

void SourceCache::EraseLocked(List::iterator it, std::vector<SourcePtr>* released) {
  if (it->parent_key.empty()) {
    // Children first: a derived source shares its parent's handles.
    for (auto c = lru_.begin(); c != lru_.end();) {
      if (c->parent_key == it->key) {
        auto next = std::next(c);
        released->push_back(std::move(c->source));
        --derived_;
        index_.erase(c->key);
        lru_.erase(c);
        c = next;
      } else {
        ++c;
      }
    }
  } else {
    --derived_;
  }
  memory_ -= it->memory;
  files_ -= it->files;
  released->push_back(std::move(it->source));
  index_.erase(it->key);
  lru_.erase(it);
}

void SourceCache::Erase(const std::string& key) {
  std::vector<SourcePtr> released;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it != index_.end()) EraseLocked(it->second, &released);
}

void SourceCache::Clear() {
  std::list<Entry> drop;
  std::lock_guard<std::mutex> lock(mu_);
  index_.clear();
  drop.swap(lru_);
  memory_ = files_ = derived_ = 0;
}

SourceCacheStats SourceCache::Stats() const {
  SourceCacheStats st;
  {
    std::lock_guard<std::mutex> lock(mu_);
    st.items = lru_.size();
    st.derived_items = derived_;
    st.memory_bytes = memory_;
    st.open_files = files_;
    st.over_soft_limits = OverLimitsLocked(false);
  }
  st.active_evictions = active_evictions_.load();
  st.hits = hits_.load();
  st.misses = misses_.load();
  st.opens = opens_.load();
  st.open_failures = failures_.load();
  st.derivations = derivations_.load();
  st.evictions = evictions_.load();
  st.open_waits = flight_.waits();
  st.limits = limits_;
  return st;
}

}  // namespace tessera
