#include "cache/memcached_tile_cache.h"

#include <libmemcached/memcached.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "core/thread_annotations.h"

namespace tessera {
namespace {

using Result = SharedStore::Result;

struct Connection {
  memcached_st* memc = nullptr;
  ~Connection() {
    if (memc) memcached_free(memc);
  }
};

std::string ErrorText(memcached_st* memc, memcached_return_t rc) {
  const char* last = memcached_last_error_message(memc);
  return std::string(memcached_strerror(memc, rc)) + (last ? std::string(": ") + last : "");
}

class MemcachedStore final : public SharedStore {
 public:
  explicit MemcachedStore(const SharedTileCacheOptions& o)
      : options_(o), pool_(o.max_idle_connections) {
    hash_ = MakeHandle();
    generation_key_ = o.name_space + ":generation";
  }
  ~MemcachedStore() override {
    pool_.Drain();
    if (hash_) memcached_free(hash_);
  }

  const char* name() const override { return "memcached"; }
  size_t Slots() const override { return options_.servers.size(); }
  size_t SlotFor(std::string_view key) const override {
    std::lock_guard<std::mutex> lock(hash_mu_);
    return memcached_generate_hash(hash_, key.data(), key.size());
  }
  size_t RefreshSlot() const override { return SlotFor(generation_key_); }

  std::string KeyPrefix() const override {
    const uint64_t g = generation_.load(std::memory_order_acquire);
    if (g == 0) return "";
    return options_.name_space + ":" + std::to_string(g) + ":";
  }

  Result Refresh(std::string* error) override {
    return WithConnection(error, [&](memcached_st* m) -> memcached_return_t {
      size_t len = 0;
      uint32_t flags = 0;
      memcached_return_t rc;
      char* v = memcached_get(m, generation_key_.data(), generation_key_.size(), &len, &flags, &rc);
      if (rc == MEMCACHED_SUCCESS) {
        generation_.store(std::strtoull(std::string(v, len).c_str(), nullptr, 10));
        std::free(v);
        return rc;
      }
      if (v) std::free(v);
      if (rc != MEMCACHED_NOTFOUND) return rc;
      // No generation yet (or evicted): start one from the clock, or take another node's.
      uint64_t created = 0;
      rc = memcached_increment_with_initial(m, generation_key_.data(), generation_key_.size(), 0,
                                            ClockGeneration(), 0, &created);
      if (rc == MEMCACHED_SUCCESS) generation_.store(created);
      return rc;
    });
  }

  Result Get(std::string_view key, const Visitor& found, std::string* error) override {
    bool hit = false;
    Result r = WithConnection(error, [&](memcached_st* m) {
      size_t len = 0;
      uint32_t flags = 0;
      memcached_return_t rc;
      char* v = memcached_get(m, key.data(), key.size(), &len, &flags, &rc);
      if (rc == MEMCACHED_SUCCESS) {
        hit = true;
        found(std::string_view(v ? v : "", len));
      }
      if (v) std::free(v);
      return rc;
    });
    return r == Result::kOk && !hit ? Result::kMiss : r;
  }

  Result MultiGet(const std::vector<std::string>& keys,
                  const std::function<void(size_t, std::string_view)>& found,
                  std::string* error) override {
    std::unordered_map<std::string_view, size_t> index;
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (size_t i = 0; i < keys.size(); ++i) {
      index.emplace(keys[i], i);
      ptrs.push_back(keys[i].data());
      lens.push_back(keys[i].size());
    }
    return WithConnection(error, [&](memcached_st* m) {
      memcached_return_t rc = memcached_mget(m, ptrs.data(), lens.data(), keys.size());
      // SOME_ERRORS: a server holding some parts failed; what the others have is still read
      // (a part it held is missing: a miss), and that server's own calls back off.
      if (rc != MEMCACHED_SUCCESS && rc != MEMCACHED_SOME_ERRORS) return rc;
      memcached_result_st* res;
      while ((res = memcached_fetch_result(m, nullptr, &rc)) != nullptr) {
        auto it = index.find(
            std::string_view(memcached_result_key_value(res), memcached_result_key_length(res)));
        if (it != index.end()) {
          found(it->second,
                std::string_view(memcached_result_value(res), memcached_result_length(res)));
        }
        memcached_result_free(res);
      }
      // The end of the results is reported as END or NOTFOUND; anything else failed.
      return rc == MEMCACHED_END || rc == MEMCACHED_NOTFOUND ? MEMCACHED_SUCCESS : rc;
    });
  }

