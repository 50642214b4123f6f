#include "cache/single_flight.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace tessera {
namespace {

TEST(SingleFlightTest, ConcurrentCallersShareOneComputation) {
  SingleFlight<int> flight;
  std::atomic<int> runs{0};
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> arrived{0};
  std::vector<std::thread> threads;
  std::vector<int> results(32, 0);
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&, i] {
      arrived++;
      auto r = flight.Do("tile", [&]() -> StatusOr<int> {
        runs++;
        gate.wait();  // hold the leader until every caller has arrived
        return 42;
      });
      results[i] = r.ok() ? *r : -1;
    });
  }
  // Every thread has entered Do (or is about to); waiters are counted once they block.
  while (arrived.load() < 32) std::this_thread::yield();
  while (flight.waits() < 31) std::this_thread::yield();
  release.set_value();
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  for (int r : results) EXPECT_EQ(r, 42);
  EXPECT_EQ(flight.in_flight(), 0u);
}

TEST(SingleFlightTest, ErrorsAreSharedAndNotRemembered) {
  SingleFlight<int> flight;
  auto r = flight.Do("k", []() -> StatusOr<int> { return DataLossError("bad"); });
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  auto again = flight.Do("k", []() -> StatusOr<int> { return 1; });
  EXPECT_EQ(*again, 1);
}

TEST(SingleFlightTest, ExceptionsBecomeInternalErrors) {
  SingleFlight<int> flight;
  auto r = flight.Do("k", []() -> StatusOr<int> { throw std::runtime_error("boom"); });
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace tessera
