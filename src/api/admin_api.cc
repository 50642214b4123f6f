#include "api/admin_api.h"

#include "api/auth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "source/vips_source.h"

namespace tessera {
namespace {

using Json = nlohmann::ordered_json;

// large_image's SourcePriority (lower is preferred).
enum Priority {
  kPreferred = 1,
  kHigh = 3,
  kMedium = 4,
  kLow = 5,
  kImplicit = 8,
  kFallback = 11,
  kManual = 12,
};

// What each reader claims. Tessera chooses by content, not by name (source/registry.h): a file
// with TIFF magic goes to the libtiff reader, unless OpenSlide recognizes a vendor format other
// than Aperio or generic TIFF (then OpenSlide first, libtiff as the fallback); other files go
// to libvips when one of its trusted loaders reads them. The numbers say the same in
// large_image's terms, for the names those files usually carry.
Json FormatJson(const std::string& name) {
  Json ext, mime;
  if (name == "tiff") {
    ext = {{"default", kHigh},   {"tif", kPreferred},   {"tiff", kPreferred},
           {"ptif", kPreferred}, {"ptiff", kPreferred}, {"qptiff", kPreferred},
           {"svs", kPreferred},  {"ndpi", kLow},        {"scn", kLow},
           {"bif", kLow}};
    mime = {{"default", kFallback},
            {"image/tiff", kPreferred},
            {"image/x-tiff", kPreferred},
            {"image/x-ptif", kPreferred}};
  } else if (name == "openslide") {
    ext = {{"default", kMedium}, {"bif", kPreferred}, {"mrxs", kPreferred},
           {"ndpi", kPreferred}, {"scn", kPreferred}, {"svslide", kPreferred},
           {"vms", kPreferred},  {"vmu", kPreferred}, {"svs", kLow},
           {"tif", kLow},        {"tiff", kLow}};
    mime = {{"default", kFallback},
            {"image/mirax", kPreferred},
            {"image/tiff", kLow},
            {"image/x-tiff", kLow}};
  } else if (name == "vips") {
    ext = {{"default", kImplicit}, {"jpg", kPreferred},  {"jpeg", kPreferred}, {"jpe", kPreferred},
           {"png", kPreferred},    {"webp", kPreferred}, {"gif", kPreferred}};
    mime = {{"default", kFallback},
            {"image/jpeg", kPreferred},
            {"image/png", kPreferred},
            {"image/webp", kPreferred},
            {"image/gif", kPreferred}};
  } else if (name == "test") {
    ext = {{"default", kManual}};
    mime = {{"default", kFallback}};
  } else {
    ext = {{"default", kFallback}};
    mime = {{"default", kFallback}};
  }
  return Json{{"extensions", ext}, {"mimeTypes", mime}};
}

}  // namespace

nlohmann::ordered_json CacheInfoJson(const ApiContext& ctx) {
  const TileCacheStats t = ctx.tile_cache->Stats();
  const SourceCacheStats s = ctx.source_cache->Stats();
  const TileServiceStats w = ctx.tiles->Stats();
  Json j;
  j["tilesource"] = {{"maxsize", s.limits.max_sources},
                     {"used", s.items},
                     {"derived", s.derived_items},
                     {"memoryBytes", s.memory_bytes},
                     {"maxMemoryBytes", s.limits.max_memory_bytes},
                     {"openFiles", s.open_files},
                     {"maxOpenFiles", s.limits.max_open_files},
                     {"hits", s.hits},
                     {"misses", s.misses},
                     {"opens", s.opens},
                     {"openFailures", s.open_failures},
                     {"openWaits", s.open_waits},
                     {"evictions", s.evictions},
                     {"activeEvictions", s.active_evictions},
                     {"overSoftLimits", s.over_soft_limits},
                     {"hardMaxsize", s.limits.hard_max_sources},
                     {"hardMaxMemoryBytes", s.limits.hard_max_memory_bytes},
                     {"hardMaxOpenFiles", s.limits.hard_max_open_files},
                     {"protectActive", s.limits.protect_active}};
  j["tileCache"] = {{"maxsize", t.capacity_bytes},
                    {"used", t.used_bytes},
                    {"items", t.items},
                    {"hits", t.hits},
                    {"misses", t.misses},
                    {"inserts", t.inserts},
                    {"evictions", t.evictions},
                    {"rejected", t.rejected},
                    {"protectedSkips", t.protected_skips},
                    {"protectedEvictions", t.protected_evictions}};
  // Shared tile caches: the shared tier's counters, and the in-process front's when tiered.
  if (const auto tiers = ctx.tile_cache->Tiers()) {
    const SharedTierStats& b = tiers->shared;
    Json backend = {{"backend", b.backend},      {"hits", b.hits},
                    {"misses", b.misses},        {"inserts", b.inserts},
                    {"errors", b.errors},        {"backoffMisses", b.backoff_misses},
                    {"skipped", b.skipped},      {"multipartPuts", b.multipart_puts},
                    {"badValues", b.bad_values}, {"connects", b.connects},
                    {"clears", b.clears}};
    if (tiers->front) {
      const TileCacheStats& f = *tiers->front;
      backend["front"] = {{"maxsize", f.capacity_bytes},
                          {"used", f.used_bytes},
                          {"items", f.items},
                          {"hits", f.hits},
                          {"misses", f.misses},
                          {"evictions", f.evictions}};
    } else {
      backend["front"] = nullptr;
    }
    j["tileCacheBackend"] = backend;
  }
  if (ctx.viewers) {
    const ViewerSummary v = ctx.viewers->Summarize();
    // The cache that would hold every active viewer's working set beside what else it holds:
    // the working set plus a quarter for the rest (unstyled tiles, thumbnails), and never less
    // than what is used now when evictions happen.
    const uint64_t suggested = std::max<uint64_t>(v.working_set_bytes + v.working_set_bytes / 4,
                                                  t.evictions > 0 ? t.used_bytes : uint64_t{0});
    j["viewers"] = {
        {"activeViewers", v.active_viewers},
        {"activeSources", v.active_sources},
        {"workingSetTiles", v.working_set_tiles},
        {"workingSetBytes", v.working_set_bytes},
        {"pinnedBytes", v.pinned_bytes},
        {"activeWindowSeconds", ctx.viewers->options().active_window_nanos / 1000000000},
        {"tilesPerViewer", ctx.viewers->options().tiles_per_viewer},
        {"suggestedTileCacheBytes", suggested}};
  }
  j["tiles"] = {{"tileReads", w.tile_reads},  {"rawReads", w.raw_reads},
                {"decodes", w.decodes},       {"synthesized", w.synthesized},
                {"encodes", w.encodes},       {"passthrough", w.passthrough},
                {"thumbnails", w.thumbnails}, {"singleFlightWaits", w.flight_waits}};
  return j;
}

std::string IsoUtcTime(std::chrono::system_clock::time_point t) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  int64_t seconds = micros / 1'000'000;
  int64_t fraction = micros % 1'000'000;
  if (fraction < 0) {
    fraction += 1'000'000;
    --seconds;
  }
  const std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char date[40];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%06lld+00:00", date, static_cast<long long>(fraction));
  return out;
}

