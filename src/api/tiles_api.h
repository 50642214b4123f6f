// The large_image tiles endpoints under /api/v1/item/{id}/tiles (metadata, zxy / fzxy tiles,
// thumbnail, and the synthetic "test" item).
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
#include "api/persisted_images.h"
#include "api/router.h"

namespace tessera {

class TilesApi {
 public:
  TilesApi(const ApiContext& ctx, ItemResolver& resolver)
      : ctx_(ctx), resolver_(resolver), persisted_(ctx) {}
  void Register(Router& router);

 private:
  HandlerResult Metadata(ApiRequest& r);
  HandlerResult Tile(ApiRequest& r, bool with_frame);
  HandlerResult Thumbnail(ApiRequest& r);

  const ApiContext& ctx_;
  ItemResolver& resolver_;
  PersistedImages persisted_;  // thumbnails kept on disk (api/persisted_images.h)
};

}  // namespace tessera
