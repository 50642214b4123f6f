// Clock: an injectable source of time, so tests never sleep to wait for something.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tessera {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic nanoseconds (for durations and ages).
  virtual int64_t NowNanos() const = 0;

  static const Clock& Real();
};

class SteadyClock final : public Clock {
 public:
  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

inline const Clock& Clock::Real() {
  static const SteadyClock clock;
  return clock;
}

// A clock that only moves when told to (tests).
class FakeClock final : public Clock {
 public:
  int64_t NowNanos() const override { return now_.load(); }
  void Advance(std::chrono::nanoseconds d) { now_ += d.count(); }

 private:
  std::atomic<int64_t> now_{1'000'000'000};
};

}  // namespace tessera
