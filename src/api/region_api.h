// large_image's region-like endpoints under /api/v1/item/{id}/tiles:
//
//   region     any part of the image at any scale (RegionParams), encoded as JPEG / PNG / WEBP /
//              TIFF, or TILED: a tiled pyramidal TIFF of any size streamed from a temp file
//   pixel      the samples of one pixel, for one frame or a frameList
//   histogram  per-band statistics and numpy-style histograms of a region
//   bands      per-band interpretation and statistics (getBandInformation(statistics=True))
//
// Parameters are parsed and checked on the HTTP thread (400 naming the parameter); everything
// that opens, reads, decodes or encodes is returned as Deferred work. Region pixels come from
// the tile cache through TileService::ReadRegion; the outputs themselves are one-off and are
// not cached. Region, histogram and bands responses carry an ETag derived from the source key
// (so it changes with the file) and every parameter, and answer 304 to a matching
// If-None-Match. Band statistics are kept in memory per source and frame (a few hundred bytes
// each, at most kMaxBandEntries).
//
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"
#include "core/thread_annotations.h"

namespace tessera {

class RegionApi {
 public:
  RegionApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

  // TILED exports running at once; more are refused with 503 and Retry-After.
  static constexpr int kMaxTiledExports = 2;
  static constexpr size_t kMaxBandEntries = 1024;

 private:
  HandlerResult Region(ApiRequest& r);
  HandlerResult Pixel(ApiRequest& r);
  HandlerResult Histogram(ApiRequest& r);
  HandlerResult Bands(ApiRequest& r);

  BytesPtr CachedBands(const std::string& key);
  void KeepBands(const std::string& key, BytesPtr body);

  const ApiContext& ctx_;
  ItemResolver& resolver_;
  std::atomic<int> tiled_exports_{0};
  std::mutex mu_;
  std::unordered_map<std::string, BytesPtr> bands_ GUARDED_BY(mu_);
  std::deque<std::string> bands_order_ GUARDED_BY(mu_);  // oldest first
};

}  // namespace tessera
