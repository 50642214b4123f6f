// The IIIF Image API 3.0 at compliance level 2 (https://iiif.io/api/image/3.0/), under /iiif/3:
//
//   GET /iiif/3/{identifier}                  303 to .../info.json
//   GET /iiif/3/{identifier}/info.json        the image information (JSON-LD)
//   GET /iiif/3/{identifier}/{region}/{size}/{rotation}/{quality}.{format}
//
// Identifiers: an item id, "test" for the synthetic image (with /item/test's query
// parameters), or else an item's name, with or without its extension ("slide.svs" or "slide"),
// when exactly one item has it (two items with that name: 409, use the id). Name lookups are
// remembered for ApiContext::file_check_interval_nanos.
//
// Image requests that are exactly a tile of the pyramid (region = tile (x, y) at scale factor
// 2^k, size = that tile's size, rotation 0, quality default or color) are served as
// /tiles/zxy tiles: through TileService::TryCached / TryServeInline inline and GetTile on a
// worker, so they share the tile cache (and the stored-bytes passthrough) with zxy viewers;
// edge tiles are cropped (edge=crop). Other requests read the region through
// TileService::ReadRegion from the level nearest above the output scale, then mirror / rotate
// and apply the quality (imaging/transform.h) and encode; outputs up to 1024 x 1024 are kept
// in the tile cache. Every image response has an ETag (304 on If-None-Match), Cache-Control,
// and Link headers with the canonical URI and the profile.
//
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_context.h"
#include "api/iiif_params.h"
#include "api/item_resolver.h"
#include "api/router.h"
#include "core/thread_annotations.h"

namespace tessera {

class IiifApi {
 public:
  IiifApi(const ApiContext& ctx, ItemResolver& resolver) : ctx_(ctx), resolver_(resolver) {}
  void Register(Router& router);

 private:
  HandlerResult Redirect(ApiRequest& r);
  HandlerResult Info(ApiRequest& r);
  HandlerResult Image(ApiRequest& r);

  // The item an identifier names (see the header comment).
  StatusOr<ResolvedItem> ResolveIdentifier(const std::string& identifier, const ApiRequest& r);
  StatusOr<std::string> FindItemIdByName(const std::string& name);
  IiifLimits Limits() const;

  struct NameEntry {
    std::string item_id;
    int64_t checked_nanos = 0;
  };

  const ApiContext& ctx_;
  ItemResolver& resolver_;
  std::mutex mu_;
  std::unordered_map<std::string, NameEntry> names_ GUARDED_BY(mu_);
};

}  // namespace tessera
