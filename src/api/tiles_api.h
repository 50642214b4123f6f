// The large_image tiles endpoints under /api/v1/item/{id}/tiles (metadata, zxy / fzxy tiles,
// thumbnail, and the synthetic "test" item), plus /api/v1/large_image/cache.
//
// Cache hits are answered inline; everything that may open, read, decode or encode is
// returned as Deferred work for the server's worker pool. Image responses carry an ETag
// derived from the full cache key (so it changes when the file changes), answer 304 to a
// matching If-None-Match, and say `Cache-Control: public, max-age=3600` like large_image.
// Thread-safety: handlers are safe to run concurrently.
#pragma once

#include <memory>

#include "api/api_context.h"
#include "api/item_resolver.h"
#include "api/router.h"

namespace tessera {

class TilesApi {
 public:
  explicit TilesApi(const ApiContext& ctx) : ctx_(ctx), resolver_(ctx) {}
  void Register(Router& router);

 private:
  HandlerResult Metadata(ApiRequest& r);
  HandlerResult Tile(ApiRequest& r, bool with_frame);
  HandlerResult Thumbnail(ApiRequest& r);
  HandlerResult CacheInfo(ApiRequest& r);

  const ApiContext& ctx_;
  ItemResolver resolver_;
};

// A strong ETag for a cache key (stable across restarts).
std::string ETagFor(std::string_view key);
// True when the request's If-None-Match matches `etag`.
bool NotModified(const ApiRequest& r, const std::string& etag);
// An image response for an encoded tile value, with caching headers.
ApiResponse ImageResponse(const TileValuePtr& value, const std::string& etag);
ApiResponse NotModifiedResponse(const std::string& etag);

}  // namespace tessera
