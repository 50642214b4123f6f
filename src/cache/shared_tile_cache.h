// SharedTileCache: a TileCache kept in a server other processes share (memcached, redis), so
// several Tessera nodes behind one load balancer reuse each other's tiles. This file holds what
// both backends share — key naming, value parts, back-off, counters, the throttled log — over a
// SharedStore, the few raw operations a backend provides (memcached_tile_cache.h,
// redis_tile_cache.h).
//
// Keys: a cache key of any length is stored as `<prefix><32 hex>` — the prefix is
// `<namespace>:` plus what the backend needs for Clear (memcached: a generation number), the
// hex is a 128-bit BLAKE2b of the key. The full key is stored inside the value and compared on
// Get (tile_value_codec.h), so a collision is a miss.
//
// Large values: an encoded value longer than `item_max_bytes` is stored as parts
// `<name>:<check>:<i>` (written first) and a head under `<name>` (written last) naming the part
// count and a check of the whole; parts that do not match the check are a miss. Values needing
// more than kMaxParts parts are skipped (counted).
//
// Failures: a backend call that fails (refused, timeout, broken connection) is a miss (Get) or
// a dropped write (Put), counted in `errors`, logged at most once per kLogInterval. The failed
// server slot then backs off: for `backoff_initial_ms` (doubling up to `backoff_max_ms`) every
// call for that slot is a miss at once (`backoff_misses`), and one call at a time probes it
// after that; the first success ends the back-off. Nothing here ever fails a request.
//
// Thread-safety: all methods are safe to call concurrently. SharedStore implementations must be
// too (they keep a pool of connections, one per concurrent call).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "cache/tile_cache.h"
#include "core/status.h"
#include "core/thread_annotations.h"

namespace tessera {

struct SharedTileCacheOptions {
  // memcached: host:port or unix socket paths (consistent hashing over all of them);
  // redis: one host:port or socket path.
  std::vector<std::string> servers;
  std::string username;  // redis ACL user (AUTH user pass) / memcached SASL user
  std::string password;
  std::string name_space = "tessera";           // [A-Za-z0-9_.-]+
  int ttl_s = 0;                                // 0: values do not expire
  int timeout_ms = 100;                         // connect, send and receive timeout per call
  uint64_t item_max_bytes = uint64_t{1} << 20;  // the backend's item limit (memcached -I)
  bool store_pixels = false;                    // decoded pixel values go to the shared tier too
  int backoff_initial_ms = 100;
  int backoff_max_ms = 5000;
  size_t max_idle_connections = 32;
  // memcached: how long a generation read from the server is trusted (another node's Clear is
  // seen after at most this long).
  int generation_refresh_ms = 1000;
};

// Validates a namespace ([A-Za-z0-9_.-], 1..64 characters) and a server list.
Status ValidateSharedTileCacheOptions(const SharedTileCacheOptions& options);

// The raw operations of one backend. Each call may fail; the caller counts and backs off.
class SharedStore {
 public:
  enum class Result { kOk, kMiss, kTooLarge, kError };
  using Visitor = std::function<void(std::string_view)>;
  virtual ~SharedStore() = default;

  virtual const char* name() const = 0;
  // Servers that fail independently, and which one holds `key`.
  virtual size_t Slots() const { return 1; }
  virtual size_t SlotFor(std::string_view /*key*/) const { return 0; }
  // The prefix of every key of ours in force now ("<namespace>:..."); cheap, no network.
  virtual std::string KeyPrefix() const = 0;
  // Re-reads server-held naming state (memcached's generation); kOk when there is none.
  virtual Result Refresh(std::string* /*error*/) { return Result::kOk; }
  virtual size_t RefreshSlot() const { return 0; }

  // kOk calls `found` with the stored bytes (valid during the call only).
  virtual Result Get(std::string_view key, const Visitor& found, std::string* error) = 0;
  // Several keys in one round trip where the backend can; `found(i, bytes)` for each present.
  virtual Result MultiGet(const std::vector<std::string>& keys,
                          const std::function<void(size_t, std::string_view)>& found,
                          std::string* error);
  virtual Result Set(std::string_view key, std::string_view value, int ttl_s,
                     std::string* error) = 0;
  virtual Result Delete(std::string_view key, std::string* error) = 0;
  // Removes every key of our namespace and nothing else.
  virtual Result Clear(std::string* error) = 0;
  virtual uint64_t connects() const = 0;
};

// Back-off of one server slot (see the header comment). Lock-free.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial.count() * 1'000'000), max_(max.count() * 1'000'000) {}
  // True when a call may go to the server now: no back-off, or this caller won the probe.
  bool Allow(int64_t now_nanos);
  void Succeeded();
  void Failed(int64_t now_nanos);
  bool backing_off() const { return until_.load(std::memory_order_relaxed) != 0; }

 private:
  const int64_t initial_, max_;
  std::atomic<int64_t> until_{0};  // 0: healthy; else no call before this time
  std::atomic<int64_t> delay_{0};
};

// Connections of one kind kept for reuse: Take one (or nullptr: make a new one), Give it back
// when it is still good; a connection that failed is dropped instead.
template <typename T>
class ConnectionPool {
 public:
  explicit ConnectionPool(size_t max_idle) : max_idle_(max_idle) {}
  std::unique_ptr<T> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.empty()) return nullptr;
    std::unique_ptr<T> c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  void Give(std::unique_ptr<T> c) {
    std::lock_guard<std::mutex> lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
  }
  void Drain() {
    std::vector<std::unique_ptr<T>> gone;
    std::lock_guard<std::mutex> lock(mu_);
    gone.swap(idle_);
  }

 private:
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> idle_ GUARDED_BY(mu_);
};

class SharedTileCache final : public TileCache {
 public:
  static constexpr uint32_t kMaxParts = 64;
  static constexpr std::chrono::seconds kLogInterval{10};

  SharedTileCache(std::unique_ptr<SharedStore> store, const SharedTileCacheOptions& options);

  TileValuePtr Get(std::string_view key) override;
  TileValuePtr GetLocal(std::string_view) override { return nullptr; }  // nothing is local
  void Put(std::string_view key, TileValuePtr value) override;
  void Erase(std::string_view key) override;
  void Clear() override;
  TileCacheStats Stats() const override;
  std::optional<TileCacheTiers> Tiers() const override;
  bool has_shared_tier() const override { return true; }
  SharedTierStats SharedStats() const;

  // The stored name of `key` ("<prefix><32 hex>"; reads the generation first if needed), for
  // tests and tools. "" while the prefix cannot be known (memcached down at start).
  std::string StoredName(std::string_view key);
  SharedStore& store() { return *store_; }

 private:
  // Runs `op` against the slot unless it backs off; records success or failure.
  SharedStore::Result Call(size_t slot, const char* what,
                           const std::function<SharedStore::Result(std::string*)>& op);
  void NoteError(const char* what, const std::string& error);
  void MaybeRefresh();
  std::string NameOf(std::string_view key) const;
  TileValuePtr ReadParts(const std::string& name, std::string_view key, std::string_view head);

  const std::unique_ptr<SharedStore> store_;
  const SharedTileCacheOptions options_;
  std::vector<std::unique_ptr<Backoff>> backoff_;
  std::atomic<int64_t> next_refresh_{0};
  std::atomic<int64_t> next_log_{0};
  std::atomic<uint64_t> unlogged_errors_{0};
  std::atomic<uint64_t> hits_{0}, misses_{0}, inserts_{0}, errors_{0}, backoff_misses_{0},
      skipped_{0}, multipart_puts_{0}, bad_values_{0}, clears_{0};
};

}  // namespace tessera