nlohmann::ordered_json SourcesJson(const std::vector<std::string>& formats,
                                   const std::string& version) {
  std::vector<std::string> names = formats;
  if (std::find(names.begin(), names.end(), "test") == names.end()) names.push_back("test");
  Json j = Json::object();
  for (const std::string& name : names) {
    Json entry = FormatJson(name);
    entry["version"] = version;
    j[name] = std::move(entry);
  }
  return j;
}

nlohmann::ordered_json SettingsJson(int max_thumbnail_files) {
  Json j;
  // `tessera import` marks every file it can read as a large image.
  j["large_image.auto_set"] = true;
  j["large_image.default_viewer"] = nullptr;
  j["large_image.icc_correction"] =
      true;  // applied to files that embed a profile (docs/api.md#styles)
  // Untiled images are decoded whole up to this many pixels on a side (source/vips_source.h).
  j["large_image.max_small_image_size"] =
      std::llround(std::sqrt(static_cast<double>(kMaxFlatImagePixels)));
  // Thumbnails and associated images live in the tile cache, never as files.
  j["large_image.max_thumbnail_files"] = max_thumbnail_files;
  j["large_image.merge_dicom"] = false;
  j["large_image.show_thumbnails"] = true;
  j["large_image.show_viewer"] = true;
  return j;
}

