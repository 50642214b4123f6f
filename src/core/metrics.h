// Request latency histograms per route, for GET /metrics (Prometheus text format): fixed
// buckets from 0.25 ms to 30 s, counted with atomics so that recording costs a few
// nanoseconds on the request path.
//
// Thread-safety: For() may be called concurrently (a histogram is created once per route and
// never moved); Observe and Render are safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/thread_annotations.h"

namespace tessera {

class LatencyHistogram {
 public:
  static constexpr std::array<double, 15> kBounds = {
      0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30};
  void Observe(int64_t nanos);
  // Appends the _bucket, _sum and _count lines of `name` with the label `labels` ("k=\"v\"").
  void Render(const std::string& name, const std::string& labels, std::string& out) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // last: above every bound
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

class RouteMetrics {
 public:
  // The histogram of a route (its pattern, "static" or "unrouted").
  LatencyHistogram& For(const std::string& route);
  // Every route's histogram under tessera_http_request_duration_seconds.
  void Render(std::string& out) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<LatencyHistogram>> routes_ GUARDED_BY(mu_);
};

// "# HELP" / "# TYPE" and the sample line of one metric without labels.
void AppendMetric(std::string& out, const std::string& name, const char* type, const char* help,
                  double value);

}  // namespace tessera
