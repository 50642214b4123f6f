// ThreadPool: a fixed set of worker threads draining a bounded FIFO of tasks.
//
// Tile production (decode, synthesize, encode) runs here so that the HTTP threads, which serve
// cache hits, never queue behind slow work. The queue is bounded: TrySubmit refuses work beyond
// `max_queue` so overload becomes a fast, clear error instead of unbounded memory.
//
// Thread-safety: all methods may be called from any thread. The destructor finishes the tasks
// already queued, then joins the workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/thread_annotations.h"

namespace tessera {

class ThreadPool {
 public:
  ThreadPool(int threads, size_t max_queue, std::string name = "worker");
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`; false (and the task is dropped) when the queue is full or the pool stops.
  [[nodiscard]] bool TrySubmit(std::function<void()> task);

  int threads() const { return static_cast<int>(workers_.size()); }
  size_t queued() const;
  size_t running() const;

 private:
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  size_t running_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  const size_t max_queue_;
  std::vector<std::thread> workers_;
};

}  // namespace tessera