std::string MetricsText(const ApiContext& ctx) {
  const TileCacheStats t = ctx.tile_cache->Stats();
  const SourceCacheStats s = ctx.source_cache->Stats();
  const TileServiceStats w = ctx.tiles->Stats();
  std::string out;
  auto counter = [&](const char* name, const char* help, double v) {
    AppendMetric(out, std::string("tessera_") + name, "counter", help, v);
  };
  auto gauge = [&](const char* name, const char* help, double v) {
    AppendMetric(out, std::string("tessera_") + name, "gauge", help, v);
  };
  counter("tile_cache_hits_total", "Tile cache lookups that found the entry.", t.hits);
  counter("tile_cache_misses_total", "Tile cache lookups that did not.", t.misses);
  counter("tile_cache_evictions_total", "Tile cache entries evicted for room.", t.evictions);
  counter("tile_cache_protected_skips_total",
          "Evictions that passed over a tile an active viewer holds.", t.protected_skips);
  counter("tile_cache_protected_evictions_total",
          "Tiles an active viewer held, evicted because nothing else was left.",
          t.protected_evictions);
  gauge("tile_cache_bytes", "Bytes held by the tile cache.", t.used_bytes);
  gauge("tile_cache_capacity_bytes", "The tile cache budget.", t.capacity_bytes);
  gauge("tile_cache_items", "Entries in the tile cache.", t.items);
  // Shared tile caches (memcached, redis): present when the tile cache has a shared tier.
  if (const auto tiers = ctx.tile_cache->Tiers()) {
    const SharedTierStats& b = tiers->shared;
    counter("tile_cache_backend_hits_total", "Shared tile tier lookups that found the tile.",
            b.hits);
    counter("tile_cache_backend_misses_total",
            "Shared tile tier lookups that did not (failures included).", b.misses);
    counter("tile_cache_backend_errors_total",
            "Shared tile tier calls that failed (refused, timed out, broken).", b.errors);
    counter("tile_cache_backend_backoff_misses_total",
            "Shared tile tier calls answered as a miss at once while backing off.",
            b.backoff_misses);
    counter("tile_cache_backend_skipped_total",
            "Values not stored in the shared tier (too large, or pixels).", b.skipped);
    counter("tile_cache_backend_bad_values_total",
            "Shared tier values that did not check (key, parts, format).", b.bad_values);
    counter("tile_cache_backend_connects_total", "Connections opened to the shared tier.",
            b.connects);
    if (tiers->front) {
      gauge("tile_cache_front_bytes", "Bytes held by the in-process front tier.",
            tiers->front->used_bytes);
      counter("tile_cache_front_hits_total", "Front tier lookups that found the tile.",
              tiers->front->hits);
    }
  }
  counter("source_cache_hits_total", "Source cache lookups that found the source.", s.hits);
  counter("source_cache_misses_total", "Source cache lookups that did not.", s.misses);
  counter("source_opens_total", "Sources opened.", s.opens);
  counter("source_cache_evictions_total", "Sources evicted.", s.evictions);
  counter("source_cache_active_evictions_total",
          "Sources evicted while someone was viewing them (0 within the hard ceilings).",
          s.active_evictions);
  gauge("source_cache_items", "Open sources (unstyled and derived).", s.items);
  gauge("source_cache_over_soft_limits", "1 while active sources hold more than the limits.",
        s.over_soft_limits ? 1 : 0);
  gauge("source_cache_open_files", "File handles held by open sources.", s.open_files);
  counter("single_flight_waits_total", "Requests that waited for another's identical work.",
          w.flight_waits + s.open_waits);
  counter("tiles_decoded_total", "Stored tiles decoded.", w.decodes);
  counter("tiles_encoded_total", "Tiles and images encoded.", w.encodes);
  counter("tiles_synthesized_total", "Tiles made from higher-resolution tiles.", w.synthesized);
  counter("tiles_passthrough_total", "Tiles served as stored.", w.passthrough);
  if (ctx.viewers) {
    const ViewerSummary v = ctx.viewers->Summarize();
    gauge("active_viewers", "Viewers with a tile request within the active window.",
          v.active_viewers);
    gauge("active_sources", "Images an active viewer looked at within the window.",
          v.active_sources);
    gauge("working_set_bytes", "Bytes of the tiles of active viewers' working sets.",
          v.working_set_bytes);
  }
  if (ctx.metrics) ctx.metrics->Render(out);
  return out;
}

void AdminApi::Register(Router& router) {
  router.Add("GET", "/api/v1/large_image/cache", [this](ApiRequest&) -> HandlerResult {
    return ApiResponse::Json(CacheInfoJson(ctx_));
  });
  // Prometheus text format. Outside /api/v1, where Prometheus expects it.
  router.Add("GET", "/metrics", [this](ApiRequest&) -> HandlerResult {
    std::string text = MetricsText(ctx_);
    ApiResponse resp = ApiResponse::Content(std::make_shared<const Bytes>(text.begin(), text.end()),
                                            "text/plain; version=0.0.4");
    return resp;
  });
  router.Add("PUT", "/api/v1/large_image/cache/clear",
             [this](ApiRequest& r) { return ClearCaches(r); });
  router.Add("GET", "/api/v1/large_image/sources", [this](ApiRequest&) -> HandlerResult {
    return ApiResponse::Json(SourcesJson(ctx_.registry->names(), ctx_.version));
  });
  router.Add("GET", "/api/v1/large_image/settings", [this](ApiRequest&) -> HandlerResult {
    return ApiResponse::Json(SettingsJson(ctx_.max_thumbnail_files));
  });
}

HandlerResult AdminApi::ClearCaches(ApiRequest& r) {
  if (ctx_.auth) {
    auto who = ctx_.auth->Authenticate(r);
    if (!who.ok()) return ApiResponse::Error(who.status());
    if (Status s = Auth::RequireAdmin(*who); !s.ok()) return ApiResponse::Error(s);
  }
  // Releasing a large cache frees a lot of memory: a worker does it, not an HTTP thread.
  return Deferred([this]() {
    Json j;
    Json before = CacheInfoJson(ctx_);
    ctx_.tile_cache->Clear();
    ctx_.source_cache->Clear();
    j["cacheCleared"] = IsoUtcTime(std::chrono::system_clock::now());
    j["before"] = std::move(before);
    j["after"] = CacheInfoJson(ctx_);
    return ApiResponse::Json(j);
  });
}

}  // namespace tessera
