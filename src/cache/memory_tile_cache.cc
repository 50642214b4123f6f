#include "cache/memory_tile_cache.h"

#include <algorithm>

namespace tessera {

MemoryTileCache::MemoryTileCache(uint64_t capacity_bytes, int shards, bool skip_shared)
    : capacity_(capacity_bytes), skip_shared_(skip_shared) {
  shards = std::max(1, shards);
  for (int i = 0; i < shards; ++i) {
    auto s = std::make_unique<Shard>();
    s->capacity = capacity_bytes / shards;
    shards_.push_back(std::move(s));
  }
}

MemoryTileCache::Shard& MemoryTileCache::ShardFor(std::string_view key) {
  // Mix the high bits in: std::hash of a string is well spread, but the modulo uses low bits.
  size_t h = Hash()(key);
  h ^= h >> 29;
  return *shards_[h % shards_.size()];
}

TileValuePtr MemoryTileCache::Get(std::string_view key) {
  Shard& s = ShardFor(key);
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second->value;
}

void MemoryTileCache::EraseLocked(Shard& s, std::list<Entry>::iterator it) {
  s.used -= it->charge;
  s.index.erase(s.index.find(std::string_view(it->key)));
  s.lru.erase(it);
}

void MemoryTileCache::Put(std::string_view key, TileValuePtr value) {
  if (!value) return;
  const size_t charge = key.size() + value->ByteSize() + kEntryOverhead;
  Shard& s = ShardFor(key);
  if (charge > s.capacity) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Values released by eviction are destroyed after the lock is dropped.
  std::vector<TileValuePtr> released;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto found = s.index.find(key);
    if (found != s.index.end()) {
      released.push_back(std::move(found->second->value));
      EraseLocked(s, found->second);
    }
    size_t passed = 0;  // held victims given a second chance by this insert
    while (s.used + charge > s.capacity && !s.lru.empty()) {
      auto victim = std::prev(s.lru.end());
      if (skip_shared_ && victim->value.use_count() > 1) {
        if (passed < s.lru.size()) {
          ++passed;
          protected_skips_.fetch_add(1, std::memory_order_relaxed);
          s.lru.splice(s.lru.begin(), s.lru, victim);
          continue;
        }
        protected_evictions_.fetch_add(1, std::memory_order_relaxed);  // everything is held
      }
      released.push_back(std::move(victim->value));
      EraseLocked(s, victim);
      evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    s.lru.push_front(Entry{std::string(key), std::move(value), charge});
    s.index.emplace(s.lru.front().key, s.lru.begin());
    s.used += charge;
  }
  inserts_.fetch_add(1, std::memory_order_relaxed);
}

void MemoryTileCache::Erase(std::string_view key) {
  Shard& s = ShardFor(key);
  TileValuePtr released;
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) return;
  released = std::move(it->second->value);
  EraseLocked(s, it->second);
}

void MemoryTileCache::Clear() {
  for (auto& s : shards_) {
    std::list<Entry> drop;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->index.clear();
      drop.swap(s->lru);
      s->used = 0;
    }
  }
}

TileCacheStats MemoryTileCache::Stats() const {
  TileCacheStats st;
  st.capacity_bytes = capacity_;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    st.used_bytes += s->used;
    st.items += s->lru.size();
  }
  st.hits = hits_.load();
  st.misses = misses_.load();
  st.inserts = inserts_.load();
  st.evictions = evictions_.load();
  st.rejected = rejected_.load();
  st.protected_skips = protected_skips_.load();
  st.protected_evictions = protected_evictions_.load();
  return st;
}

}  // namespace tessera
