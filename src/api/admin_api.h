// The administration endpoints of large_image's LargeImageResource under /api/v1/large_image:
//
//   GET cache        the counters of both caches and of the tile service (CacheInfoJson)
//   PUT cache/clear  empties the tile cache and the source cache; answers
//                    {"cacheCleared": <ISO UTC time>, "before": {...}, "after": {...}} with the
//                    counters of GET /large_image/cache before and after
//   GET sources      {name: {"extensions": {...}, "mimeTypes": {...}, "version": ...}} for the
//                    formats Tessera reads, with large_image's priority numbers (lower wins)
//   GET settings     the large_image plugin settings that mean something here
//
// Admin-only access comes with users.
// Thread-safety: handlers are safe to run concurrently; clearing while requests run is safe
// (cached values and sources are shared pointers).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api_context.h"
#include "api/router.h"

namespace tessera {

class AdminApi {
 public:
  explicit AdminApi(const ApiContext& ctx) : ctx_(ctx) {}
  void Register(Router& router);

 private:
  HandlerResult ClearCaches(ApiRequest& r);

  const ApiContext& ctx_;
};

// The counters of both caches and of the tile service, in the shape of
// GET /api/v1/large_image/cache (docs/cache.md#counters).
nlohmann::ordered_json CacheInfoJson(const ApiContext& ctx);

// The counters, gauges and latency histograms of GET /metrics, in Prometheus text format
// (docs/operations.md#monitoring).
std::string MetricsText(const ApiContext& ctx);

// Girder's rendering of a UTC datetime: "2024-05-01T12:34:56.789012+00:00".
std::string IsoUtcTime(std::chrono::system_clock::time_point t);

// GET /large_image/sources for the registry's format names (plus the synthetic "test").
nlohmann::ordered_json SourcesJson(const std::vector<std::string>& formats,
                                   const std::string& version);

// GET /large_image/settings.
nlohmann::ordered_json SettingsJson(int max_thumbnail_files);

}  // namespace tessera
