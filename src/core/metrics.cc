#include "core/metrics.h"

#include <cstdio>

#include "core/strings.h"

namespace tessera {

void LatencyHistogram::Observe(int64_t nanos) {
  if (nanos < 0) nanos = 0;
  const double seconds = static_cast<double>(nanos) / 1e9;
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(nanos), std::memory_order_relaxed);
}

void LatencyHistogram::Render(const std::string& name, const std::string& labels,
                              std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBounds.size() ? FormatDouble(kBounds[i]) : "+Inf";
    out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum{" + labels + "} " +
         FormatDouble(static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(cumulative) + "\n";
}

LatencyHistogram& RouteMetrics::For(const std::string& route) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& h = routes_[route];
  if (!h) h = std::make_unique<LatencyHistogram>();
  return *h;
}

void RouteMetrics::Render(std::string& out) const {
  const std::string name = "tessera_http_request_duration_seconds";
  out += "# HELP " + name + " Time from a request's last byte to its response's last byte.\n";
  out += "# TYPE " + name + " histogram\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [route, h] : routes_) {
    h->Render(name, "route=\"" + route + "\"", out);
  }
}

void AppendMetric(std::string& out, const std::string& name, const char* type, const char* help,
                  double value) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         FormatDouble(value) + "\n";
}

}  // namespace tessera
