#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace tessera {
namespace {

TEST(ThreadPoolTest, RunsEveryTask) {
  std::atomic<int> n{0};
  {
    ThreadPool pool(3, 1000);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(pool.TrySubmit([&] { n++; }));
  }  // destructor drains the queue
  EXPECT_EQ(n.load(), 100);
}

TEST(ThreadPoolTest, RefusesBeyondQueueBound) {
  ThreadPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&, gate] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();             // the worker is busy
  ASSERT_TRUE(pool.TrySubmit([gate] {}));  // fills the one queue slot
  EXPECT_FALSE(pool.TrySubmit([] {}));     // refused
  release.set_value();
}

}  // namespace
}  // namespace tessera
