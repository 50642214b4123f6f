// SingleFlight: concurrent callers asking for the same key share one computation.
//
// The first caller for a key (the leader) runs the function; callers that arrive while it runs
// wait and receive the same result (Status or value). Once the leader finishes, the key is
// forgotten: a later caller runs the function again (results are cached elsewhere). This is
// what makes 32 concurrent requests for one cold tile decode it once, and 32 first requests for
// one image open it once.
//
// Dependencies between keys must be acyclic (a tile waits only on higher-resolution tiles), so
// waiting cannot deadlock.
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "core/thread_annotations.h"

namespace tessera {

template <typename T>
class SingleFlight {
 public:
  using Result = StatusOr<T>;

  // Runs `fn` unless a call for `key` is in flight, in which case it waits for that call's
  // result. `*shared` (optional) says whether this caller waited instead of running `fn`.
  Result Do(const std::string& key, const std::function<Result()>& fn, bool* shared = nullptr) {
    std::shared_ptr<Call> call;
    bool leader = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = calls_.find(key);
      if (it == calls_.end()) {
        call = std::make_shared<Call>();
        calls_.emplace(key, call);
        leader = true;
      } else {
        call = it->second;
      }
    }
    if (shared) *shared = !leader;
    if (!leader) {
      waits_.fetch_add(1, std::memory_order_relaxed);
      std::unique_lock<std::mutex> lock(call->mu);
      call->cv.wait(lock, [&] { return call->result.has_value(); });
      return *call->result;
    }
    Result r = RunGuarded(fn);
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.erase(key);
    }
    {
      std::lock_guard<std::mutex> lock(call->mu);
      call->result.emplace(r);
    }
    call->cv.notify_all();
    return r;
  }

  // Whether a computation for `key` is running now.
  bool InFlight(const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.count(key) > 0;
  }

  // How many callers waited on another's computation instead of running their own.
  uint64_t waits() const { return waits_.load(); }
  size_t in_flight() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_.size();
  }

 private:
  struct Call {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result> result;
  };

  static Result RunGuarded(const std::function<Result()>& fn) {
    try {
      return fn();
    } catch (const std::exception& e) {
      return InternalError(std::string("unexpected exception: ") + e.what());
    }
  }

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Call>> calls_ GUARDED_BY(mu_);
  std::atomic<uint64_t> waits_{0};
};

}  // namespace tessera