  Result Set(std::string_view key, std::string_view value, int ttl_s, std::string* error) override {
    return WithConnection(error, [&](memcached_st* m) {
      return memcached_set(m, key.data(), key.size(), value.data(), value.size(),
                           static_cast<time_t>(ttl_s), 0);
    });
  }

  Result Delete(std::string_view key, std::string* error) override {
    Result r = WithConnection(
        error, [&](memcached_st* m) { return memcached_delete(m, key.data(), key.size(), 0); });
    return r == Result::kMiss ? Result::kOk : r;
  }

  Result Clear(std::string* error) override {
    return WithConnection(error, [&](memcached_st* m) {
      uint64_t g = 0;
      memcached_return_t rc = memcached_increment_with_initial(
          m, generation_key_.data(), generation_key_.size(), 1, ClockGeneration(), 0, &g);
      if (rc == MEMCACHED_SUCCESS) generation_.store(g);
      return rc;
    });
  }

  uint64_t connects() const override { return connects_.load(); }

 private:
  static uint64_t ClockGeneration() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }

  memcached_st* MakeHandle() const {
    memcached_st* m = memcached_create(nullptr);
    if (!m) return nullptr;
    const uint64_t ms = static_cast<uint64_t>(options_.timeout_ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_KETAMA, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, ms * 1000);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SND_TIMEOUT, ms * 1000);
    // Our own back-off decides when a failed server is tried again.
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 0);
    for (const std::string& s : options_.servers) {
      if (s.front() == '/') {
        memcached_server_add_unix_socket(m, s.c_str());
      } else {
        const size_t colon = s.rfind(':');
        std::string host = s.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
          host = host.substr(1, host.size() - 2);
        }
        memcached_server_add(m, host.c_str(),
                             static_cast<in_port_t>(std::atoi(s.c_str() + colon + 1)));
      }
    }
    if (!options_.username.empty()) {
      memcached_set_sasl_auth_data(m, options_.username.c_str(), options_.password.c_str());
    }
    return m;
  }

  // Runs `op` on a pooled connection; a failed one is dropped (the next call reconnects).
  template <typename Op>
  Result WithConnection(std::string* error, Op op) {
    std::unique_ptr<Connection> c = pool_.Take();
    if (!c) {
      c = std::make_unique<Connection>();
      c->memc = MakeHandle();
      if (!c->memc) {
        *error = "memcached_create failed";
        return Result::kError;
      }
      connects_.fetch_add(1, std::memory_order_relaxed);
    }
    const memcached_return_t rc = op(c->memc);
    Result r;
    switch (rc) {
      case MEMCACHED_SUCCESS:
      case MEMCACHED_STORED:
      case MEMCACHED_DELETED:
      case MEMCACHED_END:
        r = Result::kOk;
        break;
      case MEMCACHED_NOTFOUND:
        r = Result::kMiss;
        break;
      case MEMCACHED_E2BIG:
        r = Result::kTooLarge;
        break;
      default:
        *error = ErrorText(c->memc, rc);
        return Result::kError;  // the connection goes with its error
    }
    pool_.Give(std::move(c));
    return r;
  }

  const SharedTileCacheOptions options_;
  ConnectionPool<Connection> pool_;
  mutable std::mutex hash_mu_;
  memcached_st* hash_ = nullptr;  // server selection only; never connects
  std::string generation_key_;
  std::atomic<uint64_t> generation_{0};  // 0: not known yet
  std::atomic<uint64_t> connects_{0};
};

}  // namespace

StatusOr<std::unique_ptr<SharedTileCache>> OpenMemcachedTileCache(
    const SharedTileCacheOptions& options) {
  TS_RETURN_IF_ERROR(ValidateSharedTileCacheOptions(options));
  auto store = std::make_unique<MemcachedStore>(options);
  return std::make_unique<SharedTileCache>(std::move(store), options);
}

}  // namespace tessera
